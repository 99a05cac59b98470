/**
 * The mode 3 → mode 4 responder (RFC 5905 section 9.2, server side).
 * The reply header is precomputed from the clock state (replyheader.ts refresh()); per
 * request the hot path only copies the client's poll and transmit field and
 * writes two fresh timestamps. Everything it drops, it counts by reason.
 * What the hot path does not take goes to the general path (serve/request.ts), an on-demand
 * module that Responder.requests gives; the header's rebuild is another (serve/replyheader.ts,
 * Responder.headers), so that a refresh does not load the general path.
 */
import type { LocalClock } from '../clock/local';
import { load, Module } from '../modules';
import type { ReplyHeaderModule, RequestModule } from '../modules';
import { Mode } from '../ntp/header';
import type { Authenticator } from '../ntp/keys';
import type { DatagramHandler, Peer, Platform, UdpSocket } from '../platform';
import type { Sync } from '../sync/manager';
import type { ControlServer } from './mode6state';
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
 * The NTP port's routes by mode, as data: the general path loads the module that takes each kind
 * of packet (the sync manager, ntpq's responder, the MAC code) for it. Data rather than callbacks:
 * on the device a callback is a closure kept for the board's life.
 */
export interface Routes {
  platform: Platform;
  /** Takes mode-5 packets when `broadcasts`, symmetric ones (modes 1, 2) when `symmetric`. */
  sync: Sync;
  broadcasts: boolean;
  symmetric: boolean;
  /** ntpq's state (serve/mode6state.ts); null: mode-6 packets are dropped (cmddeny). */
  control: ControlServer | null;
}

/**
 * Espruino finds an object's properties by walking them in the order they were made: the
 * fields every request reads come first.
 */
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
  /**
   * Where the general path (serve/request.ts) sends what is not a plain client request: set by
   * app.ts when the services start. Until then (and in tests of the responder alone) such packets
   * are dropped and counted.
   */
  routes: Routes | null;
  /** The NTP port's datagram handler (the hot path), made once by create(): what its socket is given. */
  receive: DatagramHandler;
  /** The general request path (serve/request.ts): loaded on the device for each datagram the hot path does not take. */
  requests: () => RequestModule;
  /** The reply header's rebuild (serve/replyheader.ts): loaded on the device for each refresh. */
  headers: () => ReplyHeaderModule;
  /** The hot path takes the client log's arrays again (after the log may have grown outside it). */
  reloadClients: () => void;
}

/**
 * The header is rebuilt (serve/request.ts refresh()) every REFRESH_INTERVAL by a timer, and its
 * root dispersion computed for REFRESH_VALIDITY ahead: longer, so that a timer a little late does
 * not leave the rebuild to a request. Served root dispersion is an upper bound, high by at most
 * 15 ppm of the validity (0.15 ms): the header is built off the hot path, in an on-demand module.
 */
export const REFRESH_INTERVAL = 8;
export const REFRESH_VALIDITY = 10;

export function create(clock: LocalClock, clients: ClientLog, random: () => number, requests: () => RequestModule, headers: () => ReplyHeaderModule): Responder {
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
    routes: null,
    receive: null as unknown as DatagramHandler,
    requests: requests,
    headers: headers,
    reloadClients: null as unknown as () => void,
  };
  responder.receive = receiver(responder);
  return responder;
}

/** A mode-6 packet to ntpq's responder (serve/mode6.ts, loaded for it): false when there is none to take it (cmddeny). */
export function toControl(responder: Responder, msg: string, from: Peer): boolean {
  const routes = responder.routes;
  if (routes === null || routes.control === null) return false;
  responder.counters[Counter.Control]++;
  load(routes.platform, Module.Mode6).handle(routes.control, msg, from);
  return true;
}

/**
 * The datagram handler. The reply leaves from the socket the request came in
 * on: the NTP port's, or `via` (the broadcast sender's, which a broadcast
 * client calibrates against).
 */
export function handle(responder: Responder, msg: string, from: Peer, rawArrival: number, via?: UdpSocket): void {
  if (via) {
    responder.requests().serve(responder, msg, from, rawArrival, via);
    // The request may have made the client log grow.
    responder.reloadClients();
  } else {
    responder.receive(msg, from, rawArrival);
  }
}

/**
 * The hot path: one closure for a 48-byte client request from a client with a record that may
 * be served. It does what serve() and clientLog.record() do for such a request, in the same
 * order, and calls nothing of ours while the request is served and not rate limited; anything
 * else goes to the general path (serve/request.ts serve()). Espruino runs source text: what costs is the text lexed (all of the
 * function's, skipped branches too) and each name read (a search, scope by scope, and the
 * module's scope holds hundreds of names). So everything it reads is in this small scope,
 * constants are written out, and it has few locals.
 */
