/**
 * The general request path (RFC 5905 section 9.2, server side): every datagram on the NTP port
 * that the responder's hot path does not take (a client's first request, a request with extension
 * fields or a MAC, a denied or rate-limited client, other modes), checked, routed or answered,
 * and each drop counted. An on-demand module (ntpd-request): loaded through Responder.requests
 * for such a datagram, and let go at the end of the event.
 */
import * as served from '../clock/served';
import { Mode } from '../ntp/header';
import * as packet from '../ntp/packet';
import { ParseError } from '../ntp/packet';
import * as refid from '../ntp/refid';
import * as timestamp from '../ntp/timestamp';
import { load, Module } from '../modules';
import type { Peer, UdpSocket } from '../platform';
import * as clientLog from './clientlog';
import { refresh } from './replyheader';
import * as responderModule from './responder';
import { Counter, toControl } from './responder';
import type { Responder } from './responder';

/** Every request the hot path does not take (and, with `via`, those on the broadcast sender's port). */
export function serve(responder: Responder, msg: string, from: Peer, rawArrival: number, via?: UdpSocket): void {
  const clock = responder.clock;
  const receive = rawArrival + clock.offset + clock.freq * (rawArrival - clock.raw0);
  const counters = responder.counters;
  counters[Counter.Received]++;
  if (via && (msg.charCodeAt(0) & 7) !== Mode.Client) {
    // Not a request a broadcast client sends to the sender's port (no control, no peers there).
    counters[Counter.DropMode]++;
    return;
  }
  let trailer: packet.Trailer | null = null;
  if (msg.length !== 48) {
    // Mode-6 requests are usually 12 bytes: tell them apart before the NTP length checks.
    if ((msg.charCodeAt(0) & 7) === Mode.Control && toControl(responder, msg, from)) return;
    trailer = longRequestTrailer(responder, msg);
    if (trailer === null) return;
  }
  // Before the first byte is read: a clock change (responder.ts clockChanged) leaves the header out of date, leap included.
  if (receive > responder.validUntil) refresh(responder);
  const first = responder.firstByteTable.charAt(msg.charCodeAt(0) & 63);
  if (first === '\0') {
    const mode = msg.charCodeAt(0) & 7;
    const routes = responder.routes;
    if (mode === Mode.Broadcast && routes !== null && routes.broadcasts) {
      counters[Counter.Broadcasts]++;
      load(routes.platform, Module.Sync).receiveBroadcast(routes.sync, msg, from, rawArrival);
      return;
    }
    if ((mode === Mode.SymmetricActive || mode === Mode.SymmetricPassive) && routes !== null && routes.symmetric) {
      counters[Counter.Symmetric]++;
      load(routes.platform, Module.Sync).receiveSymmetric(routes.sync, msg, from, rawArrival);
      return;
    }
    if (mode === Mode.Control && toControl(responder, msg, from)) return;
    counters[mode === Mode.Client ? Counter.DropVersion : Counter.DropMode]++;
    return;
  }
  const slot = clientLog.record(responder.clients, from.address, receive);
  finish(responder, via || responder.socket, slot, msg, from, receive, first, trailer);
}

/** A recorded client request: refused, answered with a MAC, or answered. */
function finish(responder: Responder, socket: UdpSocket | null, slot: number, msg: string, from: Peer, receive: number, first: string,
  trailer: packet.Trailer | null): void {
  const log = responder.clients;
  if ((!log.allowed[slot] || log.overLimit) && refuse(responder, socket, slot, msg, from, receive)) return;
  if (trailer !== null && trailer.macOffset >= 0) {
    // The MAC code is loaded for such a request (serve/authreply.ts): with no routes yet, the request is not served.
    if (responder.routes !== null) load(responder.routes.platform, Module.Auth).answer(responder, socket, msg, trailer, first, from, receive);
    else responder.counters[Counter.DropNotServing]++;
    return;
  }
  if (!socket) {
    responder.counters[Counter.DropNotServing]++;
    return;
  }
  const clock = responder.clock;
  const raw = clock.readRaw();
  socket.send(first + responder.stratumByte + msg.charAt(2) + responder.headerTail + msg.substr(40, 8) + timestamp.encodeUnix(receive) +
    timestamp.encodeUnix(raw + clock.offset + clock.freq * (raw - clock.raw0)), from.port, from.address);
  responder.counters[Counter.Replied]++;
}

/**
 * A denied or rate-limited client: silence, or a kiss-o'-death, as
 * configured. Returns false when the request is to be answered after all
 * (the leak, for rate-limited clients: responder.ts limited()).
 */
function refuse(responder: Responder, socket: UdpSocket | null, slot: number, msg: string, from: Peer, receive: number): boolean {
  const log = responder.clients;
  if (log.allowed[slot]) return responderModule.limited(responder, socket, slot, msg, from, receive);
  responder.counters[Counter.DropDenied]++;
  log.ntpDrops[slot]++;
  if (responder.denyKiss && socket) kiss(responder, socket, msg, from, receive, false);
  return true;
}

/**
 * A kiss-o'-death (RFC 5905 7.4): LI=3, stratum 0, RATE (`rate`) or DENY as the reference id;
 * the request's version and poll.
 */
export function kiss(responder: Responder, socket: UdpSocket, msg: string, from: Peer, receive: number, rate: boolean): void {
  const clock = responder.clock;
  const raw = clock.readRaw();
  socket.send(String.fromCharCode(0xc0 | (msg.charCodeAt(0) & 0x38) | Mode.Server, 0, msg.charCodeAt(2), clock.precisionLog2 & 255) +
    '\0\0\0\0\0\0\0\0' + timestamp.writeUint32(rate ? refid.KISS_RATE : refid.KISS_DENY) + '\0\0\0\0\0\0\0\0' + msg.substr(40, 8) +
    timestamp.encodeUnix(receive) + timestamp.encodeUnix(served.cook(clock, raw)), from.port, from.address);
  responder.counters[rate ? Counter.KissRate : Counter.KissDeny]++;
}

/** Requests longer than the header: extension fields and MACs must be well formed. Null: dropped and counted. */
function longRequestTrailer(responder: Responder, msg: string): packet.Trailer | null {
  const error = packet.checkEnvelope(msg);
  let counter = -1;
  let trailer: packet.Trailer | null = null;
  if (error === ParseError.Short) counter = Counter.DropShort;
  else if (error === ParseError.Oversized) counter = Counter.DropOversized;
  else if (error === ParseError.Version) counter = Counter.DropVersion;
  else if (error !== ParseError.None || (trailer = packet.parseTrailer(msg)) === null) counter = Counter.DropFormat;
  if (counter >= 0) responder.counters[counter]++;
  return trailer;
}
