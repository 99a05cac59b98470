/**
 * Statistics the appliance keeps about itself, recorded at each sample and
 * clock update: the clock's history for the status page's chart, and chrony's
 * `measurements` and `tracking` logs, in memory and bounded (there is no disk
 * to log to). The logs hold numbers; logtext.ts writes chrony's lines from
 * them when they are read, so the sample path carries no text formatting.
 */
import * as served from '../clock/served';
import type { LocalClock } from '../clock/local';
import type { Discipline } from '../clock/discipline';
import * as ipv4 from '../net/ipv4';
import type { Source } from '../sync/source';
import type { Sync } from '../sync/manager';
import { PollAdaptation } from '../sync/source';
import { SourceField } from '../sync/source';
import { LastPacketField } from '../sync/lastpacket';
import * as history from './history';
import type { History } from './history';
import * as recordLog from './recordlog';
import type { RecordLog } from './recordlog';

/** Records kept per log: 12 × 40 bytes, about 36 JsVars a log on the device (20 took 59). */
export const LOG_LINES = 12;

/** A measurements record's words (recordlog.ts): whole numbers in `words`, figures in `figures`. */
export const enum MeasurementWord {
  /** Unix seconds the packet arrived. */
  Time = 0,
  /** The source's IPv4 address as a number. */
  Address = 1,
  ReferenceId = 2,
  /** Leap, stratum, mode, tests and the two polls (MeasurementBits). */
  Packed = 3,
  Score = 4,
  Offset = 5,
  Delay = 6,
  Dispersion = 7,
  RootDelay = 8,
  RootDispersion = 9,
  Size = 10,
}

/** Where each small number sits in MeasurementWord.Packed (polls offset by 32, as 6 bits). */
export const enum MeasurementBits {
  Leap = 0,
  Stratum = 2,
  Mode = 7,
  Tests = 10,
  OurPoll = 20,
  PeerPoll = 26,
}

/** A tracking record's words. */
export const enum TrackingWord {
  Time = 0,
  /** The selected source's IPv4 address, or a reference clock's id (TrackingBits.Refclock set). */
  Name = 1,
  /** Stratum, leap, the number of sources combined, and whether Name is a refclock id (TrackingBits). */
  Packed = 2,
  FreqPpm = 3,
  SkewPpm = 4,
  Offset = 5,
  OffsetSd = 6,
  Remaining = 7,
  RootDelay = 8,
  RootDispersion = 9,
  Size = 10,
}

export const enum TrackingBits {
  Stratum = 0,
  Leap = 5,
  Combined = 7,
  Refclock = 12,
}

/** The history and the logs: none until the first record (a board that never synchronises keeps none). */
export interface Statistics {
  history: History | null;
  measurements: RecordLog | null;
  tracking: RecordLog | null;
}

export function create(): Statistics {
  return { history: null, measurements: null, tracking: null };
}

/**
 * A record to make (sync/events.ts record): a measurement of `source` when `combined` is
 * negative, else a clock update that selected `source`, applied the correction `offset`
 * with error `offsetSd`, and combined `combined` sources.
 */
export interface StatsRecord {
  source: Source;
  offset: number;
  offsetSd: number;
  combined: number;
}

/** The history and the logs, made at the first record. */
export function ensure(statistics: Statistics): void {
  if (statistics.history !== null) return;
  statistics.history = history.create(history.HISTORY_SLOTS);
  statistics.measurements = recordLog.create(LOG_LINES, MeasurementWord.Size);
  statistics.tracking = recordLog.create(LOG_LINES, TrackingWord.Size);
}

export function record(statistics: Statistics, sync: Sync, job: StatsRecord): void {
  ensure(statistics);
  if (job.combined < 0) recordMeasurement(statistics, job.source, job.source.state[SourceField.PollScore] / PollAdaptation.ScoreLimit);
  else recordClockUpdate(statistics, sync.clock, sync.discipline, job.source, job.offset, job.offsetSd, job.combined);
}

