/**
 * The mode 3 → mode 4 responder (RFC 5905 section 9.2, server side).
 * The reply header is precomputed from the clock state by refresh(); per
 * request the hot path only copies the client's poll and transmit field and
 * writes two fresh timestamps. Everything it drops, it counts by reason.
 */
import * as localClock from '../clock/local';
import type { LocalClock } from '../clock/local';
import { Leap, Mode } from '../ntp/header';
import type { Authenticator } from '../ntp/keys';
import * as packet from '../ntp/packet';
import * as refid from '../ntp/refid';
import { ParseError } from '../ntp/packet';
import * as timestamp from '../ntp/timestamp';
import type { DatagramHandler, Peer, UdpSocket } from '../platform';
import * as clientLog from './clientlog';
import type { ClientLog } from './clientlog';

export const enum Counter {
  Received = 0,
  Replied = 1,
  DropShort = 2,
  DropOversized = 3,
  DropVersion = 4,
  DropMode = 5,
  DropFormat = 6,
  DropNotServing = 7,
  DropDenied = 8,
  DropRateLimited = 9,
  /** Not drops: replies that were kisses, and rate-limited requests answered anyway (leak). */
  KissRate = 10,
  KissDeny = 11,
  Leaked = 12,
  /** Replies with a valid MAC, and crypto-NAKs (unknown key or bad MAC). */
  Authenticated = 13,
  CryptoNak = 14,
  /** Mode-5 packets handed to the broadcast client. */
  Broadcasts = 15,
  BroadcastsSent = 16,
  /** Mode-1/2 packets handed to the symmetric associations. */
  Symmetric = 17,
  /** Mode-6 (ntpq) packets handed to the control handler, and those it dropped (denied, malformed). */
  Control = 18,
  ControlDropped = 19,
  Count = 20,
  /** Counters from DropShort up to here are drops. */
  DropsEnd = 10,
}

/**
 * Espruino finds an object's properties by walking them in the order they were made: the
 * fields every request reads come first.
 */
/** Answers a request that carries a MAC (the responder has recorded and allowed it). */
export type AuthenticatedHandler = (socket: UdpSocket | null, msg: string, trailer: packet.Trailer, first: string, from: Peer, receive: number) => void;

export interface Responder {
  /** Reply byte 0 indexed by request byte 0's low six bits (version, mode); "\0" where the request is not a v1-4 client. */
  firstByteTable: string;
  /** Cooked time until which headerTail's root dispersion stays an upper bound. */
  validUntil: number;
  /** Byte 1 (stratum) of the reply. */
  stratumByte: string;
  /** Bytes 3-23: precision, root delay, root dispersion, reference id, reference time. */
  headerTail: string;
  socket: UdpSocket | null;
  clock: LocalClock;
  clients: ClientLog;
  counters: Uint32Array;
  firstByteLeap: number;
  /** Rate limiting policy (with the token bucket in the client log): 1 in 2^n answered / kissed; -1 never. */
  leakLog2: number;
  rateKissLog2: number;
  denyKiss: boolean;
  random: () => number;
  /** Symmetric keys for requests that carry a MAC (null: answer them unauthenticated). */
  auth: Authenticator | null;
  /** Where mode-5 packets go when the board is a broadcast client (null: they are dropped). */
  onBroadcast: DatagramHandler | null;
  /** Where symmetric-mode packets (1, 2) go (null: dropped). */
  onSymmetric: DatagramHandler | null;
  /** Where mode-6 control packets go (null: dropped). */
  onControl: DatagramHandler | null;
  /** A request with a MAC, once recorded and allowed: serve/authreply.ts answers it (app.ts loads it for each). */
  onAuthenticated: AuthenticatedHandler | null;
  /** The NTP port's datagram handler (the hot path), made once by create(): what its socket is given. */
  receive: DatagramHandler;
}

/** How far ahead refresh() computes root dispersion; refresh at least this often. */
export const REFRESH_INTERVAL = 1;

export function create(clock: LocalClock, clients: ClientLog, random: () => number): Responder {
  const responder: Responder = {
    firstByteTable: '',
    validUntil: 0,
    stratumByte: '',
    headerTail: '',
    socket: null,
    clock: clock,
    clients: clients,
    counters: new Uint32Array(Counter.Count),
    firstByteLeap: -1,
    leakLog2: -1,
    rateKissLog2: -1,
    denyKiss: false,
    random: random,
    auth: null,
    onBroadcast: null,
    onSymmetric: null,
    onControl: null,
    onAuthenticated: null,
    receive: null as unknown as DatagramHandler,
  };
  responder.receive = receiver(responder);
  refresh(responder);
  return responder;
}

