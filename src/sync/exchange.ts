/**
 * What a source receives on the wire (chrony's ntp_core for client and symmetric
 * mode): the on-wire tests of RFC 5905 applied to each reply (the request is
 * poll.ts's).
 * A reply that passes becomes a sample handed to the caller; one that does not is
 * counted, never thrown.
 */
import type { LocalClock } from '../clock/local';
import * as served from '../clock/served';
import * as ntpHeader from '../ntp/header';
import { Leap, Mode } from '../ntp/header';
import * as packet from '../ntp/packet';
import { ParseError } from '../ntp/packet';
import * as refid from '../ntp/refid';
import * as timestamp from '../ntp/timestamp';
import type { Peer } from '../platform';
import * as sourcestats from './sourcestats';
import { StatsField } from './sourcestats';
import { LastPacketField, TestBit } from './lastpacket';
import type { Source } from './source';
import { MAX_KOD_POLL_LOG2, SourceField } from './source';

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

const PHI = served.DISPERSION_RATE;

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
    state[SourceField.PeerReceive] = served.cook(clock, rawArrival);
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
  const arrival = served.cook(clock, rawArrival);
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
  const pending = served.pendingCorrection(clock, rawArrival);
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
