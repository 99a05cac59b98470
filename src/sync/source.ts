/**
 * One upstream NTP server (chrony's ntp_core for client mode): the poll
 * process with reach register, iburst/burst, the request, and the on-wire
 * tests of RFC 5905 applied to each reply. A reply that passes becomes a
 * sample handed to the caller; one that does not is counted, never thrown.
 */
import type { LocalClock } from '../clock/local';
import * as localClock from '../clock/local';
import type { ServerOptions } from '../config/types';
import * as ntpHeader from '../ntp/header';
import { Leap, Mode } from '../ntp/header';
import * as keys from '../ntp/keys';
import type { Authenticator, Key } from '../ntp/keys';
import * as mac from '../ntp/mac';
import * as packet from '../ntp/packet';
import { ParseError } from '../ntp/packet';
import * as refid from '../ntp/refid';
import * as timestamp from '../ntp/timestamp';
import type { Peer, UdpSocket } from '../platform';
import * as sourcestats from './sourcestats';
import type { SourceStats } from './sourcestats';
import type { Pool } from './pool';

/** RATE kisses alone never push the interval past 2^13 s (issue: "never above 2^13"). */
export const MAX_KOD_POLL_LOG2 = 13;
/** Interval between the requests of a burst (chrony: 2 s). */
export const BURST_INTERVAL = 2;
/** iburst: requests at start; burst: requests per poll. */
export const IBURST_COUNT = 4;
export const BURST_COUNT = 4;

/** What the last reply said, for `ntpdata`. */
export interface LastPacket {
  leap: number;
  version: number;
  mode: number;
  stratum: number;
  pollLog2: number;
  precisionLog2: number;
  rootDelay: number;
  rootDispersion: number;
  referenceId: number;
  referenceTime: number;
  receiveTime: number; // server's t2, Unix seconds
  transmitTime: number; // server's t3
  offset: number;
  delay: number;
  dispersion: number;
  /** chrony's "NTP tests" bits: "111 111 1111" when all passed. */
  tests: string;
  /** It carried a valid MAC under the source's key. */
  authenticated: boolean;
  /** Local cooked time it arrived. */
  arrival: number;
  length: number;
}

export interface Source {
  options: ServerOptions;
  /** Dotted quad once resolved, '' before. */
  address: string;
  referenceId: number;
  socket: UdpSocket | null;
  localPort: number;
  pollLog2: number;
  /** Poll adaptation score (ntpd's jiggle counter). */
  pollScore: number;
  reach: number;
  /** Requests left to send 2 s apart before going back to the poll interval. */
  burstLeft: number;
  /** The 8 transmit bytes of the outstanding request ('' when none): the only origin a reply may carry. */
  expectedOrigin: string;
  /** The server's last transmit bytes: a replay of them is a duplicate. */
  lastServerTransmit: string;
  /** '' or the kiss code (DENY, RSTR) that stopped this source. */
  stoppedBy: string;
  offline: boolean;
  status: string;
  /**
   * What the last selection made of it, for `selectdata`: chrony's state
   * character, its correctness interval (offset ± root distance, chrony's
   * sign: local minus source; 0 when it was no candidate), and its root
   * distance relative to the selected source's (1 for that one).
   */
  selectState: string;
  selectLow: number;
  selectHigh: number;
  selectScore: number;
  /** Values from the last valid reply. */
  stratum: number;
  leap: number;
  rootDelay: number;
  rootDispersion: number;
  precisionLog2: number;
  delay: number;
  dispersion: number;
  lastPacket: LastPacket | null;
  /** Cooked time of the last valid sample (0 = none). */
  lastSampleTime: number;
  stats: SourceStats;
  timer: number;
  /** Counters: requests sent, replies received, replies that passed all tests, KoDs. */
  sent: number;
  received: number;
  valid: number;
  kisses: number;
  /** Replies that failed authentication (no MAC, crypto-NAK, wrong digest). */
  authFailures: number;
  /** The GPS reference clock (samples from its driver, not from packets). */
  refclock: boolean;
  /** A broadcast server we follow: polled only to measure the delay, sampled from its mode-5 packets. */
  broadcast: boolean;
  /** Symmetric mode: 1 active (configured `peer`), 2 passive (created by an incoming mode 1); 0 for a server. */
  peerMode: number;
  /** The peer's last transmit bytes and when we received them: our next packet's origin and receive fields. */
  peerTransmit: string;
  peerReceive: number;
  /** Smallest round-trip delay of the last calibration exchange (Infinity while none). */
  calibratedDelay: number;
  lastBroadcastTransmit: string;
  /** The `pool` this source's address came from (null: a server, peer, refclock or broadcast source). */
  pool: Pool | null;
  /** Polls in a row at which the last selection had it as a falseticker (pool sources are replaced after a few). */
  falsetickerPolls: number;
}

