/**
 * Per-source measurement statistics (chrony's sourcestats): a bounded window
 * of samples and a weighted linear regression of offset against time, which
 * gives the source's offset now, the residual frequency of our clock against
 * it, and how far both can be trusted. Old samples leave the window when the
 * residuals stop looking random (a runs test), so the fit follows a
 * wandering crystal instead of averaging it away.
 */

export const MAX_SAMPLES = 16;
const MIN_SAMPLES_FOR_RUNS_TEST = 6;
const MIN_SAMPLES_FOR_ASYMMETRY = 8;
/** An offset cannot lean by more than half the excess delay. */
const MAX_ASYMMETRY = 0.5;
/** Standard errors the fitted asymmetry must exceed to be used. */
const ASYMMETRY_SIGNIFICANCE = 3;

export interface SourceStats {
  /** Ideal local time of each sample, its offset (source − ideal local), delay and dispersion. */
  times: Float64Array;
  offsets: Float64Array;
  delays: Float64Array;
  dispersions: Float64Array;
  /** Ring: index of the oldest sample, and how many there are. */
  first: number;
  count: number;
  /** Results of the last regress(). */
  referenceTime: number;
  offset: number; // at referenceTime
  slope: number; // d offset / d time: our clock's frequency error against the source
  offsetSd: number; // standard error of `offset`
  skew: number; // standard error of `slope`
  stdDev: number; // residual standard deviation of one sample
  minDelay: number;
  /** Measurement noise the network alone explains: half the median excess delay. */
  noise: number;
  /** Offset change per second of excess delay (path asymmetry of the queueing). */
  asymmetry: number;
}

export function create(): SourceStats {
  return {
    times: new Float64Array(MAX_SAMPLES),
    offsets: new Float64Array(MAX_SAMPLES),
    delays: new Float64Array(MAX_SAMPLES),
    dispersions: new Float64Array(MAX_SAMPLES),
    first: 0,
    count: 0,
    referenceTime: 0,
    offset: 0,
    slope: 0,
    offsetSd: 0,
    skew: 1,
    stdDev: 0,
    minDelay: 0,
    noise: 0,
    asymmetry: 0,
  };
}

function at(stats: SourceStats, i: number): number {
  return (stats.first + i) % MAX_SAMPLES;
}

export function clear(stats: SourceStats): void {
  stats.first = 0;
  stats.count = 0;
}

/** Adds a sample, the oldest out when full. */
export function add(stats: SourceStats, time: number, offset: number, delay: number, dispersion: number): void {
  if (stats.count === MAX_SAMPLES) {
    stats.first = (stats.first + 1) % MAX_SAMPLES;
    stats.count--;
  }
  const slot = at(stats, stats.count);
  stats.times[slot] = time;
  stats.offsets[slot] = offset;
  stats.delays[slot] = delay;
  stats.dispersions[slot] = dispersion;
  stats.count++;
}

function dropOldest(stats: SourceStats): void {
  stats.first = (stats.first + 1) % MAX_SAMPLES;
  stats.count--;
}

/**
 * Sample weights: a sample delayed beyond the smallest delay in the window
 * carries an offset error of up to half that excess, so it counts less.
 * The scale is the median excess, so the weighting adapts to the network.
 */
function weights(stats: SourceStats, floor: number): Float64Array {
  const n = stats.count;
  const result = new Float64Array(n);
  let minDelay = Infinity;
  for (let i = 0; i < n; i++) if (stats.delays[at(stats, i)] < minDelay) minDelay = stats.delays[at(stats, i)];
  const excess: number[] = [];
  for (let i = 0; i < n; i++) excess.push(stats.delays[at(stats, i)] - minDelay);
  excess.sort(function (a, b) { return a - b; });
  let scale = excess[n >> 1];
  if (scale < floor) scale = floor;
  for (let i = 0; i < n; i++) {
    const e = (stats.delays[at(stats, i)] - minDelay) / scale;
    result[i] = 1 / (1 + e * e);
  }
  stats.minDelay = minDelay;
  stats.noise = scale / 2 + floor;
  return result;
}

/** Number of runs of equal signs in the residuals: too few means the model no longer fits. */
function tooFewRuns(residuals: Float64Array, n: number): boolean {
  let positive = 0;
  let runs = 1;
  for (let i = 0; i < n; i++) {
    if (residuals[i] >= 0) positive++;
    if (i > 0 && (residuals[i] >= 0) !== (residuals[i - 1] >= 0)) runs++;
  }
  const negative = n - positive;
  if (positive === 0 || negative === 0) return n >= MIN_SAMPLES_FOR_RUNS_TEST;
  const product = 2 * positive * negative;
  const expected = 1 + product / n;
  const variance = (product * (product - n)) / (n * n * (n - 1));
  return runs < expected - 1.96 * Math.sqrt(variance);
}

/**
 * Fits offset = offset0 + slope × (time − referenceTime). `noiseFloor` is the
 * smallest standard deviation a sample can be credited with (clock precision
 * and the like). Returns false when there is no sample.
 */
