/**
 * Upstream synchronisation (chrony's ntp_core and refclock sampling): the sync
 * state, each source's poll, and each reply, peer packet, broadcast or refclock
 * poll turned into a sample of the source's statistics. What follows a sample,
 * selection and the clock update, is update.ts, in an event of its own; the set
 * of sources is associations.ts.
 */
import type { LeapSecondList } from '../clock/leapseclist';
import type { Discipline } from '../clock/discipline';
import * as served from '../clock/served';
import type { LocalClock } from '../clock/local';
import type { Config } from '../config/types';
import * as ntpHeader from '../ntp/header';
import { Leap, Mode } from '../ntp/header';
import * as packet from '../ntp/packet';
import { ParseError } from '../ntp/packet';
import * as timestamp from '../ntp/timestamp';
import * as refid from '../ntp/refid';
import type { Gps } from '../refclock/gps';
import type { Responder } from '../serve/responder';
import type { Statistics } from '../stats/statistics';
import type { Authenticator } from '../ntp/keys';
import type { Platform, UdpSocket } from '../platform';
import type { Pool } from './pool';
import type { ManualInput } from './manual';
import * as exchange from './exchange';
import * as sourceModule from './source';
import type { Source } from './source';
import { PollAdaptation, SourceField } from './source';
import * as sourcestats from './sourcestats';
import { StatsField } from './sourcestats';
import { load, Module } from '../modules';
import { request } from './poll';
import { scheduleClockUpdate } from './timers';

export interface Sync {
  platform: Platform;
  clock: LocalClock;
  config: Config;
  sources: Source[];
  selection: 'ok' | 'no-majority' | 'no-sources';
  selectedIndex: number;
  discipline: Discipline;
  slewTimer: number;
  leapTimer: number;
  lastDriftSave: number;
  /** Keys for sources configured with `key N` (null until app.ts sets it). */
  auth: Authenticator | null;
  /** The NTP port's socket, which symmetric peers send from (set by app.ts). */
  ntpSocket: UdpSocket | null;
  /** The NTP port's responder (set by app.ts): symmetric packets carry the header our replies do. */
  responder: Responder | null;
  /** The GPS reference clock's driver and the source it feeds (null without a `refclock` line). */
  refclock: Gps | null;
  refclockSource: Source | null;
  /** `manual on` and the `settime` samples. */
  manual: ManualInput;
  /** The logs and the history (set by boot): each source's new sample, before selection, and each clock update go there. */
  statistics: Statistics | null;
  /** The `pool` lines' lookup state. */
  pools: Pool[];
  /** The `leapseclist` file's coming leap seconds (null: none). */
  leapList: LeapSecondList | null;
  /** The leap indicator the last selection's sources announced. */
  sourcesLeap: number;
  /** Midnight (Unix seconds) of the last leap second applied: none is announced or applied again until after it. */
  lastLeapMidnight: number;
}

/** A refclock poll: the filter's samples of the interval become one sample (or the reach shows there were none). */
export function refclockPoll(sync: Sync, source: Source): void {
  const driver = sync.refclock as Gps;
  const gps = load(sync.platform, Module.Gps);
  const state = source.state;
  state[SourceField.Reach] = (state[SourceField.Reach] << 1) & 255;
  state[SourceField.Sent]++;
  const name = gps.referenceName(driver);
  const sample = gps.takeSample(driver);
  if (sample === null) {
    if (state[SourceField.Reach] === 0 && sourcestats.count(source.stats) > 0) updateSoon(sync, null);
    return;
  }
  const stats = statsOf(source);
  // Pulse samples and sentence samples differ by orders of magnitude: a change of kind starts a new fit.
  const referenceId = refid.fromAscii(name);
  if (referenceId !== state[SourceField.ReferenceId]) sourcestats.clear(stats);
  state[SourceField.ReferenceId] = referenceId;
  state[SourceField.Reach] |= 1;
  state[SourceField.Received]++;
  state[SourceField.Valid]++;
  state[SourceField.Dispersion] = sample.dispersion;
  source.lastSampleTime = sample.time;
  sourcestats.add(stats, sample.time, sample.offset, state[SourceField.Delay], sample.dispersion);
  sourcestats.regress(stats, noiseFloor(sync));
  updateSoon(sync, source);
}

