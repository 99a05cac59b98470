/**
 * A reference clock's sample filter (chrony's refclock median filter): the
 * samples of one poll interval are reduced to one. A line is fitted first,
 * because a crystal that is still off in frequency makes the offsets of a
 * 16 s window drift by far more than the pulse's jitter; the samples whose
 * residuals rank outside the middle KEEP_FRACTION are dropped as outliers,
 * and the line is fitted again through the rest.
 *
 * Fixed memory: three typed arrays of `length` entries over one buffer (the
 * GPS driver's, or one of their own), reused. Samples are added on the GPS's
 * hot path: `add` is receiver.ts's, in the kept module.
 */
export { addToFilter as add } from './receiver';

/** Share of the samples kept around the median residual (chrony keeps about 60%). */
const KEEP_FRACTION = 0.6;

export interface Filter {
  /** Ideal local time of each sample, offset of the reference from it, and its own dispersion. */
  times: Float64Array;
  offsets: Float64Array;
  dispersions: Float64Array;
  count: number;
  /** Index of the oldest sample (a full filter drops it for the next). */
  first: number;
}

export interface FilteredSample {
  time: number;
  offset: number;
  /** Spread of the kept samples about their line, plus the largest dispersion among them. */
  dispersion: number;
  /** How many samples went in and how many were kept. */
  used: number;
  kept: number;
}

/** Bytes a filter of `length` samples takes in a buffer. */
export function bytesFor(length: number): number {
  return length * 24;
}

/** A filter of `length` samples, in `buffer` from `byteOffset` (a multiple of 8) when given. */
export function create(length: number, buffer?: ArrayBuffer, byteOffset?: number): Filter {
  const memory = buffer || new ArrayBuffer(bytesFor(length));
  const start = byteOffset || 0;
  return {
    times: new Float64Array(memory, start, length),
    offsets: new Float64Array(memory, start + length * 8, length),
    dispersions: new Float64Array(memory, start + length * 16, length),
    count: 0,
    first: 0,
  };
}

export function clear(filter: Filter): void {
  filter.count = 0;
  filter.first = 0;
}

/** The clock was corrected at `now` by `phase` and its rate by `freq`: re-express the samples against it (as sourcestats does). */
export function applyCorrection(filter: Filter, now: number, phase: number, freq: number): void {
  for (let i = 0; i < filter.count; i++) {
    const slot = (filter.first + i) % filter.times.length;
    const shift = phase + freq * (filter.times[slot] - now);
    filter.offsets[slot] -= shift;
    filter.times[slot] += shift;
  }
}

/**
 * Least-squares line through the samples whose `use` flag is set, times
 * taken from `origin` so that Unix-sized times lose no precision. Returns
 * [offset at origin + meanTime, slope, meanTime].
 */
function fit(filter: Filter, use: Uint8Array, origin: number): number[] {
  let n = 0;
  let sumTime = 0;
  let sumOffset = 0;
  for (let i = 0; i < filter.count; i++) {
    if (!use[i]) continue;
    const slot = (filter.first + i) % filter.times.length;
    n++;
    sumTime += filter.times[slot] - origin;
    sumOffset += filter.offsets[slot];
  }
  const meanTime = sumTime / n;
  const meanOffset = sumOffset / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < filter.count; i++) {
    if (!use[i]) continue;
    const slot = (filter.first + i) % filter.times.length;
    const dt = filter.times[slot] - origin - meanTime;
    sxx += dt * dt;
    sxy += dt * (filter.offsets[slot] - meanOffset);
  }
  return [meanOffset, sxx > 0 ? sxy / sxx : 0, meanTime];
}

/** Reduces the samples to one and empties the filter; null when it is empty. */
export function reduce(filter: Filter): FilteredSample | null {
  const count = filter.count;
  if (count === 0) return null;
  const length = filter.times.length;
  const origin = filter.times[filter.first];
  const use = new Uint8Array(count);
  for (let i = 0; i < count; i++) use[i] = 1;
  let line = fit(filter, use, origin);
  const keep = count < 3 ? count : Math.ceil(count * KEEP_FRACTION);
  if (keep < count) {
    // Rank by distance from the line; keep the `keep` closest.
    const residuals: number[] = [];
    for (let i = 0; i < count; i++) {
      const slot = (filter.first + i) % length;
      residuals.push(Math.abs(filter.offsets[slot] - line[0] - line[1] * (filter.times[slot] - origin - line[2])));
    }
    const sorted = residuals.slice().sort(function (a, b) { return a - b; });
    const limit = sorted[keep - 1];
    let kept = 0;
    for (let i = 0; i < count; i++) {
      use[i] = residuals[i] <= limit && kept < keep ? 1 : 0;
      kept += use[i];
    }
    line = fit(filter, use, origin);
  }
  let squares = 0;
  let largestDispersion = 0;
  let n = 0;
  for (let i = 0; i < count; i++) {
    if (!use[i]) continue;
    const slot = (filter.first + i) % length;
    const residual = filter.offsets[slot] - line[0] - line[1] * (filter.times[slot] - origin - line[2]);
    squares += residual * residual;
    if (filter.dispersions[slot] > largestDispersion) largestDispersion = filter.dispersions[slot];
    n++;
  }
  clear(filter);
  return {
    time: origin + line[2],
    offset: line[0],
    dispersion: Math.sqrt(squares / n) + largestDispersion,
    used: count,
    kept: n,
  };
}