/** Rebuilds the precomputed header from the clock state. */
export function refresh(responder: Responder): void {
  const clock = responder.clock;
  const now = localClock.now(clock);
  const leap = clock.leap;
  if (leap !== responder.firstByteLeap) {
    let table = '';
    for (let request = 0; request < 64; request++) {
      const version = (request >> 3) & 7;
      const isClient = (request & 7) === Mode.Client && version >= 1 && version <= 4;
      table += String.fromCharCode(isClient ? (leap << 6) | (version << 3) | Mode.Server : 0);
    }
    responder.firstByteTable = table;
    responder.firstByteLeap = leap;
  }
  const synchronised = leap !== Leap.Unsynchronised;
  responder.stratumByte = String.fromCharCode(synchronised ? clock.stratum : localClock.STRATUM_UNSYNCHRONISED);
  responder.validUntil = now + REFRESH_INTERVAL;
  responder.headerTail = String.fromCharCode(clock.precisionLog2 & 255) +
    timestamp.encodeShort(synchronised ? clock.rootDelay : 0) +
    timestamp.encodeShort(localClock.rootDispersionAt(clock, responder.validUntil)) +
    timestamp.writeUint32(clock.referenceId) +
    (clock.referenceTime > 0 ? timestamp.encodeUnix(clock.referenceTime) : '\0\0\0\0\0\0\0\0');
}

/**
 * The datagram handler. The reply leaves from the socket the request came in
 * on: the NTP port's, or `via` (the broadcast sender's, which a broadcast
 * client calibrates against).
 */
export function handle(responder: Responder, msg: string, from: Peer, rawArrival: number, via?: UdpSocket): void {
  if (via) serve(responder, msg, from, rawArrival, via);
  else responder.receive(msg, from, rawArrival);
}

/**
 * The hot path: one closure for a 48-byte client request from a client with a record that may
 * be served. It does what serve() and clientLog.record() do for such a request, in the same
 * order, and calls nothing of ours while the request is served and not rate limited; anything
 * else goes to serve(). Espruino runs source text: what costs is the text lexed (all of the
 * function's, skipped branches too) and each name read (a search, scope by scope, and the
 * module's scope holds hundreds of names). So everything it reads is in this small scope,
 * constants are written out, and it has few locals.
 */
function receiver(responder: Responder): DatagramHandler {
  const clock = responder.clock;
  const counters = responder.counters;
  const log = responder.clients;
  const lastSeen = log.lastSeen;
  const slots = log.slots;
  const allowed = log.allowed;
  const averageInterval = log.averageInterval;
  const lastInterval = log.lastInterval;
  const hits = log.ntpHits;
  const takeToken = overLimit;
  const floor = Math.floor;
  const bytes = String.fromCharCode;
  return function (msg, from, rawArrival) {
    const slot = slots[from.address];
    const first = responder.firstByteTable.charAt(msg.charCodeAt(0) & 63);
    if (slot === undefined || msg.length !== 48 || first === '\0' || !allowed[slot] || !(lastSeen[slot] > 0)) {
      serve(responder, msg, from, rawArrival);
      return;
    }
    const receive = rawArrival + clock.offset + clock.freq * (rawArrival - clock.raw0);
    counters[Counter.Received]++;
    if (receive > responder.validUntil) refresh(responder);
    // clientLog.record() for a client with a record.
    let interval = receive - lastSeen[slot];
    let t = averageInterval[slot];
    lastInterval[slot] = interval;
    averageInterval[slot] = t > 0 ? t + (interval - t) / 4 : interval;
    lastSeen[slot] = receive;
    hits[slot]++;
    const socket = responder.socket;
    if (log.tokenInterval > 0 && takeToken(log, slot, interval)) {
      finish(responder, socket, slot, msg, from, receive, first, null);
      return;
    }
    if (!socket) {
      counters[Counter.DropNotServing]++;
      return;
    }
    // timestamp.encodeUnix() of the receive and transmit times in one call (locals reused: t, interval for the first).
    t = clock.readRaw();
    const transmit = t + clock.offset + clock.freq * (t - clock.raw0);
    t = floor(receive);
    interval = (receive - t) * 4294967296;
    t += 2208988800;
    let s = floor(transmit);
    const f = (transmit - s) * 4294967296;
    s += 2208988800;
    socket.send(first + responder.stratumByte + msg.charAt(2) + responder.headerTail + msg.substr(40, 8) +
      bytes(t >>> 24, (t >>> 16) & 255, (t >>> 8) & 255, t & 255, interval >>> 24, (interval >>> 16) & 255, (interval >>> 8) & 255,
        interval & 255, s >>> 24, (s >>> 16) & 255, (s >>> 8) & 255, s & 255, f >>> 24, (f >>> 16) & 255, (f >>> 8) & 255, f & 255),
      from.port, from.address);
    counters[Counter.Replied]++;
  };
}

/** clientLog.record()'s token bucket for the hot path: takes a token; true (and overLimit) when there is none. */
function overLimit(log: ClientLog, slot: number, interval: number): boolean {
  let tokens = log.tokens[slot] + (interval > 0 ? interval : 0) / log.tokenInterval;
  if (tokens > log.tokenBurst) tokens = log.tokenBurst;
  log.overLimit = tokens < 1;
  log.tokens[slot] = tokens < 1 ? tokens : tokens - 1;
  return tokens < 1;
}

