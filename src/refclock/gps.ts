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
 */
import * as localClock from '../clock/local';
import type { LocalClock } from '../clock/local';
import type { RefclockOptions } from '../config/types';
import type { Platform } from '../platform';
import { BAD_PULSES, COUNTERS, NMEA_ONLY, NO_FIX, PAIRED, PULSES, RELOCKS, STALE, UNLABELLED } from './counters';
import * as filterModule from './filter';
import type { Filter } from './filter';
import * as nmea from './nmea';
import type { Fix } from './nmea';

/** Labels that must agree with the pulse count before the second count is locked. */
export const ACQUIRE_PAIRINGS = 3;
/** Consecutive disagreeing labels (with the same difference) after which the lock follows the receiver. */
export const RELOCK_AFTER = 60;
/** A sentence more than this long after the latest pulse labels no pulse. */
const MAX_LABEL_DELAY = 0.99;
/** A pulse train whose edges are further than this (plus 100 ppm of the gap) from whole seconds apart is noise. */
const PULSE_TOLERANCE = 0.002;
const CRYSTAL_TOLERANCE = 1e-4;
/** Past this gap between pulses the crystal could have lost count of the seconds. */
const MAX_LOCK_GAP = 1000;
/** Without sentences for this long the receiver is silent (PPS-only holdover), not "reporting no fix". */
const SENTENCE_TIMEOUT = 3;
/** Without pulses for this long, sentences are taken on their own (NMEA-only). */
const PULSE_TIMEOUT = 2;
/** An NMEA-only sample's dispersion when its delay after the second is learned, and when it is only guessed. */
const NMEA_DISPERSION = 0.01;
const NMEA_GUESS_DISPERSION = 0.5;

export { BAD_PULSES, COUNTERS, NMEA_ONLY, NO_FIX, PAIRED, PULSES, RELOCKS, STALE, UNLABELLED } from './counters';

export interface Gps {
  options: RefclockOptions;
  clock: LocalClock;
  reader: nmea.Reader;
  filter: Filter;
  counts: Uint32Array;
  /** The kind of samples in the filter: true pulses, false NMEA only. */
  filterHoldsPulses: boolean;
  /** Raw time the current serial chunk arrived (the reader calls back inside feed). */
  chunkRaw: number;
  lastPulseRaw: number;
  badPulseStreak: number;
  locked: boolean;
  /** Unix second of the last pulse, valid while locked. */
  pulseLabel: number;
  /** Acquisition: the last labelled pulse and how many labels in a row agreed. */
  candidateRaw: number;
  candidateLabel: number;
  agreeing: number;
  /** A run of disagreeing labels: their difference from the lock and how many. */
  disagreeBy: number;
  disagreeing: number;
  /** The last label taken (the other sentences of the same second add nothing). */
  lastLabel: number;
  /** Day start (Unix) of the last dated sentence, for GGA, which has only the time of day. */
  dayStart: number;
  /** Learned delay from a pulse to the end of its first sentence (NaN until a pulse was labelled). */
  learnedDelay: number;
  fixValid: boolean;
  fixQuality: number;
  satellites: number;
  talker: string;
  lastSentenceRaw: number;
  lastValidRaw: number;
  log: (message: string) => void;
}

export function create(options: RefclockOptions, clock: LocalClock, log: (message: string) => void): Gps {
  const gps: Gps = {
    options: options,
    clock: clock,
    reader: null as unknown as nmea.Reader,
    filter: filterModule.create(options.filterLength),
    counts: new Uint32Array(COUNTERS),
    filterHoldsPulses: false,
    chunkRaw: 0,
    lastPulseRaw: 0,
    badPulseStreak: 0,
    locked: false,
    pulseLabel: 0,
    candidateRaw: 0,
    candidateLabel: 0,
    agreeing: 0,
    disagreeBy: 0,
    disagreeing: 0,
    lastLabel: 0,
    dayStart: NaN,
    learnedDelay: NaN,
    fixValid: false,
    fixQuality: -1,
    satellites: -1,
    talker: '',
    lastSentenceRaw: 0,
    lastValidRaw: 0,
    log: log,
  };
  gps.reader = nmea.create(function (fix) {
    sentence(gps, fix);
  });
  return gps;
}

