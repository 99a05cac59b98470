// Bounded UDP load generator for NTP servers (mode 3 client requests).
//
// Sends 48-byte NTPv4 mode-3 requests to HOST:PORT from a number of source
// sockets, keeping a window of W requests in flight. Each request carries a
// random transmit timestamp; a reply counts as answered only if it is a mode-4
// packet of at least 48 bytes whose origin timestamp equals one of our pending
// transmit timestamps. A request not answered within timeoutMs counts as lost and
// is replaced by a fresh one. The run stops after durationSec seconds or after
// maxRequests requests have been sent, whichever comes first.
//
// Module:  import { runLoad } from './loadgen.mjs'; const r = await runLoad({ port: 11124 });
// CLI:     node test/bench/loadgen.mjs --port 11124 [--duration 5] [--window 64]
//            [--sockets 4] [--max 2000000] [--timeout-ms 200] [--json]
//
// Traffic goes only to 127.0.0.1 unless the caller passes another host; the CLI
// refuses anything but 127.0.0.1.

import dgram from 'node:dgram';
import { randomFillSync } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const HARD_MAX_DURATION_SEC = 600;
const HARD_MAX_REQUESTS = 50_000_000;

export const DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 11123,
  sockets: 4,
  window: 64,
  durationSec: 5,
  maxRequests: 2_000_000,
  timeoutMs: 200,
});

/** Percentile (nearest-rank) of a sorted Float64Array, p in [0,100]. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/**
 * Run one bounded load test. Resolves with a result object; never rejects for
 * lost packets (only for socket errors at setup).
 */