/** Every request the hot path does not take. */
function serve(responder: Responder, msg: string, from: Peer, rawArrival: number, via?: UdpSocket): void {
  const clock = responder.clock;
  const receive = rawArrival + clock.offset + clock.freq * (rawArrival - clock.raw0);
  const counters = responder.counters;
  counters[Counter.Received]++;
  let trailer: packet.Trailer | null = null;
  if (msg.length !== 48) {
    // Mode-6 requests are usually 12 bytes: tell them apart before the NTP length checks.
    if ((msg.charCodeAt(0) & 7) === Mode.Control && responder.onControl !== null) {
      counters[Counter.Control]++;
      responder.onControl(msg, from, rawArrival);
      return;
    }
    trailer = longRequestTrailer(responder, msg);
    if (trailer === null) return;
  }
  const first = responder.firstByteTable.charAt(msg.charCodeAt(0) & 63);
  if (first === '\0') {
    const mode = msg.charCodeAt(0) & 7;
    if (mode === Mode.Broadcast && responder.onBroadcast !== null) {
      counters[Counter.Broadcasts]++;
      responder.onBroadcast(msg, from, rawArrival);
      return;
    }
    if ((mode === Mode.SymmetricActive || mode === Mode.SymmetricPassive) && responder.onSymmetric !== null) {
      counters[Counter.Symmetric]++;
      responder.onSymmetric(msg, from, rawArrival);
      return;
    }
    if (mode === Mode.Control && responder.onControl !== null) {
      counters[Counter.Control]++;
      responder.onControl(msg, from, rawArrival);
      return;
    }
    counters[mode === Mode.Client ? Counter.DropVersion : Counter.DropMode]++;
    return;
  }
  if (receive > responder.validUntil) refresh(responder);
  const slot = clientLog.record(responder.clients, from.address, receive);
  finish(responder, via || responder.socket, slot, msg, from, receive, first, trailer);
}

/** A recorded client request: refused, answered with a MAC, or answered. */
function finish(responder: Responder, socket: UdpSocket | null, slot: number, msg: string, from: Peer, receive: number, first: string,
  trailer: packet.Trailer | null): void {
  const log = responder.clients;
  if ((!log.allowed[slot] || log.overLimit) && refuse(responder, socket, slot, msg, from, receive)) return;
  if (trailer !== null && trailer.macOffset >= 0) {
    // The MAC code is loaded for such a request (serve/authreply.ts): unwired, the request is not served.
    if (responder.onAuthenticated) responder.onAuthenticated(socket, msg, trailer, first, from, receive);
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

/** The first 24 bytes of a packet in `mode` with our clock state: what symmetric peers send. */
export function header(responder: Responder, mode: number, pollLog2: number): string {
  if (localClock.now(responder.clock) > responder.validUntil) refresh(responder);
  return String.fromCharCode((responder.clock.leap << 6) | (4 << 3) | mode) + responder.stratumByte +
    String.fromCharCode(pollLog2 & 255) + responder.headerTail;
}

/** True one time in 2^log2 (never when log2 < 0). */
function oneIn(responder: Responder, log2: number): boolean {
  return log2 >= 0 && responder.random() * Math.pow(2, log2) < 1;
}

/**
 * A denied or rate-limited client: silence, or a kiss-o'-death, as
 * configured. Returns false when the request is to be answered after all
 * (the leak that keeps a client behind a shared address from being starved).
 */
function refuse(responder: Responder, socket: UdpSocket | null, slot: number, msg: string, from: Peer, receive: number): boolean {
  const counters = responder.counters;
  const log = responder.clients;
  let kiss = 0;
  if (!log.allowed[slot]) {
    counters[Counter.DropDenied]++;
    if (responder.denyKiss) kiss = refid.KISS_DENY;
  } else {
    if (oneIn(responder, responder.leakLog2)) {
      counters[Counter.Leaked]++;
      return false;
    }
    counters[Counter.DropRateLimited]++;
    if (oneIn(responder, responder.rateKissLog2)) kiss = refid.KISS_RATE;
  }
  log.ntpDrops[slot]++;
  if (kiss !== 0 && socket) {
    // RFC 5905 7.4: LI=3, stratum 0, the kiss code as reference id; the request's version and poll.
    const clock = responder.clock;
    const raw = clock.readRaw();
    socket.send(String.fromCharCode(0xc0 | (msg.charCodeAt(0) & 0x38) | Mode.Server, 0, msg.charCodeAt(2), clock.precisionLog2 & 255) +
      '\0\0\0\0\0\0\0\0' + timestamp.writeUint32(kiss) + '\0\0\0\0\0\0\0\0' + msg.substr(40, 8) + timestamp.encodeUnix(receive) +
      timestamp.encodeUnix(localClock.cook(clock, raw)), from.port, from.address);
    counters[kiss === refid.KISS_RATE ? Counter.KissRate : Counter.KissDeny]++;
  }
  return true;
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


export function dropped(responder: Responder): number {
  const counters = responder.counters;
  let total = 0;
  for (let counter = Counter.DropShort; counter < Counter.DropsEnd; counter++) total += counters[counter];
  return total;
}