export function regress(stats: SourceStats, noiseFloor: number): boolean {
  for (;;) {
    const n = stats.count;
    if (n === 0) return false;
    const w = weights(stats, noiseFloor);
    let sumW = 0;
    let meanT = 0;
    let meanO = 0;
    let meanE = 0;
    for (let i = 0; i < n; i++) {
      const slot = at(stats, i);
      sumW += w[i];
      meanT += w[i] * stats.times[slot];
      meanO += w[i] * stats.offsets[slot];
      meanE += w[i] * (stats.delays[slot] - stats.minDelay);
    }
    meanT /= sumW;
    meanO /= sumW;
    meanE /= sumW;
    let stt = 0;
    let sto = 0;
    let ste = 0;
    let see = 0;
    let seo = 0;
    for (let i = 0; i < n; i++) {
      const slot = at(stats, i);
      const dt = stats.times[slot] - meanT;
      const de = stats.delays[slot] - stats.minDelay - meanE;
      const dOffset = stats.offsets[slot] - meanO;
      stt += w[i] * dt * dt;
      sto += w[i] * dt * dOffset;
      ste += w[i] * dt * de;
      see += w[i] * de * de;
      seo += w[i] * de * dOffset;
    }
    let slope = n > 1 && stt > 0 ? sto / stt : 0;
    const residuals = new Float64Array(n);
    /** Fills `residuals` for a fit with this asymmetry; returns their weighted sum of squares. */
    const fitResiduals = function (asymmetry: number): number {
      const fitSlope = asymmetry === 0 ? slope : (sto - asymmetry * ste) / stt;
      let squares = 0;
      for (let i = 0; i < n; i++) {
        const slot = at(stats, i);
        residuals[i] = stats.offsets[slot] - meanO - fitSlope * (stats.times[slot] - meanT) -
          asymmetry * (stats.delays[slot] - stats.minDelay - meanE);
        squares += w[i] * residuals[i] * residuals[i];
      }
      return squares;
    };
    // With enough samples, also fit how the offset leans with the excess delay:
    // on a path whose queueing is one-sided, that lean is the asymmetry, and
    // the offset a sample without excess delay would show is the unbiased one.
    let asymmetry = 0;
    const det = stt * see - ste * ste;
    if (n >= MIN_SAMPLES_FOR_ASYMMETRY && det > 1e-12 * stt * see) {
      asymmetry = (seo * stt - sto * ste) / det;
      if (asymmetry > MAX_ASYMMETRY) asymmetry = MAX_ASYMMETRY;
      if (asymmetry < -MAX_ASYMMETRY) asymmetry = -MAX_ASYMMETRY;
      // Keep the lean only where the samples show it clearly: on a symmetric
      // path it is noise, and noise in it would move the offset estimate.
      const leanVariance = fitResiduals(asymmetry) / sumW * n / (n - 3);
      if (asymmetry * asymmetry < ASYMMETRY_SIGNIFICANCE * ASYMMETRY_SIGNIFICANCE * leanVariance * stt / det) asymmetry = 0;
      else slope = (sto - asymmetry * ste) / stt;
    }
    const sumSquares = fitResiduals(asymmetry);
    if (n >= MIN_SAMPLES_FOR_RUNS_TEST && tooFewRuns(residuals, n)) {
      dropOldest(stats);
      continue;
    }
    // Residual variance of a unit-weight sample; with two points or fewer the
    // fit is exact, so fall back on what the delays say about the noise.
    let variance = n > 2 ? sumSquares / sumW * n / (n - 2) : 0;
    const delayNoise = stats.minDelay / 4 + noiseFloor;
    if (variance < delayNoise * delayNoise) variance = delayNoise * delayNoise;
    const effectiveN = sumW; // weights are ≤ 1: the sum is how many good samples there are
    stats.referenceTime = meanT;
    stats.offset = meanO - asymmetry * meanE;
    stats.slope = slope;
    stats.asymmetry = asymmetry;
    stats.stdDev = Math.sqrt(variance);
    stats.offsetSd = Math.sqrt(variance / effectiveN);
    stats.skew = n > 1 && stt > 0 ? Math.sqrt(variance / stt) : 1;
    return true;
  }
}

/** The fitted offset at `time`, and its standard error there. */
export function predictOffset(stats: SourceStats, time: number): number {
  return stats.offset + stats.slope * (time - stats.referenceTime);
}

export function predictionError(stats: SourceStats, time: number): number {
  const dt = time - stats.referenceTime;
  return Math.sqrt(stats.offsetSd * stats.offsetSd + stats.skew * stats.skew * dt * dt);
}

/**
 * The clock was corrected at `now` by `phase` seconds and its rate by
 * `freq`: re-express every stored offset against the corrected clock, so the
 * window stays one consistent series (chrony's SST_SlewSamples).
 */
export function applyCorrection(stats: SourceStats, now: number, phase: number, freq: number): void {
  if (stats.count === 0) return; // nothing measured: no fit to carry over
  // Each past instant moves on the corrected clock's scale by the same amount
  // its offset shrinks: a large step would otherwise stretch the baseline.
  for (let i = 0; i < stats.count; i++) {
    const slot = at(stats, i);
    const shift = phase + freq * (stats.times[slot] - now);
    stats.offsets[slot] -= shift;
    stats.times[slot] += shift;
  }
  const shift = phase + freq * (stats.referenceTime - now);
  stats.offset -= shift;
  stats.referenceTime += shift;
  stats.slope = (stats.slope - freq) / (1 + freq);
}

export function lastTime(stats: SourceStats): number {
  return stats.count > 0 ? stats.times[at(stats, stats.count - 1)] : 0;
}

/** The i-th sample from the oldest, for reports. */
export function sample(stats: SourceStats, i: number): { time: number; offset: number; delay: number; dispersion: number } {
  const slot = at(stats, i);
  return { time: stats.times[slot], offset: stats.offsets[slot], delay: stats.delays[slot], dispersion: stats.dispersions[slot] };
}
