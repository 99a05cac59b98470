/**
 * The GPS reference clock: a receiver's pulse per second (PPS) marks the
 * start of each UTC second to the microsecond, and its NMEA sentences,
 * arriving a few ms to ~900 ms later, say which second that was.
 *
 * Pairing. A sentence labels the latest pulse before it, if that pulse is
 * less than a second old. Labels alone are not trusted: a receiver can send
 * the previous second's time after a pulse (a whole second stale), which
 * looks exactly like a good sentence. So the second count is *locked*: after
 * ACQUIRE_PAIRINGS consecutive labels that agree with the pulse count, each
 * pulse advances the locked label by the whole seconds since the previous
 * one, and a label that disagrees with it is rejected and counted. Only a
 * disagreement that persists for RELOCK_AFTER labels moves the lock (the
 * receiver, not a glitch, changed its mind).
 *
 * Samples. A locked pulse is a sample: the label (plus `offset`) against the
 * ideal local time of the pulse. Pulses keep the lock without sentences
 * (PPS-only holdover). Sentences without pulses are coarse samples: the
 * label plus the sentence's delay after the second (learned from the pulses
 * while there were pulses, else `nmeadelay`) against the local time of the
 * line's end, with dispersion to match. A receiver that reports no fix is
 * not believed; its pulses, if they go on, gain dispersion at PHI from its
 * last fix.
 *
 * Modules. On the device this file is the on-demand module `ntpd-gps`: what
 * runs once (create) or once a poll (the filter's reduction, the clock's
 * corrections), loaded for that event. The serial data and the pulses are
 * handled by receiver.ts and nmea.ts, the kept module `ntpk-gps` that
 * `start` leaves in memory with its callbacks.
 *
 * Memory. One ArrayBuffer holds the reader's and the driver's numbers
 * (nmea.ts ReaderSlot, receiver.ts DriverSlot), the filter's samples and
 * both sets of counters; the properties are what the reports read.
 */
import type { LocalClock } from '../clock/local';
import type { RefclockOptions } from '../config/types';
import { GpsCount, NmeaCount } from './counters';
import * as filterModule from './filter';
import type { Filter } from './filter';
import { NmeaLimit, ReaderSlot } from './nmea';
import type { LineReader } from './nmea';
import { DriverSlot, Pairing } from './receiver';

export { feed, pulse, start } from './receiver';

/** Labels that must agree with the pulse count before the second count is locked. */
export const ACQUIRE_PAIRINGS = Pairing.AcquirePairings;
/** Consecutive disagreeing labels (with the same difference) after which the lock follows the receiver. */
export const RELOCK_AFTER = Pairing.RelockAfter;

export interface Gps {
  options: RefclockOptions;
  clock: LocalClock;
  /** The NMEA reader: its line, its counters, and its values, which hold the driver's numbers too (DriverSlot). */
  reader: LineReader;
  filter: Filter;
  counts: Uint32Array;
  /** The kind of samples in the filter: true pulses, false NMEA only. */
  filterHoldsPulses: boolean;
  lastPulseRaw: number;
  locked: boolean;
  /** Unix second of the last pulse, valid while locked. */
  pulseLabel: number;
  /** Learned delay from a pulse to the end of its first sentence (NaN until a pulse was labelled). */
  learnedDelay: number;
  fixValid: boolean;
  fixQuality: number;
  satellites: number;
  talker: string;
  lastSentenceRaw: number;
  log: (message: string) => void;
}

export function create(options: RefclockOptions, clock: LocalClock, log: (message: string) => void): Gps {
  const filterStart = DriverSlot.Count * 8;
  const countsStart = filterStart + filterModule.bytesFor(options.filterLength);
  const buffer = new ArrayBuffer(countsStart + (GpsCount.Count + NmeaCount.Count) * 4);
  const values = new Float64Array(buffer, 0, DriverSlot.Count);
  values[ReaderSlot.RolloverFloorUnix] = NmeaLimit.DefaultRolloverFloorUnix;
  values[DriverSlot.DayStart] = NaN;
  return {
    options: options,
    clock: clock,
    reader: { line: '', counts: new Uint32Array(buffer, countsStart + GpsCount.Count * 4, NmeaCount.Count), values: values },
    filter: filterModule.create(options.filterLength, buffer, filterStart),
    counts: new Uint32Array(buffer, countsStart, GpsCount.Count),
    filterHoldsPulses: false,
    lastPulseRaw: 0,
    locked: false,
    pulseLabel: 0,
    learnedDelay: NaN,
    fixValid: false,
    fixQuality: -1,
    satellites: -1,
    talker: '',
    lastSentenceRaw: 0,
    log: log,
  };
}

/** Refid of what the filter holds: pulses or sentences alone. */
export function referenceName(gps: Gps): string {
  return gps.filterHoldsPulses ? 'PPS' : 'GPS';
}

/** The poll: the interval's samples as one (null when there were none); referenceName says what they came from. */
export function takeSample(gps: Gps): filterModule.FilteredSample | null {
  return filterModule.reduce(gps.filter);
}

export function applyCorrection(gps: Gps, now: number, phase: number, freq: number): void {
  filterModule.applyCorrection(gps.filter, now, phase, freq);
}