/**
 * Opens the receiver's UART and watches its pulse pin. On the device this module is loaded once
 * and kept (Storage `ntpk-gps`): its callbacks run for every chunk and pulse.
 */
export function start(gps: Gps, platform: Platform): void {
  const options = gps.options;
  platform.serialOpen(options.baud, options.rxPin, options.txPin, function (chunk) {
    feed(gps, chunk, platform.rawClock());
  });
  if (options.ppsPin !== 'none') {
    platform.watchPin(options.ppsPin, options.ppsEdge, function (raw) {
      pulse(gps, raw);
    });
  }
}

/** Serial data from the receiver, with the raw time it arrived. */
export function feed(gps: Gps, chunk: string, raw: number): void {
  gps.chunkRaw = raw;
  nmea.feed(gps.reader, chunk);
}

function unlock(gps: Gps): void {
  gps.locked = false;
  gps.agreeing = 0;
  gps.candidateRaw = 0;
  gps.disagreeing = 0;
}

/** Whole seconds between two raw times on the disciplined scale, or -1 when the gap is not close to whole seconds. */
function wholeSeconds(gps: Gps, fromRaw: number, toRaw: number): number {
  // The crystal's correction only: a slew in progress changes served time on purpose, not the seconds.
  const gap = (toRaw - fromRaw) * (1 + gps.clock.baseFreq);
  const seconds = Math.round(gap);
  return seconds >= 1 && Math.abs(gap - seconds) <= PULSE_TOLERANCE + CRYSTAL_TOLERANCE * gap ? seconds : -1;
}

/** A pulse edge, timestamped with the raw clock in the interrupt. */
export function pulse(gps: Gps, raw: number): void {
  gps.counts[PULSES]++;
  if (gps.lastPulseRaw !== 0) {
    const seconds = wholeSeconds(gps, gps.lastPulseRaw, raw);
    if (seconds < 0) {
      gps.counts[BAD_PULSES]++;
      // A glitch on the line is skipped; several in a row mean the train itself moved.
      if (++gps.badPulseStreak < 3) return;
      unlock(gps);
    } else if (seconds > MAX_LOCK_GAP) {
      unlock(gps);
    } else if (gps.locked) {
      gps.pulseLabel += seconds;
    }
  }
  gps.badPulseStreak = 0;
  gps.lastPulseRaw = raw;
  if (!gps.locked) {
    gps.counts[UNLABELLED]++;
    return;
  }
  let dispersion = Math.pow(2, gps.clock.precisionLog2);
  // The receiver says it has no fix: its pulse free-runs, and is worth less with every second.
  if (!gps.fixValid && raw - gps.lastSentenceRaw < SENTENCE_TIMEOUT) {
    dispersion += localClock.DISPERSION_RATE * (raw - gps.lastValidRaw);
  }
  addSample(gps, true, raw, gps.pulseLabel + gps.options.offset, dispersion);
}

function addSample(gps: Gps, isPulse: boolean, raw: number, referenceTime: number, dispersion: number): void {
  // Pulses and sentences differ by four orders of magnitude: never mix them in one filter.
  if (gps.filter.count > 0 && gps.filterHoldsPulses !== isPulse) {
    if (!isPulse) return;
    filterModule.clear(gps.filter);
  }
  gps.filterHoldsPulses = isPulse;
  const ideal = localClock.idealTime(gps.clock, raw);
  filterModule.add(gps.filter, ideal, referenceTime - ideal, dispersion);
}