export function runLoad(opts = {}) {
  const o = { ...DEFAULTS, ...opts };
  const durationMs = Math.min(Math.max(0, o.durationSec), HARD_MAX_DURATION_SEC) * 1000;
  const maxRequests = Math.min(Math.max(0, Math.floor(o.maxRequests)), HARD_MAX_REQUESTS);
  const windowSize = Math.max(1, Math.floor(o.window));
  const nSockets = Math.max(1, Math.min(256, Math.floor(o.sockets)));
  const timeoutNs = BigInt(Math.round(o.timeoutMs * 1e6));
  const stopAfterAnswered = o.stopAfterAnswered ?? Infinity;

  return new Promise((resolve, reject) => {
    const sockets = [];
    // key (hex of transmit timestamp) -> { t: bigint hrtime, s: socket index }
    // Map keeps insertion order == send order, so the oldest are first.
    const pending = new Map();
    const latCap = Math.min(maxRequests, 5_000_000);
    const lat = new Float64Array(latCap); // milliseconds
    let nLat = 0;
    let sent = 0, answered = 0, lost = 0, late = 0, invalid = 0, kod = 0, sendErrors = 0;
    let rr = 0;
    let sending = true;
    let finished = false;
    let tStart = 0n, tStopSending = 0n, tLastReply = 0n;
    const pool = Buffer.alloc(8 * 4096);
    let poolPos = pool.length;
    const timers = [];
    let bound = 0;

    function randomTx(buf) {
      if (poolPos >= pool.length) { randomFillSync(pool); poolPos = 0; }
      pool.copy(buf, 40, poolPos, poolPos + 8);
      poolPos += 8;
    }

    function sendOne() {
      if (!sending || finished) return;
      if (sent >= maxRequests) { stopSending(); return; }
      const buf = Buffer.alloc(48);
      buf[0] = 0x23; // LI 0, VN 4, mode 3
      let key;
      do { randomTx(buf); key = buf.toString('hex', 40, 48); } while (pending.has(key));
      const si = rr; rr = (rr + 1) % nSockets;
      pending.set(key, { t: process.hrtime.bigint(), s: si });
      sent++;
      sockets[si].send(buf, 0, 48, o.port, o.host, (err) => {
        if (err) { sendErrors++; }
      });
    }

    function fill() {
      while (sending && !finished && pending.size < windowSize && sent < maxRequests) sendOne();
      if (sent >= maxRequests) stopSending();
    }

    function onMessage(msg) {
      if (finished) return;
      const now = process.hrtime.bigint();
      if (msg.length < 48 || (msg[0] & 7) !== 4) { invalid++; return; }
      const key = msg.toString('hex', 24, 32); // origin timestamp
      const p = pending.get(key);
      if (!p) { late++; return; } // timed out already, duplicate, or foreign
      pending.delete(key);
      if (msg[1] === 0) { kod++; } // stratum 0: kiss-o'-death, not a served time
      else {
        answered++;
        tLastReply = now;
        if (nLat < latCap) lat[nLat++] = Number(now - p.t) / 1e6;
      }
      if (answered >= stopAfterAnswered) stopSending();
      if (sending) fill();
      else if (pending.size === 0) finish();
    }

    function sweep() {
      if (finished) return;
      const now = process.hrtime.bigint();
      for (const [key, p] of pending) {
        if (now - p.t < timeoutNs) break; // ordered by send time
        pending.delete(key);
        lost++;
      }
      if (sending) fill();
      else if (pending.size === 0) finish();
    }

    function stopSending() {
      if (!sending) return;
      sending = false;
      tStopSending = process.hrtime.bigint();
      if (pending.size === 0) finish();
      // otherwise the sweep will time out what is left (bounded by timeoutMs)
    }

    function finish() {
      if (finished) return;
      finished = true;
      const tEnd = process.hrtime.bigint();
      for (const t of timers) { clearTimeout(t); clearInterval(t); }
      lost += pending.size; // anything still pending at the hard stop
      pending.clear();
      for (const s of sockets) { try { s.close(); } catch { /* already closed */ } }
      const sorted = lat.slice(0, nLat).sort();
      let sum = 0; for (let i = 0; i < nLat; i++) sum += sorted[i];
      const sendSec = Number((tStopSending || tEnd) - tStart) / 1e9;
      const totalSec = Number(tEnd - tStart) / 1e9;
      const r = (x) => (x == null ? null : Math.round(x * 1000) / 1000);
      resolve({
        host: o.host, port: o.port, sockets: nSockets, window: windowSize,
        durationSec: o.durationSec, maxRequests, timeoutMs: o.timeoutMs,
        sent, answered, lost, late, invalid, kod, sendErrors,
        sendSeconds: r(sendSec), elapsedSeconds: r(totalSec),
        // answered replies per second of sending time (drain replies are few and fast)
        repliesPerSec: sendSec > 0 ? Math.round(answered / Math.max(sendSec, Number((tLastReply || tEnd) - tStart) / 1e9)) : 0,
        latencyMs: {
          min: r(sorted[0] ?? null), p50: r(percentile(sorted, 50)), p90: r(percentile(sorted, 90)),
          p99: r(percentile(sorted, 99)), p999: r(percentile(sorted, 99.9)),
          max: r(nLat ? sorted[nLat - 1] : null), mean: r(nLat ? sum / nLat : null),
        },
      });
    }

    function start() {
      tStart = process.hrtime.bigint();
      timers.push(setInterval(sweep, 10));
      timers.push(setTimeout(stopSending, durationMs));
      // absolute backstop: duration + drain + margin
      timers.push(setTimeout(finish, durationMs + Number(timeoutNs / 1000000n) + 2000));
      fill();
      if (maxRequests === 0) stopSending();
    }

    for (let i = 0; i < nSockets; i++) {
      const s = dgram.createSocket('udp4');
      sockets.push(s);
      s.on('message', onMessage);
      s.on('error', (err) => {
        if (bound < nSockets && !finished) {
          finished = true;
          for (const t of timers) { clearTimeout(t); clearInterval(t); }
          for (const x of sockets) { try { x.close(); } catch { /* ignore */ } }
          reject(err);
        } else { sendErrors++; }
      });
      s.bind(0, '127.0.0.1', () => {
        bound++;
        try { s.setRecvBufferSize(1 << 20); s.setSendBufferSize(1 << 20); } catch { /* best effort */ }
        if (bound === nSockets) start();
      });
    }
  });
}

/** Minimal --key value argument parser. */
export function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const k = a.slice(2);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) out[k] = true;
    else { out[k] = v; i++; }
  }
  return out;
}

export function formatResult(r) {
  const L = r.latencyMs;
  return `${r.host}:${r.port}  sent ${r.sent}  answered ${r.answered}  lost ${r.lost}` +
    `  late ${r.late}  invalid ${r.invalid}  kod ${r.kod}  ${r.repliesPerSec} replies/s` +
    `  latency ms p50 ${L.p50} p90 ${L.p90} p99 ${L.p99} max ${L.max}`;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  if (a.help) {
    console.log('usage: node test/bench/loadgen.mjs --port N [--duration S] [--window W] ' +
      '[--sockets K] [--max COUNT] [--timeout-ms MS] [--json]');
    return;
  }
  const host = a.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') { console.error('loadgen: only 127.0.0.1 is allowed as a target'); process.exit(2); }
  const num = (v, d) => (v === undefined || v === true ? d : Number(v));
  const r = await runLoad({
    host,
    port: num(a.port, DEFAULTS.port),
    durationSec: num(a.duration, DEFAULTS.durationSec),
    window: num(a.window, DEFAULTS.window),
    sockets: num(a.sockets, DEFAULTS.sockets),
    maxRequests: num(a.max, DEFAULTS.maxRequests),
    timeoutMs: num(a['timeout-ms'], DEFAULTS.timeoutMs),
  });
  console.log(a.json ? JSON.stringify(r, null, 2) : formatResult(r));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
