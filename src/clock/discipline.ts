/**
 * The discipline: turns a combined estimate (offset and residual frequency
 * against the sources, with their errors) into corrections of the local
 * clock. Frequency updates are weighted by how well the new estimate and the
 * current frequency are known, so a noisy two-sample slope cannot undo a
 * good stored frequency. Phase is slewed, or stepped per `makestep`.
 */
import type { LocalClock } from './local';
import * as localClock from './local';

/** How fast the crystal's frequency is assumed to wander, per √second. */
const FREQ_WANDER = 1e-8;
/** Frequency corrections beyond this are refused (chrony's maxdrift is 500000 ppm). */
const MAX_FREQ = 0.2;
/** A slew spreads a correction over at least half the interval between updates, within these bounds. */
const MIN_SLEW_SECONDS = 1;
const MAX_SLEW_SECONDS = 512;

/** The drift file in Storage: the crystal's frequency and skew, as chrony's driftfile. */
export const DRIFT_FILE = 'ntp.drift';

export interface Discipline {
  updates: number;
  lastUpdateTime: number;
  updateInterval: number;
  lastOffset: number;
  rmsOffset: number;
  /** Standard deviation of the frequency correction (fraction). */
  freqSkew: number;
  /** The part of the last frequency estimate not applied (fraction). */
  residualFreq: number;
}

export function create(freqSkew: number): Discipline {
  return { updates: 0, lastUpdateTime: 0, updateInterval: 0, lastOffset: 0, rmsOffset: 0, freqSkew: freqSkew, residualFreq: 0 };
}

export interface Correction {
  phase: number;
  freq: number;
  stepped: boolean;
  /** Seconds until the slew ends (0 when stepped). */
  slewSeconds: number;
}

/**
 * Applies an estimate made at ideal time `now`: `offset` is source − ideal
 * local, `slope` the residual frequency, `skew` its standard error.
 */
export function update(discipline: Discipline, clock: LocalClock, now: number, offset: number, slope: number, skew: number,
  makestepThreshold: number, makestepLimit: number): Correction {
  const interval = discipline.lastUpdateTime > 0 ? now - discipline.lastUpdateTime : 0;
  const oldVariance = discipline.freqSkew * discipline.freqSkew + FREQ_WANDER * FREQ_WANDER * interval;
  const newVariance = skew * skew;
  const gain = oldVariance / (oldVariance + newVariance);
  let freq = gain * slope;
  let base = (1 + clock.baseFreq) * (1 + freq) - 1;
  if (base > MAX_FREQ) base = MAX_FREQ;
  if (base < -MAX_FREQ) base = -MAX_FREQ;
  freq = (1 + base) / (1 + clock.baseFreq) - 1;
  localClock.setFrequency(clock, base);
  discipline.freqSkew = Math.sqrt((oldVariance * newVariance) / (oldVariance + newVariance));
  discipline.residualFreq = slope - freq;

  const limitOk = makestepLimit < 0 || discipline.updates < makestepLimit;
  const stepped = makestepThreshold > 0 && limitOk && Math.abs(offset) > makestepThreshold;
  let slewSeconds = 0;
  if (stepped) {
    localClock.step(clock, offset);
  } else {
    let minimum = interval / 2;
    if (minimum < MIN_SLEW_SECONDS) minimum = MIN_SLEW_SECONDS;
    if (minimum > MAX_SLEW_SECONDS) minimum = MAX_SLEW_SECONDS;
    slewSeconds = localClock.slew(clock, offset, minimum);
  }
  discipline.updates++;
  discipline.updateInterval = interval;
  discipline.lastUpdateTime = now;
  discipline.lastOffset = offset;
  discipline.rmsOffset = discipline.updates === 1 ? Math.abs(offset) :
    Math.sqrt((7 * discipline.rmsOffset * discipline.rmsOffset + offset * offset) / 8);
  return { phase: offset, freq: freq, stepped: stepped, slewSeconds: slewSeconds };
}

/** The drift file: the crystal's own frequency error in ppm (positive: fast) and the skew in ppm. */
export function driftText(clock: LocalClock, discipline: Discipline): string {
  const crystalError = -clock.baseFreq / (1 + clock.baseFreq);
  return (crystalError * 1e6).toFixed(6) + ' ' + (discipline.freqSkew * 1e6).toFixed(6) + '\n';
}

/** Parses a drift file; null when it does not hold a sane frequency. */
export function parseDrift(text: string): { freq: number; skew: number } | null {
  const parts = text.trim().split(' ');
  const errorPpm = parts[0] === '' ? NaN : +parts[0];
  if (!(Math.abs(errorPpm) < MAX_FREQ * 1e6)) return null;
  const skewPpm = parts.length > 1 ? +parts[1] : NaN;
  const crystalError = errorPpm / 1e6;
  return {
    // The correction that cancels the error exactly: (1 + error)(1 + freq) = 1.
    freq: -crystalError / (1 + crystalError),
    skew: skewPpm > 0 && skewPpm < 1e4 ? skewPpm / 1e6 : 1e-6,
  };
}