export function create(options: ServerOptions): Source {
  return {
    options: options,
    address: '',
    referenceId: 0,
    socket: null,
    localPort: 0,
    pollLog2: options.minPollLog2,
    pollScore: 0,
    reach: 0,
    burstLeft: options.iburst ? IBURST_COUNT : 0,
    expectedOrigin: '',
    lastServerTransmit: '',
    stoppedBy: '',
    offline: false,
    status: '?',
    selectState: 'M',
    selectLow: 0,
    selectHigh: 0,
    selectScore: 1,
    stratum: 0,
    leap: Leap.Unsynchronised,
    rootDelay: 0,
    rootDispersion: 0,
    precisionLog2: 0,
    delay: 0,
    dispersion: 0,
    lastPacket: null,
    lastSampleTime: 0,
    stats: sourcestats.create(),
    timer: -1,
    sent: 0,
    received: 0,
    valid: 0,
    kisses: 0,
    authFailures: 0,
    refclock: false,
    broadcast: false,
    peerMode: options.peer ? 1 : 0,
    peerTransmit: '',
    peerReceive: 0,
    calibratedDelay: Infinity,
    lastBroadcastTransmit: '',
    pool: null,
    falsetickerPolls: 0,
  };
}

export function setAddress(source: Source, address: string): void {
  source.address = address;
  const value = refid.parseIpv4(address);
  source.referenceId = value < 0 ? 0 : value;
}

/** Seconds until the next request: 2 s inside a burst, else the poll interval. */
export function nextInterval(source: Source): number {
  return source.burstLeft > 0 ? BURST_INTERVAL : Math.pow(2, source.pollLog2);
}

/**
 * Builds and records the next request (client mode, NTPv4). Only the poll
 * and transmit fields are set, as RFC 9109 and data minimisation advise.
 */
/** The first 24 bytes of a packet carrying our clock state (LI/VN/mode … reference time), for symmetric mode. */
export type HeaderMaker = (mode: number, pollLog2: number) => string;

export function makeRequest(source: Source, clock: LocalClock, auth: Authenticator | null, ourHeader?: HeaderMaker): string {
  source.reach = (source.reach << 1) & 255;
  if (source.burstLeft > 0) source.burstLeft--;
  const key = sourceKey(source, auth);
  const transmit = timestamp.encodeUnix(localClock.now(clock));
  source.expectedOrigin = transmit;
  source.sent++;
  const request = source.peerMode !== 0 && ourHeader ?
    // Symmetric mode: our own clock state, and the peer's last transmit time and when it reached us.
    ourHeader(source.peerMode === 1 ? Mode.SymmetricActive : Mode.SymmetricPassive, source.pollLog2) +
      (source.peerTransmit === '' ? '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' :
        source.peerTransmit + timestamp.encodeUnix(source.peerReceive)) + transmit :
    String.fromCharCode((4 << 3) | Mode.Client, 0, source.pollLog2 & 255, 0) +
      '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' + transmit;
  return key && auth ? request + mac.macTrailer(key.id, key.type, key.secret, request, auth.sha) : request;
}

/** The key a source is configured with, if the key store has it. */
function sourceKey(source: Source, auth: Authenticator | null): Key | null {
  return source.options.keyId > 0 && auth ? keys.findKey(auth.keys, source.options.keyId) : null;
}

export interface Sample {
  /** Ideal local time of the measurement and the source's offset from it. */
  time: number;
  offset: number;
  delay: number;
  dispersion: number;
}

/** Result of a reply: a sample, or why there is none ('' when the datagram was not ours to judge). */
export interface ReplyOutcome {
  sample: Sample | null;
  kiss: string;
}