/** A poll exponent as 6 bits (−32 to 31; a packet's byte outside that is clamped). */
function pollBits(pollLog2: number): number {
  return (pollLog2 < -32 ? 0 : pollLog2 > 31 ? 63 : pollLog2 + 32);
}

/** A measurements record for a source's new sample from a packet (chrony logs only NTP measurements there). */
function recordMeasurement(statistics: Statistics, source: Source, scorePerUnit: number): void {
  const last = source.lastPacket;
  if (source.refclock || !last || last[LastPacketField.Arrival] !== source.lastSampleTime) return;
  const log = statistics.measurements as RecordLog;
  const at = recordLog.add(log);
  const words = log.words;
  const figures = log.figures;
  const address = ipv4.parseIpv4(source.address);
  words[at + MeasurementWord.Time] = last[LastPacketField.Arrival];
  words[at + MeasurementWord.Address] = address < 0 ? 0 : address;
  words[at + MeasurementWord.ReferenceId] = last[LastPacketField.ReferenceId];
  words[at + MeasurementWord.Packed] = last[LastPacketField.Leap] << MeasurementBits.Leap | (last[LastPacketField.Stratum] & 31) << MeasurementBits.Stratum |
    last[LastPacketField.Mode] << MeasurementBits.Mode | last[LastPacketField.Tests] << MeasurementBits.Tests |
    pollBits(source.state[SourceField.PollLog2]) << MeasurementBits.OurPoll | pollBits(last[LastPacketField.PollLog2]) << MeasurementBits.PeerPoll;
  figures[at + MeasurementWord.Score] = scorePerUnit;
  figures[at + MeasurementWord.Offset] = last[LastPacketField.Offset];
  figures[at + MeasurementWord.Delay] = last[LastPacketField.Delay];
  figures[at + MeasurementWord.Dispersion] = last[LastPacketField.Dispersion];
  figures[at + MeasurementWord.RootDelay] = last[LastPacketField.RootDelay];
  figures[at + MeasurementWord.RootDispersion] = last[LastPacketField.RootDispersion];
}

/**
 * A clock update: a tracking record and a history slot. `offset` is the
 * correction the update applied (source − local, as the discipline takes it).
 */
function recordClockUpdate(statistics: Statistics, clock: LocalClock, discipline: Discipline, source: Source,
  offset: number, offsetSd: number, combined: number): void {
  const now = served.now(clock);
  const freqPpm = served.frequencyPpm(clock);
  const distance = clock.rootDelay / 2 + clock.rootDispersion;
  // A slew adds to what was still pending: the remainder of the previous one.
  const remaining = served.pendingCorrection(clock, clock.readRaw()) - offset;
  const log = statistics.tracking as RecordLog;
  const at = recordLog.add(log);
  const words = log.words;
  const figures = log.figures;
  const address = source.refclock ? source.state[SourceField.ReferenceId] : ipv4.parseIpv4(source.address);
  words[at + TrackingWord.Time] = now > 0 ? now : 0;
  words[at + TrackingWord.Name] = address < 0 ? 0 : address;
  words[at + TrackingWord.Packed] = (clock.stratum & 31) << TrackingBits.Stratum | clock.leap << TrackingBits.Leap |
    (combined & 31) << TrackingBits.Combined | (source.refclock ? 1 : 0) << TrackingBits.Refclock;
  // chrony's signs: offsets are local minus true (positive: we were ahead).
  figures[at + TrackingWord.FreqPpm] = freqPpm;
  figures[at + TrackingWord.SkewPpm] = discipline.freqSkew * 1e6;
  figures[at + TrackingWord.Offset] = -offset;
  figures[at + TrackingWord.OffsetSd] = offsetSd;
  figures[at + TrackingWord.Remaining] = -remaining;
  figures[at + TrackingWord.RootDelay] = clock.rootDelay;
  figures[at + TrackingWord.RootDispersion] = clock.rootDispersion;
  history.record(statistics.history as History, now, -offset, freqPpm, distance, clock.stratum);
}