function receiver(responder: Responder): DatagramHandler {
  const clock = responder.clock;
  const counters = responder.counters;
  const log = responder.clients;
  const slots = log.slots;
  let lastSeen: Float64Array, allowed: Uint8Array, averageInterval: Float32Array, lastInterval: Float32Array, hits: Uint32Array;
  // The log's arrays, read again where it may have grown (a new client is recorded only on the general path, mode 6
  // included) before the hot path writes to them: after the general path and after the broadcast sender's requests
  // (handle()). Not checked per request: that alone would cost the hot path about 2%.
  function arrays(): void {
    lastSeen = log.lastSeen;
    allowed = log.allowed;
    averageInterval = log.averageInterval;
    lastInterval = log.lastInterval;
    hits = log.ntpHits;
  }
  arrays();
  responder.reloadClients = arrays;
  // Out of the hot path's text, which Espruino lexes on every request, taken or not.
  function refreshHeader(): void {
    responder.headers().refresh(responder);
  }
  function general(msg: string, from: Peer, rawArrival: number): void {
    // ntpq's packets go straight to its module: the general path's code is not loaded with it.
    if ((msg.charCodeAt(0) & 7) === Mode.Control && responder.routes !== null && responder.routes.control !== null) {
      counters[Counter.Received]++;
      toControl(responder, msg, from);
    } else {
      responder.requests().serve(responder, msg, from, rawArrival);
    }
    arrays();
  }
  const takeToken = overLimit;
  const refuseLimited = limited;
  const floor = Math.floor;
  const bytes = String.fromCharCode;
  return function (msg, from, rawArrival) {
    const receive = rawArrival + clock.offset + clock.freq * (rawArrival - clock.raw0);
    // Before the first byte is read: a clock change (clockChanged) leaves the header out of date, leap included.
    if (receive > responder.validUntil) refreshHeader();
    const slot = slots[from.address];
    const first = responder.firstByteTable.charAt(msg.charCodeAt(0) & 63);
    if (slot === undefined || msg.length !== 48 || first === '\0' || !allowed[slot] || !(lastSeen[slot] > 0)) {
      general(msg, from, rawArrival);
      return;
    }
    counters[Counter.Received]++;
    // clientLog.record() for a client with a record.
    let interval = receive - lastSeen[slot];
    let t = averageInterval[slot];
    lastInterval[slot] = interval;
    averageInterval[slot] = t > 0 ? t + (interval - t) / 4 : interval;
    lastSeen[slot] = receive;
    hits[slot]++;
    const socket = responder.socket;
    if (log.tokenInterval > 0 && takeToken(log, slot, interval) && refuseLimited(responder, socket, slot, msg, from, receive)) return;
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

/**
 * A request its client's token bucket refused: answered after all one time in 2^leakLog2 (false:
 * the caller answers it; the leak keeps a client behind a shared address from being starved),
 * else dropped, and kissed one time in 2^rateKissLog2 (the kiss is built off the hot path, in
 * serve/request.ts). Resident, and loading nothing unless it kisses: a flood of rate-limited
 * requests must stay cheap.
 */
export function limited(responder: Responder, socket: UdpSocket | null, slot: number, msg: string, from: Peer, receive: number): boolean {
  const counters = responder.counters;
  if (oneIn(responder, responder.leakLog2)) {
    counters[Counter.Leaked]++;
    return false;
  }
  counters[Counter.DropRateLimited]++;
  responder.clients.ntpDrops[slot]++;
  if (oneIn(responder, responder.rateKissLog2) && socket) responder.requests().kiss(responder, socket, msg, from, receive, true);
  return true;
}

/** True one time in 2^log2 (never when log2 < 0). */
function oneIn(responder: Responder, log2: number): boolean {
  return log2 >= 0 && responder.random() * Math.pow(2, log2) < 1;
}

/** clientLog.record()'s token bucket for the hot path: takes a token; true (and overLimit) when there is none. */
function overLimit(log: ClientLog, slot: number, interval: number): boolean {
  let tokens = log.tokens[slot] + (interval > 0 ? interval : 0) / log.tokenInterval;
  if (tokens > log.tokenBurst) tokens = log.tokenBurst;
  log.overLimit = tokens < 1;
  log.tokens[slot] = tokens < 1 ? tokens : tokens - 1;
  return tokens < 1;
}

/**
 * A clock-change handler (clock/local.ts addChangeHandler): the reply header follows the clock
 * at once. It is rebuilt by the next request (or timer) that finds it out of date, not here: the
 * clock changes in the clock update's event, which should not carry the request code too.
 */
export function clockChanged(responder: Responder): void {
  responder.validUntil = 0;
}
