// Test doubles for the core's platform: a hand-driven raw clock and a socket
// that records what the core sends.
import { loadModule, releaseModules } from './modules';
import { createHash } from 'node:crypto';
import * as localClock from '../../src/clock/local';
import * as appModule from '../../src/app';
import type { BoardServices, DatagramHandler, HttpHandler, Peer, Platform } from '../../src/platform';
import type { Routes } from '../../src/serve/responder';
import type { Sync } from '../../src/sync/manager';

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

/**
 * A Wi-Fi station and timers driven by hand, for the link's state machine:
 * `platform` is a fakePlatform with these in place; `runTimers(ms)` advances
 * the clock and fires what falls due; connect attempts wait in `attempts`
 * until the test answers them (or leaves them to time out).
 */
export function fakeStation(randomValue = 0.5) {
  const clock = { raw: 1000 };
  const base = fakePlatform(() => clock.raw);
  const timers: { id: number; at: number; every: number; callback: () => void }[] = [];
  const attempts: { ssid: string; password: string; done: (error: string | null) => void }[] = [];
  const calls: string[] = [];
  let linkHandler: (up: boolean, detail: string) => void = () => {};
  let nextId = 1;
  const station = { up: false, address: '192.168.1.50' };
  // services() is the platform itself, so that a test may replace any service on it.
  const platform: Platform & BoardServices = {
    ...base.platform,
    services: () => platform,
    random: () => randomValue,
    after: (ms, callback, a, b, c) => (timers.push({ id: nextId, at: clock.raw + ms / 1000, every: 0, callback: () => callback(a as never, b as never, c as never) }), nextId++),
    every: (ms, callback, a, b, c) => (timers.push({ id: nextId, at: clock.raw + ms / 1000, every: ms / 1000, callback: () => callback(a as never, b as never, c as never) }), nextId++),
    cancelTimer: (id) => {
      const index = timers.findIndex((timer) => timer.id === id);
      if (index >= 0) timers.splice(index, 1);
    },
    wifiConnect: (ssid, password, done) => {
      calls.push('connect ' + ssid);
      attempts.push({ ssid, password, done });
    },
    wifiSetIP: (address, netmask, gateway, dns) => calls.push(['setIP', address, netmask, gateway, dns].join(' ')),
    wifiSetHostname: (name) => calls.push('hostname ' + name),
    wifiAddress: () => (station.up ? { address: station.address, netmask: '255.255.255.0', gateway: '192.168.1.1' } : null),
    onWifiLink: (callback) => (linkHandler = callback),
  };
  /** Runs the timers due within the next `ms`, in time order. */
  function runTimers(ms: number) {
    const until = clock.raw + ms / 1000;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const timer = timers[0];
      if (!timer || timer.at > until) break;
      clock.raw = timer.at;
      if (timer.every > 0) timer.at += timer.every;
      else timers.shift();
      timer.callback();
    }
    clock.raw = until;
  }
  return {
    platform, clock, station, attempts, calls, logs: base.logs, runTimers,
    /** The station's link event, as Espruino's 'connected'/'disconnected'. */
    link: (up: boolean, detail: string) => {
      station.up = up;
      linkHandler(up, detail);
    },
  };
}

/**
 * The appliance booted on a fake board whose NTP port records what it sends: `send` hands a
 * datagram to the port's handler at the board's raw time and returns the datagrams sent back.
 */
export function ntpBoard(storage: Record<string, string>, start: number) {
  const state = { raw: start };
  const fake = fakePlatform(() => state.raw, storage);
  let ntpHandler: DatagramHandler = () => {};
  const ntp = recordingSocket();
  fake.platform.udpBind = (port, handler) => {
    if (port === 123) {
      ntpHandler = handler;
      return ntp.socket;
    }
    return recordingSocket().socket;
  };
  // What the appliance schedules for "next event" (after 0 ms) runs once the current one returns, as on a board.
  const due: Array<() => void> = [];
  fake.platform.after = (ms, callback, a, b, c) => {
    if (ms === 0) due.push(() => callback(a as never, b as never, c as never));
    return 0;
  };
  function drain(): void {
    while (due.length > 0) due.shift()!();
  }
  const app = appModule.start(fake.platform);
  drain();
  function send(datagram: string, from: Peer): SentDatagram[] {
    const before = ntp.sent.length;
    ntpHandler(datagram, from, state.raw);
    drain();
    return ntp.sent.slice(before);
  }
  return { app, state, send, fake };
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
  /** What the board's guards caught (the fake catches nothing: a test sets it). */
  const callbackErrors = { count: 0, last: '' };
  const platform: Platform & BoardServices = {
    services: () => platform,
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
    wifiConnect: (ssid, password, done) => done(null),
    wifiSetIP: () => {},
    wifiSetHostname: () => {},
    wifiAddress: () => ({ address: '127.0.0.1', netmask: '255.0.0.0', gateway: '127.0.0.1' }),
    onWifiLink: () => {},
    storageRead: (name) => storage[name],
    storageWrite: (name, data) => ((storage[name] = data), true),
    storageFree: () => {
      let used = 0;
      for (const name of Object.keys(storage)) used += 32 + storage[name].length;
      return resources.flashBytes - used;
    },
    memory: () => ({ usedJsVars: resources.usedJsVars, totalJsVars: resources.totalJsVars }),
    log: (message) => logs.push(message),
    callbackErrors: () => callbackErrors,
    load: loadModule,
    release: releaseModules,
    reboot: () => {
      reboots.count++;
    },
  };
  return { platform, logs, storage, reboots, resources, httpHandlers, callbackErrors, output: () => output };
}

/**
 * The NTP port's routes as app.ts sets them, for a responder tested alone: requests with a MAC go
 * to the MAC code (loaded as the board loads it); no broadcasts, peers or ntpq.
 */
export function macRoutes(readRaw: () => number): Routes {
  return { platform: fakePlatform(readRaw).platform, sync: null as unknown as Sync, broadcasts: false, symmetric: false, control: null };
}
