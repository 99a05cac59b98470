/**
 * The local clock: time derived in software from the raw board counter.
 *   cooked = raw + offset + freq × (raw − raw0)
 * Espruino has no adjtime, so the raw counter is never touched; phase and
 * frequency corrections live here. Everything that serves time reads it here.
 */
import { Leap } from '../ntp/header';
import { LOCAL_REFERENCE_ID, UNSYNCHRONISED_REFERENCE_ID } from '../ntp/refid';
import { cook, pendingCorrection } from './readout';
import { MAX_DISPERSION, STRATUM_UNSYNCHRONISED } from './served';

export { cook, DISPERSION_RATE, idealTime, pendingCorrection } from './readout';
export { now, rootDispersionAt } from './served';

export interface LocalClock {
  readRaw: () => number;
  raw0: number;
  offset: number;
  /** Fractional frequency correction in force: baseFreq + slewFreq (positive: the raw counter runs slow). */
  freq: number;
  /** The frequency correction proper (what the drift file keeps). */
  baseFreq: number;
  /** Extra rate while a phase correction is being slewed in. */
  slewFreq: number;
  /** Raw time the current slew started, and the correction it was to deliver. */
  slewStartRaw: number;
  slewAmount: number;
  precisionLog2: number;
  leap: number;
  stratum: number;
  referenceId: number;
  /** Cooked time of the last reference update (0 when never). */
  referenceTime: number;
  rootDelay: number;
  /** At referenceTime; grows at DISPERSION_RATE after it. */
  rootDispersion: number;
  /** What clock/changes.ts addChangeHandler registered: handler, argument, handler, argument, … */
  changeHandlers: unknown[];
}

export function create(readRaw: () => number): LocalClock {
  const raw = readRaw();
  return {
    readRaw: readRaw,
    raw0: raw,
    offset: 0,
    freq: 0,
    baseFreq: 0,
    slewFreq: 0,
    slewStartRaw: raw,
    slewAmount: 0,
    precisionLog2: measurePrecision(readRaw),
    leap: Leap.Unsynchronised,
    stratum: STRATUM_UNSYNCHRONISED,
    referenceId: UNSYNCHRONISED_REFERENCE_ID,
    referenceTime: 0,
    rootDelay: 0,
    rootDispersion: MAX_DISPERSION,
    changeHandlers: [],
  };
}

/**
 * log2 of the clock's resolution including the cost of reading it, as ntpd
 * and chrony measure it: the smallest non-zero step between successive reads.
 */
export function measurePrecision(readRaw: () => number): number {
  let smallest = 1;
  let previous = readRaw();
  for (let reads = 0; reads < 200; reads++) {
    const current = readRaw();
    const step = current - previous;
    if (step > 0 && step < smallest) smallest = step;
    previous = current;
  }
  let log2 = 0;
  while (log2 > -30 && Math.pow(2, log2 - 1) >= smallest) log2--;
  return log2;
}

/** chrony's default maxslewrate: 83333 ppm. */
export const MAX_SLEW_RATE = 0.083333;

/** Moves the reference point to `raw` so that rate changes cause no phase jump. */
function rebase(clock: LocalClock, raw: number): void {
  clock.offset = cook(clock, raw) - raw;
  clock.raw0 = raw;
}

/** Changes the frequency correction without a phase jump at the moment of the change. */
export function setFrequency(clock: LocalClock, baseFreq: number): void {
  rebase(clock, clock.readRaw());
  clock.baseFreq = baseFreq;
  clock.freq = baseFreq + clock.slewFreq;
}

/**
 * Adds `correction` to what is being slewed in and restarts the slew at a
 * rate that delivers all of it over at least `minDuration` seconds and never
 * faster than MAX_SLEW_RATE. Returns the slew's duration; the caller calls
 * endSlew() then. Served time stays continuous and monotonic.
 */
export function slew(clock: LocalClock, correction: number, minDuration: number): number {
  const raw = clock.readRaw();
  rebase(clock, raw);
  const amount = pendingCorrection(clock, raw) + correction;
  let duration = Math.abs(amount) / MAX_SLEW_RATE;
  if (duration < minDuration) duration = minDuration;
  clock.slewAmount = amount;
  clock.slewStartRaw = raw;
  clock.slewFreq = duration > 0 ? amount / duration : 0;
  clock.freq = clock.baseFreq + clock.slewFreq;
  return duration;
}

/** Ends the slew; returns what is left over (the overshoot of a late timer, negated). */
export function endSlew(clock: LocalClock): number {
  const raw = clock.readRaw();
  rebase(clock, raw);
  const left = pendingCorrection(clock, raw);
  clock.slewAmount = 0;
  clock.slewFreq = 0;
  clock.slewStartRaw = raw;
  clock.freq = clock.baseFreq;
  return left;
}

/** Steps the served time by `correction` plus whatever was still to be slewed. Returns the step. */
export function step(clock: LocalClock, correction: number): number {
  const total = endSlew(clock) + correction;
  clock.offset += total;
  if (clock.referenceTime > 0) clock.referenceTime += total;
  return total;
}

/**
 * chrony's `local stratum N`: the clock is its own reference. The reference
 * time follows the clock, with one second of age, and dispersion is the
 * clock's precision, as chronyd reports for its local reference.
 */
export function holdLocalReference(clock: LocalClock, stratum: number, cookedNow: number): void {
  clock.leap = Leap.None;
  clock.stratum = stratum;
  clock.referenceId = LOCAL_REFERENCE_ID;
  clock.referenceTime = cookedNow - 1;
  clock.rootDelay = 0;
  clock.rootDispersion = Math.pow(2, clock.precisionLog2);
}

export function setUnsynchronised(clock: LocalClock): void {
  clock.leap = Leap.Unsynchronised;
  clock.stratum = STRATUM_UNSYNCHRONISED;
  clock.referenceId = UNSYNCHRONISED_REFERENCE_ID;
  clock.referenceTime = 0;
  clock.rootDelay = 0;
  clock.rootDispersion = MAX_DISPERSION;
}