/** A reply on a source's socket (events.ts), or a peer's packet: a sample, then selection. */
export function receive(sync: Sync, source: Source, msg: string, from: { address: string; port: number }, rawArrival: number): void {
  const authentic = source.options.keyId > 0 && sync.auth !== null && load(sync.platform, Module.SyncAuth).verify(source, sync.auth, msg);
  const outcome = exchange.receive(source, sync.clock, msg, from, rawArrival, sync.config.maxDistance, authentic);
  if (outcome.kiss !== '') {
    sync.platform.log('source ' + sourceModule.hostOf(source) + ' sent kiss-o\'-death ' + outcome.kiss);
    if (source.state[SourceField.StoppedBy] !== 0) sync.platform.cancelTimer(source.timer);
    return;
  }
  const sample = outcome.sample;
  if (sample === null) return;
  if (source.broadcast && sample.delay < source.state[SourceField.CalibratedDelay]) source.state[SourceField.CalibratedDelay] = sample.delay;
  const stats = statsOf(source);
  const predicted = stats[StatsField.Count] > 0 ? sourcestats.predictOffset(stats, sample.time) : NaN;
  const noise = stats[StatsField.Noise];
  sourcestats.add(stats, sample.time, sample.offset, sample.delay, sample.dispersion);
  sourcestats.regress(stats, noiseFloor(sync));
  adaptPoll(source, Math.abs(sample.offset - predicted), noise);
  updateSoon(sync, source);
}

/**
 * A symmetric-mode packet on the NTP port. From a configured peer it is a
 * sample (the same on-wire tests as a server's reply). An unknown symmetric
 * active peer may get a passive association (associations.ts acceptPeer).
 */
export function receiveSymmetric(sync: Sync, msg: string, from: { address: string; port: number }, rawArrival: number): void {
  for (let i = 0; i < sync.sources.length; i++) {
    const source = sync.sources[i];
    if (source.state[SourceField.PeerMode] === 0 || source.address !== from.address || source.options.port !== from.port) continue;
    receive(sync, source, msg, from, rawArrival);
    if (source.state[SourceField.PeerMode] === 2 && (msg.charCodeAt(0) & 7) === Mode.SymmetricActive) answerPassive(sync, source);
    return;
  }
  if ((msg.charCodeAt(0) & 7) !== Mode.SymmetricActive) return;
  const source = load(sync.platform, Module.Associations).acceptPeer(sync, msg, from);
  if (source === null) return;
  receive(sync, source, msg, from, rawArrival);
  answerPassive(sync, source);
}

/** A passive association answers each packet of its active peer at once. */
function answerPassive(sync: Sync, source: Source): void {
  if (source.socket) source.socket.send(request(sync, source), source.options.port, source.address);
}

function noiseFloor(sync: Sync): number {
  return Math.pow(2, sync.clock.precisionLog2);
}

/**
 * Lengthens the poll while new samples land where the fit predicted, within
 * what the network's noise explains; shortens it when they stray further,
 * i.e. when the crystal wanders more than the poll interval can follow.
 */
function adaptPoll(source: Source, surprise: number, noise: number): void {
  const options = source.options;
  const state = source.state;
  const step = state[SourceField.PollLog2] > 1 ? state[SourceField.PollLog2] : 1;
  const samples = sourcestats.count(source.stats);
  if (samples >= 4 && surprise < PollAdaptation.Gate * noise) {
    state[SourceField.PollScore] += step;
    if (state[SourceField.PollScore] >= PollAdaptation.ScoreLimit) {
      state[SourceField.PollScore] = 0;
      if (state[SourceField.PollLog2] < options.maxPollLog2) state[SourceField.PollLog2]++;
    }
  } else if (samples >= 2) {
    state[SourceField.PollScore] -= 2 * step;
    if (state[SourceField.PollScore] <= -PollAdaptation.ScoreLimit) {
      state[SourceField.PollScore] = 0;
      if (state[SourceField.PollLog2] > options.minPollLog2) state[SourceField.PollLog2]--;
    }
  }
}

