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
import * as packet from '../ntp/packet';
import { ParseError } from '../ntp/packet';
import * as refid from '../ntp/refid';
import * as ipv4 from '../net/ipv4';
import * as timestamp from '../ntp/timestamp';
import type { Peer, UdpSocket } from '../platform';
import * as sourcestats from './sourcestats';
import type { SourceStats } from './sourcestats';
import { StatsField } from './sourcestats';
import type { Pool } from './pool';
import type { LastPacket } from './lastpacket';
import { LastPacketField, TestBit } from './lastpacket';

/** Poll adaptation (ntpd's jiggle counter, manager.ts adaptPoll). */
export const enum PollAdaptation {
  /** The score at which the poll interval doubles (or, negated, halves). */
  ScoreLimit = 30,
  /** How many noise levels a sample may stray from the fit and still count as good. */
  Gate = 4,
}
/** RATE kisses alone never push the interval past 2^13 s (issue: "never above 2^13"). */
export const MAX_KOD_POLL_LOG2 = 13;
/** Interval between the requests of a burst (chrony: 2 s). */
export const BURST_INTERVAL = 2;
/** iburst: requests at start; burst: requests per poll. */
export const IBURST_COUNT = 4;
export const BURST_COUNT = 4;

/**
 * A source's numbers, by index into Source.state (one Float64Array: 8 bytes a number on the
 * device instead of a property of 1 to 3 blocks each).
 */
export const enum SourceField {
  Reach = 0,
  PollLog2 = 1,
  /** Requests left to send 2 s apart before going back to the poll interval. */
  BurstLeft = 2,
  /** Poll adaptation score (ntpd's jiggle counter). */
  PollScore = 3,
  /** Symmetric mode: 1 active (configured `peer`), 2 passive (created by an incoming mode 1); 0 for a server. */
  PeerMode = 4,
  /** 1 while set `offline`. */
  Offline = 5,
  /** The kiss code (DENY, RSTR), or DNS when its name did not resolve, as a reference id, that stopped it; 0 while it runs. */
  StoppedBy = 6,
  ReferenceId = 7,
  /** Values from the last valid reply. */
  Stratum = 8,
  Leap = 9,
  RootDelay = 10,
  RootDispersion = 11,
  PrecisionLog2 = 12,
  Delay = 13,
  Dispersion = 14,
  /**
   * What the last selection made of it, for `selectdata`: chrony's state character (its
   * char code), its correctness interval (offset ± root distance, chrony's sign: local minus
   * source; 0 when it was no candidate), and its root distance relative to the selected
   * source's (1 for that one).
   */
  SelectState = 15,
  SelectLow = 16,
  SelectHigh = 17,
  SelectScore = 18,
  /** Counters: requests sent, replies received, replies that passed all tests, KoDs. */
  Sent = 19,
  Received = 20,
  Valid = 21,
  Kisses = 22,
  /** Replies that failed authentication (no MAC, crypto-NAK, wrong digest). */
  AuthFailures = 23,
  /** Polls in a row at which the last selection had it as a falseticker (pool sources are replaced after a few). */
  FalsetickerPolls = 24,
  /**
   * 64-bit NTP timestamps, each as its seconds and fraction halves (seconds -1: none).
   * The outstanding request's transmit time: the only origin a reply may carry.
   */
  OriginSeconds = 25,
  OriginFraction = 26,
  /** The server's last transmit time: a replay of it is a duplicate. */
  ServerTransmitSeconds = 27,
  ServerTransmitFraction = 28,
  /** Symmetric mode: the peer's last transmit time and when we received it (cooked Unix seconds): our next packet's origin and receive fields. */
  PeerTransmitSeconds = 29,
  PeerTransmitFraction = 30,
  PeerReceive = 31,
  /** A broadcast server's last mode-5 transmit time, and the smallest round-trip delay of the last calibration exchange (Infinity while none). */
  BroadcastTransmitSeconds = 32,
  BroadcastTransmitFraction = 33,
  CalibratedDelay = 34,
  Size = 35,
}

/** chrony's selectdata state characters, as SourceField.SelectState holds them. */
export const enum SelectState {
  Selected = 42, // '*'
  Combined = 43, // '+'
  Distant = 68, // 'D'
  Loop = 76, // 'L'
  Missing = 77, // 'M'
  Noselect = 78, // 'N'
  Stale = 83, // 'S'
  Falseticker = 120, // 'x'
}

