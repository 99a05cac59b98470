// A broadcast/multicast client that follows a server the way the reference
// ntpd 4.2.8 `broadcastclient` does (Debian 12 has no such client to run):
//   - listen on port 123 (joining GROUP for multicast);
//   - on the first acceptable mode-5 packet, key the association on the
//     packet's source address AND port, and send a volley of mode-3 requests
//     there, from port 123, until one is answered (ntpd's FLAG_BC_VOL);
//   - a reply counts only if it comes from that address and port, is mode 4,
//     and its origin is our last transmit time; it gives the delay;
//   - then follow that association's broadcasts: offset = T3 + delay/2 - T4.
// It never touches the clock: offsets are printed, nothing is applied.
// Broadcasts from the same address but another port belong to another
// association in ntpd; here they are only counted.
//
// Prints one JSON object per line on stdout; exits after --samples samples or
// --duration seconds. Usage:
//   node ntpd-broadcastclient.mjs [--group 224.0.1.1] [--samples 4] [--duration 90]
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    group: { type: 'string' },
    samples: { type: 'string', default: '4' },
    duration: { type: 'string', default: '90' },
    port: { type: 'string', default: '123' },
  },
});
const SAMPLES_WANTED = Number(values.samples);
/** ntpd's volley: requests 2 s apart (its iburst spacing), at most this many. */
const VOLLEY_SPACING_MS = 2000;
const VOLLEY_MAX_REQUESTS = 8;
/** Seconds from 1900 (NTP era 0) to 1970. */
const NTP_UNIX_OFFSET_S = 2208988800;

function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

/** This machine's time in Unix seconds, sub-millisecond. */
function nowUnixS() {
  return (performance.timeOrigin + performance.now()) / 1000;
}

function readTimestampUnixS(buffer, offset) {
  return buffer.readUInt32BE(offset) - NTP_UNIX_OFFSET_S + buffer.readUInt32BE(offset + 4) / 4294967296;
}

function writeTimestamp(buffer, offset, unixS) {
  const ntp = unixS + NTP_UNIX_OFFSET_S;
  const seconds = Math.floor(ntp);
  buffer.writeUInt32BE(seconds >>> 0, offset);
  buffer.writeUInt32BE(Math.floor((ntp - seconds) * 4294967296) >>> 0, offset + 4);
}

/** ntpd's checks on a broadcast before it creates an association (protocol sanity, poll, stratum, leap). */
function acceptableBroadcast(msg) {
  if (msg.length < 48) return 'short';
  const leap = msg[0] >> 6;
  const version = (msg[0] >> 3) & 7;
  const mode = msg[0] & 7;
  if (mode !== 5) return 'mode ' + mode;
  if (version < 1 || version > 4) return 'version ' + version;
  if (leap === 3 || msg[1] === 0 || msg[1] >= 16) return 'unsynchronised';
  // ntpd rejects a poll field outside [3, 17] (NTP_MINPOLL..NTP_MAXPOLL).
  const poll = msg.readInt8(2);
  if (poll < 3 || poll > 17) return 'poll ' + poll;
  return '';
}

const socket = dgram.createSocket({ type: 'udp4', reuseAddr: values.group !== undefined });
/** The association: the server's address and port, as ntpd keys it. */
let association = null;
let volleyTimer = null;
let samples = 0;

function sendRequest() {
  if (association.requests >= VOLLEY_MAX_REQUESTS) {
    clearInterval(volleyTimer);
    emit({ event: 'volley-unanswered', address: association.address, port: association.port, requests: association.requests });
    return;
  }
  const request = Buffer.alloc(48);
  request[0] = (0 << 6) | (4 << 3) | 3;
  request[2] = 6;
  request.writeInt8(-20, 3);
  const t1 = nowUnixS();
  writeTimestamp(request, 40, t1);
  association.expectedOrigin = request.subarray(40, 48).toString('hex');
  association.t1 = t1;
  association.requests++;
  socket.send(request, association.port, association.address);
  emit({ event: 'request', address: association.address, port: association.port, n: association.requests });
}

function onReply(msg, rinfo, t4) {
  if (rinfo.address !== association.address || rinfo.port !== association.port) {
    emit({ event: 'reply-wrong-source', address: rinfo.address, port: rinfo.port });
    return;
  }
  if (msg.length < 48 || (msg[0] & 7) !== 4 || msg[1] === 0 || msg[1] >= 16) return;
  if (msg.subarray(24, 32).toString('hex') !== association.expectedOrigin) {
    emit({ event: 'reply-bad-origin', port: rinfo.port });
    return;
  }
  association.expectedOrigin = '';
  const t2 = readTimestampUnixS(msg, 32);
  const t3 = readTimestampUnixS(msg, 40);
  const delayS = (t4 - association.t1) - (t3 - t2);
  const offsetS = ((t2 - association.t1) + (t3 - t4)) / 2;
  association.delayS = delayS;
  clearInterval(volleyTimer);
  emit({ event: 'calibrated', address: rinfo.address, port: rinfo.port, delayS, offsetS, requests: association.requests });
}

function onBroadcast(msg, rinfo, t4) {
  const refused = acceptableBroadcast(msg);
  if (refused !== '') {
    emit({ event: 'broadcast-refused', reason: refused, port: rinfo.port });
    return;
  }
  if (association === null) {
    association = { address: rinfo.address, port: rinfo.port, requests: 0, expectedOrigin: '', t1: 0, delayS: null };
    emit({ event: 'association', address: rinfo.address, port: rinfo.port, pollLog2: msg.readInt8(2), stratum: msg[1] });
    sendRequest();
    volleyTimer = setInterval(sendRequest, VOLLEY_SPACING_MS);
    return;
  }
  if (rinfo.address !== association.address || rinfo.port !== association.port) {
    emit({ event: 'broadcast-other-association', address: rinfo.address, port: rinfo.port });
    return;
  }
  if (association.delayS === null) return; // still calibrating: ntpd does not use the broadcast yet
  const t3 = readTimestampUnixS(msg, 40);
  samples++;
  emit({ event: 'sample', port: rinfo.port, offsetS: t3 + association.delayS / 2 - t4, delayS: association.delayS });
  if (samples >= SAMPLES_WANTED) finish();
}

function finish() {
  clearInterval(volleyTimer);
  socket.close();
  emit({ event: 'done', samples });
  process.exit(0);
}

socket.on('message', (msg, rinfo) => {
  const t4 = nowUnixS();
  const mode = msg.length > 0 ? msg[0] & 7 : -1;
  if (mode === 5) onBroadcast(msg, rinfo, t4);
  else if (mode === 4 && association !== null) onReply(msg, rinfo, t4);
});
socket.on('error', (error) => {
  emit({ event: 'error', message: error.message });
  process.exit(2);
});
socket.bind(Number(values.port), () => {
  if (values.group) socket.addMembership(values.group);
  emit({ event: 'listening', port: Number(values.port), group: values.group ?? null });
});
setTimeout(finish, Number(values.duration) * 1000);