/** A broadcast whose offset strays this many noise levels (and at least 1 ms) from the fit starts a new calibration. */
const RECALIBRATE_FACTOR = 8;

/**
 * A mode-5 packet on the NTP port, for `broadcastclient`/`multicastclient`.
 * The first from a server makes it a source and starts a short client/server
 * exchange to measure the delay, sent as ntpd sends it: to the broadcast's
 * source address and port (a server that cannot broadcast from its NTP port
 * answers on the port it broadcasts from). After that each broadcast is a
 * sample whose offset is the server's transmit time plus half that delay,
 * less our arrival time. A broadcast far off the fit, or from another port
 * (the server restarted or reconnected), means the path changed: measure
 * again rather than follow it.
 */
export function receiveBroadcast(sync: Sync, msg: string, from: { address: string; port: number }, rawArrival: number): void {
  if (packet.checkEnvelope(msg) !== ParseError.None) return;
  const reply = ntpHeader.decode(msg, 0);
  if (reply.mode !== Mode.Broadcast || reply.leap === Leap.Unsynchronised || reply.stratum === 0 || reply.stratum >= 16 ||
    timestamp.isZero(reply.transmitTime)) return;
  let index = -1;
  for (let i = 0; i < sync.sources.length; i++) {
    if (sync.sources[i].broadcast && sync.sources[i].address === from.address) index = i;
  }
  if (index < 0) {
    load(sync.platform, Module.Associations).addBroadcastSource(sync, from, reply.pollLog2);
    return;
  }
  const source = sync.sources[index];
  if (source.options.port !== from.port) {
    source.options.port = from.port;
    load(sync.platform, Module.Associations).calibrate(sync, source);
    return;
  }
  const state = source.state;
  if (reply.transmitTime.seconds === state[SourceField.BroadcastTransmitSeconds] &&
    reply.transmitTime.fraction === state[SourceField.BroadcastTransmitFraction]) return;
  state[SourceField.BroadcastTransmitSeconds] = reply.transmitTime.seconds;
  state[SourceField.BroadcastTransmitFraction] = reply.transmitTime.fraction;
  state[SourceField.Reach] |= 1;
  if (state[SourceField.CalibratedDelay] === Infinity) return; // still measuring the delay
  const clock = sync.clock;
  const arrival = served.cook(clock, rawArrival);
  const pending = served.pendingCorrection(clock, rawArrival);
  const delay = state[SourceField.CalibratedDelay];
  const offset = timestamp.difference(reply.transmitTime, timestamp.fromUnix(arrival)) + delay / 2 - pending;
  const time = arrival + pending;
  const stats = statsOf(source);
  if (stats[StatsField.Count] >= 2) {
    let noise = stats[StatsField.StdDev] > stats[StatsField.Noise] ? stats[StatsField.StdDev] : stats[StatsField.Noise];
    noise *= RECALIBRATE_FACTOR;
    if (Math.abs(offset - sourcestats.predictOffset(stats, time)) > (noise > 1e-3 ? noise : 1e-3)) {
      load(sync.platform, Module.Associations).calibrate(sync, source);
      return;
    }
  }
  exchange.acceptSample(source, reply, delay, Math.pow(2, clock.precisionLog2) + Math.pow(2, reply.precisionLog2), arrival);
  sourcestats.add(stats, time, offset, delay, state[SourceField.Dispersion]);
  sourcestats.regress(stats, noiseFloor(sync));
  updateSoon(sync, source);
}

/** A source's samples' statistics, made at its first sample. */
function statsOf(source: Source): sourcestats.SourceStats {
  if (!source.stats) source.stats = sourcestats.create();
  return source.stats;
}

/** Selection and the clock update after a sample (null: after a source's reach fell to nothing), in an event after this one. */
function updateSoon(sync: Sync, source: Source | null): void {
  scheduleClockUpdate(sync, source);
}