/** The Unix second a sentence states, or NaN when it states no whole second. */
function label(gps: Gps, fix: Fix): number {
  if (fix.secondsOfDay !== fix.secondsOfDay || fix.secondsOfDay !== Math.floor(fix.secondsOfDay)) return NaN;
  if (fix.unixSeconds === fix.unixSeconds) {
    gps.dayStart = fix.unixSeconds - fix.secondsOfDay;
    return fix.unixSeconds;
  }
  if (gps.dayStart !== gps.dayStart) return NaN;
  let seconds = gps.dayStart + fix.secondsOfDay;
  // A GGA just after midnight, before the day's first dated sentence.
  if (seconds < gps.lastLabel - 43200) seconds += 86400;
  return seconds;
}

function sentence(gps: Gps, fix: Fix): void {
  const raw = gps.chunkRaw;
  gps.lastSentenceRaw = raw;
  gps.talker = fix.talker;
  if (fix.kind === 'GGA') {
    gps.fixQuality = fix.fixQuality;
    gps.satellites = fix.satellites;
  }
  // ZDA keeps coming from the receiver's own clock without a fix: it states the time, not the fix.
  if (fix.kind !== 'ZDA') gps.fixValid = fix.valid;
  if (!fix.valid) {
    gps.counts[NO_FIX]++;
    return;
  }
  if (fix.kind !== 'ZDA') gps.lastValidRaw = raw;
  if (!gps.fixValid) return;
  const second = label(gps, fix);
  if (second !== second || second === gps.lastLabel) return;
  gps.lastLabel = second;
  const sincePulse = raw - gps.lastPulseRaw;
  if (gps.lastPulseRaw !== 0 && sincePulse >= 0 && sincePulse < MAX_LABEL_DELAY) {
    labelPulse(gps, second, sincePulse);
  } else if (gps.lastPulseRaw === 0 || sincePulse > PULSE_TIMEOUT) {
    gps.counts[NMEA_ONLY]++;
    const known = gps.learnedDelay === gps.learnedDelay || gps.options.nmeaDelay === gps.options.nmeaDelay;
    const delay = gps.options.nmeaDelay === gps.options.nmeaDelay ? gps.options.nmeaDelay :
      gps.learnedDelay === gps.learnedDelay ? gps.learnedDelay : 0;
    addSample(gps, false, raw, second + delay, known ? NMEA_DISPERSION : NMEA_GUESS_DISPERSION);
  }
}

/** A sentence stating `second` ended `sincePulse` after the latest pulse: that pulse was `second`. */
function labelPulse(gps: Gps, second: number, sincePulse: number): void {
  gps.learnedDelay = gps.learnedDelay !== gps.learnedDelay ? sincePulse : gps.learnedDelay + (sincePulse - gps.learnedDelay) / 16;
  if (gps.locked) {
    if (second === gps.pulseLabel) {
      gps.counts[PAIRED]++;
      gps.disagreeing = 0;
      return;
    }
    gps.counts[STALE]++;
    const by = second - gps.pulseLabel;
    gps.disagreeing = by === gps.disagreeBy ? gps.disagreeing + 1 : 1;
    gps.disagreeBy = by;
    if (gps.disagreeing >= RELOCK_AFTER) {
      gps.log('GPS: the receiver has stated a time ' + by + ' s from the pulse count for ' + RELOCK_AFTER + ' s: following it');
      gps.counts[RELOCKS]++;
      gps.pulseLabel = second;
      gps.disagreeing = 0;
      filterModule.clear(gps.filter);
    }
    return;
  }
  const agrees = gps.candidateRaw !== 0 && gps.candidateRaw !== gps.lastPulseRaw &&
    second - gps.candidateLabel === wholeSeconds(gps, gps.candidateRaw, gps.lastPulseRaw);
  gps.agreeing = agrees ? gps.agreeing + 1 : 1;
  gps.candidateRaw = gps.lastPulseRaw;
  gps.candidateLabel = second;
  if (gps.agreeing >= ACQUIRE_PAIRINGS) {
    gps.locked = true;
    gps.pulseLabel = second;
    gps.disagreeing = 0;
  }
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