/**
 * One upstream source. Its numbers are in `state`; the properties are what cannot be a number
 * (or what the tests and sync/events.ts read by name), the hot ones first: Espruino finds a
 * property by walking them in creation order. The optional ones exist only on the sources that
 * use them.
 */
export interface Source {
  state: Float64Array;
  /** Dotted quad once resolved, '' before. */
  address: string;
  /** chronyc's sources state character: '*', '+', '-', 'x' or '?'. */
  status: string;
  options: ServerOptions;
  /** Samples' statistics: from the first sample on. */
  stats?: SourceStats;
  /** Cooked time of the last valid sample (0 = none). */
  lastSampleTime: number;
  /** From the first reply on. */
  lastPacket?: LastPacket;
  /** Its socket and local port (sync/events.ts binds them); a peer's is the NTP port's socket. */
  socket?: UdpSocket | null;
  localPort?: number;
  timer: number;
  /** The GPS reference clock (samples from its driver, not from packets). */
  refclock?: boolean;
  /** A broadcast server we follow: polled only to measure the delay, sampled from its mode-5 packets. */
  broadcast?: boolean;
  /** The `pool` this source's address came from (its options are the pool's). */
  pool?: Pool;
}

export function create(options: ServerOptions): Source {
  const state = new Float64Array(SourceField.Size);
  state[SourceField.PollLog2] = options.minPollLog2;
  state[SourceField.BurstLeft] = options.iburst ? IBURST_COUNT : 0;
  state[SourceField.PeerMode] = options.peer ? 1 : 0;
  state[SourceField.Leap] = Leap.Unsynchronised;
  state[SourceField.SelectState] = SelectState.Missing;
  state[SourceField.SelectScore] = 1;
  state[SourceField.OriginSeconds] = -1;
  state[SourceField.ServerTransmitSeconds] = -1;
  state[SourceField.PeerTransmitSeconds] = -1;
  state[SourceField.BroadcastTransmitSeconds] = -1;
  state[SourceField.CalibratedDelay] = Infinity;
  return { state: state, address: '', status: '?', options: options, lastSampleTime: 0, timer: -1 };
}

/** Its samples' statistics, made at the first sample. */
export function statsOf(source: Source): SourceStats {
  if (!source.stats) source.stats = sourcestats.create();
  return source.stats;
}

/** The name its log lines go by: a pool source's own address (its options name the pool). */
export function hostOf(source: Source): string {
  return source.pool ? source.address : source.options.host;
}

export function setAddress(source: Source, address: string): void {
  source.address = address;
  const value = ipv4.parseIpv4(address);
  source.state[SourceField.ReferenceId] = value < 0 ? 0 : value;
}

/** Seconds until the next request: 2 s inside a burst, else the poll interval. */
export function nextInterval(source: Source): number {
  return source.state[SourceField.BurstLeft] > 0 ? BURST_INTERVAL : Math.pow(2, source.state[SourceField.PollLog2]);
}

/** The first 24 bytes of a packet carrying our clock state (LI/VN/mode … reference time), for symmetric mode. */
export type HeaderMaker = (mode: number, pollLog2: number) => string;

/**
 * Builds and records the next request (client mode, NTPv4). Only the poll
 * and transmit fields are set, as RFC 9109 and data minimisation advise.
 * Unsigned: a source with a key has its MAC appended by sourceauth.ts.
 */
