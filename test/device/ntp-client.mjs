// A small NTP client for the device tests, run inside the board's network namespace
// (`ip netns exec NS node ntp-client.mjs ...`), where the board listens on the real port 123.
// It prints one JSON line on stdout.
//
//   node ntp-client.mjs query HOST PORT [TIMEOUT_MS]
//       one mode-3 request from 127.0.0.1: the reply's header, the offset and delay
//   node ntp-client.mjs burst HOST PORT FIRST SOURCES TOTAL RATE ORDER
//       TOTAL requests from SOURCES sockets bound to 127.0.0.FIRST, 127.0.0.FIRST+1, ..., at most
//       RATE per second (0: as fast as the kernel takes them), ORDER `rr` (round robin over the
//       sources) or `runs` (each source's requests back to back, as an eager client sends them).
//       Counts the replies, the kisses (RATE, DENY, ...) and the silent ones; reads the board's
//       socket in the namespace's /proc/net/udp (unread bytes; datagrams the kernel dropped because
//       the board's receive buffer was full) and waits (at most DRAIN_S s, default 120) until the
//       board has read every datagram, then 2 s more for the last replies.
//   node ntp-client.mjs http URL
//       one GET (15 s at most): status, content type and body
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const NTP_UNIX = 2208988800;
const now = () => Date.now() / 1000;
const ntpTime = (b, at) => b.readUInt32BE(at) - NTP_UNIX + b.readUInt32BE(at + 4) / 4294967296;

function request() {
  const b = Buffer.alloc(48);
  b[0] = (4 << 3) | 3;
  b[2] = 6;
  randomBytes(8).copy(b, 40);
  return b;
}

function header(b) {
  return {
    length: b.length, li: b[0] >> 6, vn: (b[0] >> 3) & 7, mode: b[0] & 7, stratum: b[1],
    poll: b.readInt8(2), precision: b.readInt8(3),
    refid: b.subarray(12, 16).toString('hex'), refidText: b.subarray(12, 16).toString('latin1').replace(/[^ -~]/g, '.'),
    org: ntpTime(b, 24), rec: ntpTime(b, 32), xmt: ntpTime(b, 40),
  };
}

function bind(address) {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => { socket.removeListener('error', reject); resolve(socket); });
  });
}

async function query(host, port, timeoutMs) {
  const socket = await bind('127.0.0.1');
  const req = request();
  const reply = new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    socket.on('message', (m) => {
      if (m.length >= 48 && m.subarray(24, 32).equals(req.subarray(40, 48))) { clearTimeout(timer); resolve(m); }
    });
  });
  const t1 = now();
  socket.send(req, port, host);
  const m = await reply;
  const t4 = now();
  socket.close();
  if (!m) return { reply: false };
  const h = header(m);
  return { reply: true, ...h, offset: ((h.rec - t1) + (h.xmt - t4)) / 2, delay: (t4 - t1) - (h.xmt - h.rec) };
}

/** The board's socket on `port` in this namespace: unread bytes and datagrams dropped. */
function boardSocket(port) {
  const hex = ':' + port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/udp', 'latin1').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length > 12 && f[1].endsWith(hex)) return { found: true, unread: parseInt(f[4].split(':')[1], 16), drops: Number(f[12]) };
  }
  return { found: false, unread: 0, drops: 0 };
}

async function burst(host, port, first, sources, total, rate, order, drainS) {
  const before = boardSocket(port);
  const sockets = [];
  const counts = { sent: 0, replies: 0, kisses: {}, badOrigin: 0, sourcesAnswered: 0, errors: 0 };
  const answered = new Set();
  for (let i = 0; i < sources; i++) {
    const address = '127.0.0.' + (first + i);
    const socket = await bind(address);
    const pending = new Set();
    socket.on('message', (m) => {
      const key = m.length >= 48 ? m.subarray(24, 32).toString('hex') : '';
      if (!pending.delete(key)) { counts.badOrigin++; return; }
      answered.add(address);
      if (m[1] === 0) {
        const code = m.subarray(12, 16).toString('latin1');
        counts.kisses[code] = (counts.kisses[code] ?? 0) + 1;
      } else counts.replies++;
    });
    socket.on('error', () => { counts.errors++; });
    sockets.push({ socket, pending });
  }
  const perSource = Math.ceil(total / sources);
  const started = now();
  for (let n = 0; n < total; n++) {
    const due = rate > 0 ? started + n / rate : 0;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait * 1000));
    const { socket, pending } = sockets[order === 'runs' ? Math.floor(n / perSource) % sources : n % sources];
    const req = request();
    pending.add(req.subarray(40, 48).toString('hex'));
    // Handed to the kernel before the next one (node's send is asynchronous): the counts below
    // then see every datagram.
    await new Promise((resolve) => socket.send(req, port, host, (error) => { if (error) counts.errors++; resolve(); }));
    counts.sent++;
  }
  const sentFor = now() - started;
  const drainUntil = now() + drainS;
  while (boardSocket(port).unread > 0 && now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
  const drained = now() - started;
  const after = boardSocket(port);
  await new Promise((r) => setTimeout(r, 2000));
  for (const { socket } of sockets) socket.close();
  counts.sourcesAnswered = answered.size;
  const kissed = Object.values(counts.kisses).reduce((a, b) => a + b, 0);
  return {
    ...counts, silent: counts.sent - counts.replies - kissed, boardSocketFound: before.found && after.found, kernelDrops: after.drops - before.drops, unreadAtEnd: after.unread,
    sendSeconds: Math.round(sentFor * 100) / 100, drainSeconds: Math.round(drained * 100) / 100,
  };
}

const [mode, host, port, ...rest] = process.argv.slice(2);
let result;
if (mode === 'query') result = await query(host, Number(port), Number(rest[0] ?? 3000));
else if (mode === 'burst') result = await burst(host, Number(port), Number(rest[0]), Number(rest[1]), Number(rest[2]), Number(rest[3]), rest[4] ?? 'rr', Number(rest[5] ?? 120));
else if (mode === 'http') {
  const response = await fetch(host, { signal: AbortSignal.timeout(15_000) });
  result = { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text() };
} else { console.error('usage: ntp-client.mjs query HOST PORT [TIMEOUT_MS] | burst HOST PORT FIRST SOURCES TOTAL RATE rr|runs [DRAIN_S] | http URL'); process.exit(2); }
console.log(JSON.stringify(result));