const PHI = localClock.DISPERSION_RATE;

/**
 * Applies the on-wire tests to a reply. Returns a sample when every test
 * passed. Updates reach, the KoD state and the last-packet record.
 */
export function receive(source: Source, clock: LocalClock, msg: string, from: Peer, rawArrival: number, maxDistance: number,
  auth: Authenticator | null): ReplyOutcome {
  const none: ReplyOutcome = { sample: null, kiss: '' };
  if (from.address !== source.address || from.port !== source.options.port) return none;
  if (packet.checkEnvelope(msg) !== ParseError.None) return none;
  const trailer = msg.length > 48 ? packet.parseTrailer(msg) : null;
  if (msg.length > 48 && trailer === null) return none;
  const reply = ntpHeader.decode(msg, 0);
  const symmetric = reply.mode === Mode.SymmetricActive || reply.mode === Mode.SymmetricPassive;
  if (source.peerMode === 0 ? reply.mode !== Mode.Server : !symmetric) return none;
  source.received++;
  const transmit = msg.substr(40, 8);
  if (symmetric) {
    // Whatever the tests say, our next packet answers this one.
    source.peerTransmit = transmit;
    source.peerReceive = localClock.cook(clock, rawArrival);
  }
  const origin = msg.substr(24, 8);
  // Test 1: a replay of the last reply. Test 2: an origin that is not our outstanding request.
  const test1 = transmit !== source.lastServerTransmit;
  const test2 = source.expectedOrigin !== '' && origin === source.expectedOrigin;
  if (!test1 || !test2) return none;
  source.expectedOrigin = '';
  source.lastServerTransmit = transmit;
  // Test 5: with a key configured, the reply must carry a valid MAC under it (a crypto-NAK fails).
  const key = sourceKey(source, auth);
  const test5 = source.options.keyId === 0 || (key !== null && auth !== null && trailer !== null && trailer.macOffset >= 0 &&
    trailer.macDigestLength > 0 && mac.verifyMac(msg, trailer.macOffset, key.id, key.type, key.secret, auth.sha));
  if (!test5) source.authFailures++;
  if (reply.stratum === 0) {
    // A kiss-o'-death, believed because its origin is ours (RFC 8633 5.4).
    if (!test5) return none;
    source.kisses++;
    const code = refid.toAscii(reply.referenceId);
    if (reply.referenceId === refid.KISS_RATE) {
      let pollLog2 = source.pollLog2 + 1;
      if (reply.pollLog2 > pollLog2) pollLog2 = reply.pollLog2;
      if (pollLog2 > MAX_KOD_POLL_LOG2) pollLog2 = MAX_KOD_POLL_LOG2;
      if (pollLog2 > source.pollLog2) source.pollLog2 = pollLog2;
      source.burstLeft = 0;
    } else if (reply.referenceId === refid.KISS_DENY || reply.referenceId === refid.KISS_RSTR) {
      source.stoppedBy = code;
    }
    return { sample: null, kiss: code };
  }
  const arrival = localClock.cook(clock, rawArrival);
  const t1 = timestamp.toUnix(timestamp.decode(origin, 0), arrival);
  // Test 3: the server's timestamps must be set.
  const test3 = !timestamp.isZero(reply.receiveTime) && !timestamp.isZero(reply.transmitTime);
  source.reach |= 1;
  // Differences of NTP timestamps are taken in their two halves: exact.
  // Without both server timestamps there is no measurement (and no later test can mean anything).
  const serverHold = test3 ? timestamp.difference(reply.transmitTime, reply.receiveTime) : 0;
  const t1ntp = timestamp.decode(origin, 0);
  const forward = test3 ? timestamp.difference(reply.receiveTime, t1ntp) : 0;
  const backward = test3 ? timestamp.difference(reply.transmitTime, timestamp.fromUnix(arrival)) : 0;
  const offset = (forward + backward) / 2;
  let delay = test3 ? arrival - t1 - serverHold : 0;
  const precision = Math.pow(2, clock.precisionLog2);
  if (delay < precision) delay = precision;
  const dispersion = precision + Math.pow(2, reply.precisionLog2) + PHI * (arrival - t1);
  const rootDistance = (reply.rootDelay + delay) / 2 + reply.rootDispersion + dispersion;
  const ratio = source.options.maxDelayRatio;
  const testA = delay <= source.options.maxDelay && (ratio <= 0 || source.stats.count === 0 || delay <= ratio * source.stats.minDelay);
  const test6 = reply.leap !== Leap.Unsynchronised && reply.stratum < 16;
  const test7 = rootDistance <= maxDistance;
  const valid = test3 && test5 && testA && test6 && test7;
  const bit = (ok: boolean) => (ok ? '1' : '0');
  source.lastPacket = {
    leap: reply.leap,
    version: reply.version,
    mode: reply.mode,
    stratum: reply.stratum,
    pollLog2: reply.pollLog2,
    precisionLog2: reply.precisionLog2,
    rootDelay: reply.rootDelay,
    rootDispersion: reply.rootDispersion,
    referenceId: reply.referenceId,
    referenceTime: timestamp.isZero(reply.referenceTime) ? 0 : timestamp.toUnix(reply.referenceTime, arrival),
    receiveTime: timestamp.toUnix(reply.receiveTime, arrival),
    transmitTime: timestamp.toUnix(reply.transmitTime, arrival),
    offset: offset,
    delay: delay,
    dispersion: dispersion,
    tests: bit(test1) + bit(test2) + bit(test3) + ' ' + bit(testA) + '11 ' + bit(test5) + bit(test6) + bit(test7) + '1',
    authenticated: key !== null && test5,
    arrival: arrival,
    length: msg.length,
  };
  if (!valid) return none;
  acceptSample(source, reply, delay, dispersion, arrival);
  // Offsets are kept against the ideal clock: served time plus the correction still being slewed in.
  const pending = localClock.pendingCorrection(clock, rawArrival);
  return { sample: { time: arrival + pending, offset: offset - pending, delay: delay, dispersion: dispersion }, kiss: '' };
}