export function makeRequest(source: Source, clock: LocalClock, ourHeader?: HeaderMaker): string {
  const state = source.state;
  state[SourceField.Reach] = (state[SourceField.Reach] << 1) & 255;
  if (state[SourceField.BurstLeft] > 0) state[SourceField.BurstLeft]--;
  const transmit = timestamp.encodeUnix(localClock.now(clock));
  state[SourceField.OriginSeconds] = timestamp.readUint32(transmit, 0);
  state[SourceField.OriginFraction] = timestamp.readUint32(transmit, 4);
  state[SourceField.Sent]++;
  const peerMode = state[SourceField.PeerMode];
  return peerMode !== 0 && ourHeader ?
    // Symmetric mode: our own clock state, and the peer's last transmit time and when it reached us.
    ourHeader(peerMode === 1 ? Mode.SymmetricActive : Mode.SymmetricPassive, state[SourceField.PollLog2]) +
      (state[SourceField.PeerTransmitSeconds] < 0 ? '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' :
        timestamp.writeUint32(state[SourceField.PeerTransmitSeconds]) + timestamp.writeUint32(state[SourceField.PeerTransmitFraction]) +
        timestamp.encodeUnix(state[SourceField.PeerReceive])) + transmit :
    String.fromCharCode((4 << 3) | Mode.Client, 0, state[SourceField.PollLog2] & 255, 0) +
      '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' + transmit;
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
 * `authentic`: the reply carries a valid MAC under the source's key
 * (sourceauth.ts verify; not read for a source without a key).
 */
export function receive(source: Source, clock: LocalClock, msg: string, from: Peer, rawArrival: number, maxDistance: number,
  authentic: boolean): ReplyOutcome {
  const none: ReplyOutcome = { sample: null, kiss: '' };
  if (from.address !== source.address || from.port !== source.options.port) return none;
  if (packet.checkEnvelope(msg) !== ParseError.None) return none;
  const trailer = msg.length > 48 ? packet.parseTrailer(msg) : null;
  if (msg.length > 48 && trailer === null) return none;
  const reply = ntpHeader.decode(msg, 0);
  const state = source.state;
  const symmetric = reply.mode === Mode.SymmetricActive || reply.mode === Mode.SymmetricPassive;
  if (state[SourceField.PeerMode] === 0 ? reply.mode !== Mode.Server : !symmetric) return none;
  state[SourceField.Received]++;
  const transmitSeconds = reply.transmitTime.seconds;
  const transmitFraction = reply.transmitTime.fraction;
  if (symmetric) {
    // Whatever the tests say, our next packet answers this one.
    state[SourceField.PeerTransmitSeconds] = transmitSeconds;
    state[SourceField.PeerTransmitFraction] = transmitFraction;
    state[SourceField.PeerReceive] = localClock.cook(clock, rawArrival);
  }
  // Test 1: a replay of the last reply. Test 2: an origin that is not our outstanding request.
  const test1 = transmitSeconds !== state[SourceField.ServerTransmitSeconds] || transmitFraction !== state[SourceField.ServerTransmitFraction];
  const test2 = state[SourceField.OriginSeconds] >= 0 && reply.originTime.seconds === state[SourceField.OriginSeconds] &&
    reply.originTime.fraction === state[SourceField.OriginFraction];
  if (!test1 || !test2) return none;
  state[SourceField.OriginSeconds] = -1;
  state[SourceField.ServerTransmitSeconds] = transmitSeconds;
  state[SourceField.ServerTransmitFraction] = transmitFraction;
  // Test 5: with a key configured, the reply must carry a valid MAC under it (a crypto-NAK fails).
  const keyed = source.options.keyId > 0;
  const test5 = !keyed || authentic;
  if (!test5) state[SourceField.AuthFailures]++;
  if (reply.stratum === 0) {
    // A kiss-o'-death, believed because its origin is ours (RFC 8633 5.4).
    if (!test5) return none;
    state[SourceField.Kisses]++;
    if (reply.referenceId === refid.KISS_RATE) {
      let pollLog2 = state[SourceField.PollLog2] + 1;
      if (reply.pollLog2 > pollLog2) pollLog2 = reply.pollLog2;
      if (pollLog2 > MAX_KOD_POLL_LOG2) pollLog2 = MAX_KOD_POLL_LOG2;
      if (pollLog2 > state[SourceField.PollLog2]) state[SourceField.PollLog2] = pollLog2;
      state[SourceField.BurstLeft] = 0;
    } else if (reply.referenceId === refid.KISS_DENY || reply.referenceId === refid.KISS_RSTR) {
      state[SourceField.StoppedBy] = reply.referenceId;
    }
    return { sample: null, kiss: refid.toAscii(reply.referenceId) };
  }
  const arrival = localClock.cook(clock, rawArrival);
  const t1 = timestamp.toUnix(reply.originTime, arrival);
  // Test 3: the server's timestamps must be set.
  const test3 = !timestamp.isZero(reply.receiveTime) && !timestamp.isZero(reply.transmitTime);
  state[SourceField.Reach] |= 1;
  // Differences of NTP timestamps are taken in their two halves: exact.
  // Without both server timestamps there is no measurement (and no later test can mean anything).
  const serverHold = test3 ? timestamp.difference(reply.transmitTime, reply.receiveTime) : 0;
  const forward = test3 ? timestamp.difference(reply.receiveTime, reply.originTime) : 0;
  const backward = test3 ? timestamp.difference(reply.transmitTime, timestamp.fromUnix(arrival)) : 0;
  const offset = (forward + backward) / 2;
  let delay = test3 ? arrival - t1 - serverHold : 0;
  const precision = Math.pow(2, clock.precisionLog2);
  if (delay < precision) delay = precision;
  const dispersion = precision + Math.pow(2, reply.precisionLog2) + PHI * (arrival - t1);
  const rootDistance = (reply.rootDelay + delay) / 2 + reply.rootDispersion + dispersion;
  const ratio = source.options.maxDelayRatio;
  const stats = source.stats;
  const testA = delay <= source.options.maxDelay &&
    (ratio <= 0 || sourcestats.count(stats) === 0 || delay <= ratio * sourcestats.value(stats, StatsField.MinDelay));
  const test6 = reply.leap !== Leap.Unsynchronised && reply.stratum < 16;
  const test7 = rootDistance <= maxDistance;
  const valid = test3 && test5 && testA && test6 && test7;
  let last = source.lastPacket;
  if (!last) last = source.lastPacket = new Float64Array(LastPacketField.Size);
  last[LastPacketField.Leap] = reply.leap;
  last[LastPacketField.Version] = reply.version;
  last[LastPacketField.Mode] = reply.mode;
  last[LastPacketField.Stratum] = reply.stratum;
  last[LastPacketField.PollLog2] = reply.pollLog2;
  last[LastPacketField.PrecisionLog2] = reply.precisionLog2;
  last[LastPacketField.RootDelay] = reply.rootDelay;
  last[LastPacketField.RootDispersion] = reply.rootDispersion;
  last[LastPacketField.ReferenceId] = reply.referenceId;
  last[LastPacketField.ReferenceTime] = timestamp.isZero(reply.referenceTime) ? 0 : timestamp.toUnix(reply.referenceTime, arrival);
  last[LastPacketField.ReceiveTime] = timestamp.toUnix(reply.receiveTime, arrival);
  last[LastPacketField.TransmitTime] = timestamp.toUnix(reply.transmitTime, arrival);
  last[LastPacketField.Offset] = offset;
  last[LastPacketField.Delay] = delay;
  last[LastPacketField.Dispersion] = dispersion;
  // Tests 1 and 2 passed to get here.
  last[LastPacketField.Tests] = TestBit.Test1 | TestBit.Test2 | TestBit.FixedB | TestBit.FixedC | TestBit.FixedD |
    (test3 ? TestBit.Test3 : 0) | (testA ? TestBit.TestA : 0) | (test5 ? TestBit.Test5 : 0) | (test6 ? TestBit.Test6 : 0) |
    (test7 ? TestBit.Test7 : 0);
  last[LastPacketField.Authenticated] = keyed && test5 ? 1 : 0;
  last[LastPacketField.Arrival] = arrival;
  last[LastPacketField.Length] = msg.length;
  if (!valid) return none;
  acceptSample(source, reply, delay, dispersion, arrival);
  // Offsets are kept against the ideal clock: served time plus the correction still being slewed in.
  const pending = localClock.pendingCorrection(clock, rawArrival);
  return { sample: { time: arrival + pending, offset: offset - pending, delay: delay, dispersion: dispersion }, kiss: '' };
}

/** A packet became a sample: what it said about the source's reference is now the source's. */
export function acceptSample(source: Source, reply: ntpHeader.NtpHeader, delay: number, dispersion: number, arrival: number): void {
  const state = source.state;
  state[SourceField.Valid]++;
  // `minstratum`: a source is never taken as closer to a reference than this.
  state[SourceField.Stratum] = reply.stratum > source.options.minStratum ? reply.stratum : source.options.minStratum;
  state[SourceField.Leap] = reply.leap;
  state[SourceField.RootDelay] = reply.rootDelay;
  state[SourceField.RootDispersion] = reply.rootDispersion;
  state[SourceField.PrecisionLog2] = reply.precisionLog2;
  state[SourceField.Delay] = delay;
  state[SourceField.Dispersion] = dispersion;
  source.lastSampleTime = arrival;
}
