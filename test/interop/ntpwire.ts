// Minimal NTP wire helpers for the interop tests: a one-shot Node UDP client and a
// hand-made fake server (run as a child, optionally inside a network namespace).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { join } from 'node:path';
import { REPO, sleep, stopChild } from './peers.js';

export const NTP_UNIX_OFFSET = 2208988800;

/** NTP 64-bit timestamp at offset `at` of `b` as Unix seconds (float). */
export function ntpTime(b: Buffer, at: number): number {
  return b.readUInt32BE(at) - NTP_UNIX_OFFSET + b.readUInt32BE(at + 4) / 2 ** 32;
}

export interface Header {
  li: number; vn: number; mode: number; stratum: number; poll: number; precision: number;
  rootDelay: number; rootDispersion: number; refid: string;
  ref: number; org: number; rec: number; xmt: number;
}

export function parseHeader(b: Buffer): Header {
  return {
    li: b[0] >> 6, vn: (b[0] >> 3) & 7, mode: b[0] & 7, stratum: b[1],
    poll: b.readInt8(2), precision: b.readInt8(3),
    rootDelay: b.readUInt32BE(4), rootDispersion: b.readUInt32BE(8), refid: b.subarray(12, 16).toString('hex'),
    ref: ntpTime(b, 16), org: ntpTime(b, 24), rec: ntpTime(b, 32), xmt: ntpTime(b, 40),
  };
}

/** A 48-byte client request (mode 3) whose transmit timestamp is random, as RFC 9109 suggests. */
export function clientRequest(opts: { version?: number; poll?: number } = {}): Buffer {
  const b = Buffer.alloc(48);
  b[0] = ((opts.version ?? 4) << 3) | 3;
  b[2] = opts.poll ?? 6;
  randomBytes(8).copy(b, 40);
  return b;
}

/** Send one request from 127.0.0.1 and wait for the reply (rejects after timeoutMs). */
export async function exchange(host: string, port: number, opts: { version?: number; poll?: number; timeoutMs?: number } = {}):
  Promise<{ request: Buffer; reply: Buffer; sentAt: number; receivedAt: number }> {
  const request = clientRequest(opts);
  const sock = dgram.createSocket('udp4');
  try {
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const got = new Promise<Buffer>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no reply from ${host}:${port}`)), opts.timeoutMs ?? 3000);
      sock.on('message', (m) => { clearTimeout(t); resolve(m); });
    });
    const sentAt = Date.now() / 1000;
    sock.send(request, port, host);
    const reply = await got;
    return { request, reply, sentAt, receivedAt: Date.now() / 1000 };
  } finally {
    sock.close();
  }
}

// ---------------------------------------------------------------- fake server

export interface FakeServer { stop(): Promise<void>; child: ChildProcess }

/**
 * Start test/interop/fake-server.mjs: answers every mode-3 request with a
 * well-formed reply carrying the given leap indicator and stratum.
 */
export async function startFakeServer(opts: { port: number; leap: number; stratum: number; netns?: string }): Promise<FakeServer> {
  const ns = opts.netns ? ['ip', 'netns', 'exec', opts.netns] : [];
  const child = spawn('timeout', ['-k', '2', '60', ...ns, process.execPath, join(REPO, 'test/interop/fake-server.mjs'),
    String(opts.port), String(opts.leap), String(opts.stratum)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const until = Date.now() + 10_000;
  while (!out.includes('ready')) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`fake server did not start: ${out}`);
    await sleep(50);
  }
  return { child, stop: async () => { await stopChild(child); } };
}