/** A packet became a sample: what it said about the source's reference is now the source's. */
export function acceptSample(source: Source, reply: ntpHeader.NtpHeader, delay: number, dispersion: number, arrival: number): void {
  source.valid++;
  // `minstratum`: a source is never taken as closer to a reference than this.
  source.stratum = reply.stratum > source.options.minStratum ? reply.stratum : source.options.minStratum;
  source.leap = reply.leap;
  source.rootDelay = reply.rootDelay;
  source.rootDispersion = reply.rootDispersion;
  source.precisionLog2 = reply.precisionLog2;
  source.delay = delay;
  source.dispersion = dispersion;
  source.lastSampleTime = arrival;
}

/**
 * A source's root distance now: what bounds its error (RFC 5905 section
 * 11.2.2, plus the fit's error). `clockSkew` is how well our own frequency
 * is known: with one sample a source has no slope of its own, and its
 * offset drifts only as fast as our clock's frequency can be wrong.
 */
export function rootDistance(source: Source, now: number, clockSkew: number): number {
  const age = now - source.lastSampleTime;
  return (source.rootDelay + source.delay) / 2 + source.rootDispersion + source.dispersion + PHI * (age > 0 ? age : 0) +
    fitError(source, now, clockSkew);
}

/** How far off the source's fitted offset may be at `now` (one sample: only as far as our frequency can have drifted since). */
export function fitError(source: Source, now: number, clockSkew: number): number {
  const stats = source.stats;
  return stats.count > 1 ? sourcestats.predictionError(stats, now) :
    stats.offsetSd + clockSkew * (now - stats.referenceTime > 0 ? now - stats.referenceTime : 0);
}

/** Requests a source may go unanswered at start before it stops holding up the first selection. */
const STARTING_REQUESTS = 3;

/** Not heard from yet, but not given up on: selection waits for it to have its say. */
export function starting(source: Source): boolean {
  return source.valid === 0 && source.sent < STARTING_REQUESTS && source.stoppedBy === '' && !source.offline && !source.options.noselect;
}

/** Usable for selection: reachable recently, with samples, not stopped or excluded. */
export function selectable(source: Source): boolean {
  return source.reach !== 0 && source.stats.count > 0 && !source.options.noselect && source.stoppedBy === '' && !source.offline;
}
