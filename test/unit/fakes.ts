// Test doubles for the core's platform: a hand-driven raw clock and a socket
// that records what the core sends.
import { createHash } from 'node:crypto';
import * as localClock from '../../src/clock/local';
import type { HttpHandler, Platform } from '../../src/platform';

export interface SentDatagram {
  data: string;
  port: number;
  address: string;
}

export function fakeClock(start = 1_800_000_000.25) {
  const state = { raw: start };
  const clock = localClock.create(() => state.raw);
  clock.precisionLog2 = -20; // a clock that never ticks measures as 1 s
  return { state, clock };
}

export function recordingSocket() {
  const sent: SentDatagram[] = [];
  return {
    sent,
    socket: {
      send(data: string, port: number, address: string) {
        if (typeof data !== 'string') throw new TypeError('binary strings only');
        sent.push({ data, port, address });
      },
      close() {},
    },
  };
}

export function bytes(hex: string): string {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex').toString('latin1');
}

export function hex(binary: string): string {
  return Buffer.from(binary, 'latin1').toString('hex');
}

/** The board's SHA, as Espruino's crypto gives it, from Node's. */
export function shaDigest(algorithm: 'SHA1' | 'SHA256', data: string): string {
  return createHash(algorithm === 'SHA1' ? 'sha1' : 'sha256').update(Buffer.from(data, 'latin1')).digest().toString('latin1');
}

/** A Platform whose timers only run when the test says so, and whose storage is a map. */
export function fakePlatform(readRaw: () => number, storage: Record<string, string> = {}) {
  const logs: string[] = [];
  const httpHandlers: { [port: number]: HttpHandler } = {};
  let output = '';
  const reboots = { count: 0 };
  /** What memory() and storageFree() report; a test may change it. */
  const resources = { usedJsVars: 1234, totalJsVars: 2500, flashBytes: 917504 };
  const platform: Platform = {
    rawClock: readRaw,
    digest: shaDigest,
    udpBind: () => recordingSocket().socket,
    udpSender: () => recordingSocket().socket,
    every: () => 0,
    after: () => 0,
    cancelTimer: () => {},
    random: () => 0.5,
    resolve: (host, callback) => callback(host),
    consoleWrite: (text) => (output += text),
    onConsoleData: () => {},
    consoleEchoes: false,
    releaseConsole: () => '',
    serialOpen: () => {},
    watchPin: () => 0,
    unwatchPin: () => {},
    httpServe: (port, handle) => {
      httpHandlers[port] = handle;
    },
    storageRead: (name) => storage[name],
    storageWrite: (name, data) => ((storage[name] = data), true),
    storageFree: () => {
      let used = 0;
      for (const name of Object.keys(storage)) used += 32 + storage[name].length;
      return resources.flashBytes - used;
    },
    memory: () => ({ usedJsVars: resources.usedJsVars, totalJsVars: resources.totalJsVars }),
    log: (message) => logs.push(message),
    reboot: () => {
      reboots.count++;
    },
  };
  return { platform, logs, storage, reboots, resources, httpHandlers, output: () => output };
}
