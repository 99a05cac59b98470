/**
 * Manual time input (chrony's manual.c): while `manual on`, each `settime`
 * is a sample of our clock against the time typed in. One sample gives an
 * offset; with more, a line through them gives the frequency error too.
 * At most MAX_SAMPLES are kept, the oldest out.
 */

export const MAX_SAMPLES = 16;
/** A typed time is good to about a second: the frequency is not known better than that over the samples' span. */
const INPUT_RESOLUTION = 1;

export interface ManualInput {
  enabled: boolean;
  /** Ideal local time of each sample; its offset as entered and as corrected since (chrony's sign: local minus true). */
  times: number[];
  original: number[];
  slewed: number[];
}

export function create(): ManualInput {
  return { enabled: false, times: [], original: [], slewed: [] };
}

/** The samples' line: offset at `time` (local minus true), its slope, and the slope's standard error. */
export interface ManualEstimate {
  offset: number;
  slope: number;
  skew: number;
}

/** Least squares through the samples (a flat line through one). */
export function estimate(manual: ManualInput, time: number): ManualEstimate {
  const n = manual.times.length;
  let meanTime = 0;
  let meanOffset = 0;
  for (let i = 0; i < n; i++) {
    meanTime += manual.times[i] / n;
    meanOffset += manual.slewed[i] / n;
  }
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (manual.times[i] - meanTime) * (manual.times[i] - meanTime);
    sxy += (manual.times[i] - meanTime) * (manual.slewed[i] - meanOffset);
  }
  if (n < 2 || sxx <= 0) return { offset: meanOffset, slope: 0, skew: 1 };
  const slope = sxy / sxx;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const residual = manual.slewed[i] - meanOffset - slope * (manual.times[i] - meanTime);
    squares += residual * residual;
  }
  const spread = Math.sqrt(sxx);
  let skew = n > 2 ? Math.sqrt(squares / (n - 2)) / spread : 0;
  if (skew < INPUT_RESOLUTION / spread) skew = INPUT_RESOLUTION / spread;
  return { offset: meanOffset + slope * (time - meanTime), slope: slope, skew: skew };
}

/** Adds a sample (the oldest out when full). */
export function add(manual: ManualInput, time: number, offset: number): void {
  if (manual.times.length >= MAX_SAMPLES) remove(manual, 0);
  manual.times.push(time);
  manual.original.push(offset);
  manual.slewed.push(offset);
}

/** Removes sample `index`; false when there is none. */
export function remove(manual: ManualInput, index: number): boolean {
  if (!(index >= 0 && index < manual.times.length)) return false;
  manual.times.splice(index, 1);
  manual.original.splice(index, 1);
  manual.slewed.splice(index, 1);
  return true;
}

export function reset(manual: ManualInput): void {
  manual.times.length = 0;
  manual.original.length = 0;
  manual.slewed.length = 0;
}

/** Each sample's distance from the line through all of them. */
export function residual(manual: ManualInput, index: number): number {
  const line = estimate(manual, manual.times[index]);
  return manual.slewed[index] - line.offset;
}

/**
 * The clock was corrected at `now` by `phase` (added to it) and `freq`: the
 * samples are moved as sourcestats moves its own, so that the line through
 * them still describes the corrected clock.
 */
export function applyCorrection(manual: ManualInput, now: number, phase: number, freq: number): void {
  for (let i = 0; i < manual.times.length; i++) {
    const shift = phase + freq * (manual.times[i] - now);
    manual.slewed[i] += shift;
    manual.times[i] += shift;
  }
}
