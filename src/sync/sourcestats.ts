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

/**
 * The statistics of one source live in one Float64Array (one block of memory on the device,
 * not a property each): the fit's results at the StatsField indexes, then the sample window,
 * SAMPLE_FIELDS numbers a sample from WINDOW_START on. It is created at the source's first
 * sample (sync/source.ts), so a source never heard from holds none.
 */
export type SourceStats = Float64Array;

export const enum StatsField {
  /** Ring: slot of the oldest sample, and how many there are. */
  First = 0,
  Count = 1,
  /** Results of the last regress(): the fit's reference time and the offset (source − ideal local) there. */
  ReferenceTime = 2,
  Offset = 3,
  /** d offset / d time: our clock's frequency error against the source. */
  Slope = 4,
  /** Standard error of Offset. */
  OffsetSd = 5,
  /** Standard error of Slope. */
  Skew = 6,
  /** Residual standard deviation of one sample. */
  StdDev = 7,
  MinDelay = 8,
  /** Measurement noise the network alone explains: half the median excess delay. */
  Noise = 9,
  /** Offset change per second of excess delay (path asymmetry of the queueing). */
  Asymmetry = 10,
}

/** Where the sample window starts, and a sample's numbers: ideal local time, offset (source − ideal local), delay, dispersion. */
const WINDOW_START = 11;
const SAMPLE_FIELDS = 4;
const enum SampleField {
  Time = 0,
  Offset = 1,
  Delay = 2,
  Dispersion = 3,
}

export function create(): SourceStats {
  const stats = new Float64Array(WINDOW_START + MAX_SAMPLES * SAMPLE_FIELDS);
  stats[StatsField.Skew] = 1;
  return stats;
}

/** Samples held (none without statistics yet). */
export function count(stats: SourceStats | undefined): number {
  return stats ? stats[StatsField.Count] : 0;
}

/** One of the fit's results, or what a source without statistics shows (a skew of 1, else 0). */
export function value(stats: SourceStats | undefined, field: StatsField): number {
  return stats ? stats[field] : field === StatsField.Skew ? 1 : 0;
}

/** Index of the i-th sample (from the oldest): its time is there, its other numbers follow (SampleField). */
function at(stats: SourceStats, i: number): number {
  return WINDOW_START + ((stats[StatsField.First] + i) % MAX_SAMPLES) * SAMPLE_FIELDS;
}

export function clear(stats: SourceStats): void {
  stats[StatsField.First] = 0;
  stats[StatsField.Count] = 0;
}

/** Adds a sample, the oldest out when full. */
export function add(stats: SourceStats, time: number, offset: number, delay: number, dispersion: number): void {
  if (stats[StatsField.Count] === MAX_SAMPLES) {
    stats[StatsField.First] = (stats[StatsField.First] + 1) % MAX_SAMPLES;
    stats[StatsField.Count]--;
  }
  const slot = at(stats, stats[StatsField.Count]);
  stats[slot] = time;
  stats[slot + SampleField.Offset] = offset;
  stats[slot + SampleField.Delay] = delay;
  stats[slot + SampleField.Dispersion] = dispersion;
  stats[StatsField.Count]++;
}

function dropOldest(stats: SourceStats): void {
  stats[StatsField.First] = (stats[StatsField.First] + 1) % MAX_SAMPLES;
  stats[StatsField.Count]--;
}

/**
 * Sample weights: a sample delayed beyond the smallest delay in the window
 * carries an offset error of up to half that excess, so it counts less.
 * The scale is the median excess, so the weighting adapts to the network.
 */
function weights(stats: SourceStats, floor: number): Float64Array {
  const n = stats[StatsField.Count];
  const result = new Float64Array(n);
  let minDelay = Infinity;
  for (let i = 0; i < n; i++) if (stats[at(stats, i) + SampleField.Delay] < minDelay) minDelay = stats[at(stats, i) + SampleField.Delay];
  const excess: number[] = [];
  for (let i = 0; i < n; i++) excess.push(stats[at(stats, i) + SampleField.Delay] - minDelay);
  excess.sort(function (a, b) { return a - b; });
  let scale = excess[n >> 1];
  if (scale < floor) scale = floor;
  for (let i = 0; i < n; i++) {
    const e = (stats[at(stats, i) + SampleField.Delay] - minDelay) / scale;
    result[i] = 1 / (1 + e * e);
  }
  stats[StatsField.MinDelay] = minDelay;
  stats[StatsField.Noise] = scale / 2 + floor;
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
    const n = stats[StatsField.Count];
    if (n === 0) return false;
    const w = weights(stats, noiseFloor);
    let sumW = 0;
    let meanT = 0;
    let meanO = 0;
    let meanE = 0;
    for (let i = 0; i < n; i++) {
      const slot = at(stats, i);
      sumW += w[i];
      meanT += w[i] * stats[slot];
      meanO += w[i] * stats[slot + SampleField.Offset];
      meanE += w[i] * (stats[slot + SampleField.Delay] - stats[StatsField.MinDelay]);
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
      const dt = stats[slot] - meanT;
      const de = stats[slot + SampleField.Delay] - stats[StatsField.MinDelay] - meanE;
      const dOffset = stats[slot + SampleField.Offset] - meanO;
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
        residuals[i] = stats[slot + SampleField.Offset] - meanO - fitSlope * (stats[slot] - meanT) -
          asymmetry * (stats[slot + SampleField.Delay] - stats[StatsField.MinDelay] - meanE);
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
    const delayNoise = stats[StatsField.MinDelay] / 4 + noiseFloor;
    if (variance < delayNoise * delayNoise) variance = delayNoise * delayNoise;
    const effectiveN = sumW; // weights are ≤ 1: the sum is how many good samples there are
    stats[StatsField.ReferenceTime] = meanT;
    stats[StatsField.Offset] = meanO - asymmetry * meanE;
    stats[StatsField.Slope] = slope;
    stats[StatsField.Asymmetry] = asymmetry;
    stats[StatsField.StdDev] = Math.sqrt(variance);
    stats[StatsField.OffsetSd] = Math.sqrt(variance / effectiveN);
    stats[StatsField.Skew] = n > 1 && stt > 0 ? Math.sqrt(variance / stt) : 1;
    return true;
  }
}

/** The fitted offset at `time`, and its standard error there. */
export function predictOffset(stats: SourceStats, time: number): number {
  return stats[StatsField.Offset] + stats[StatsField.Slope] * (time - stats[StatsField.ReferenceTime]);
}

export function predictionError(stats: SourceStats, time: number): number {
  const dt = time - stats[StatsField.ReferenceTime];
  return Math.sqrt(stats[StatsField.OffsetSd] * stats[StatsField.OffsetSd] + stats[StatsField.Skew] * stats[StatsField.Skew] * dt * dt);
}

/**
 * The clock was corrected at `now` by `phase` seconds and its rate by
 * `freq`: re-express every stored offset against the corrected clock, so the
 * window stays one consistent series (chrony's SST_SlewSamples).
 */
export function applyCorrection(stats: SourceStats, now: number, phase: number, freq: number): void {
  if (stats[StatsField.Count] === 0) return; // nothing measured: no fit to carry over
  // Each past instant moves on the corrected clock's scale by the same amount
  // its offset shrinks: a large step would otherwise stretch the baseline.
  for (let i = 0; i < stats[StatsField.Count]; i++) {
    const slot = at(stats, i);
    const shift = phase + freq * (stats[slot] - now);
    stats[slot + SampleField.Offset] -= shift;
    stats[slot] += shift;
  }
  const shift = phase + freq * (stats[StatsField.ReferenceTime] - now);
  stats[StatsField.Offset] -= shift;
  stats[StatsField.ReferenceTime] += shift;
  stats[StatsField.Slope] = (stats[StatsField.Slope] - freq) / (1 + freq);
}

export function lastTime(stats: SourceStats): number {
  return stats[StatsField.Count] > 0 ? stats[at(stats, stats[StatsField.Count] - 1)] : 0;
}

/** The i-th sample from the oldest, for reports. */
export function sample(stats: SourceStats, i: number): { time: number; offset: number; delay: number; dispersion: number } {
  const slot = at(stats, i);
  return { time: stats[slot], offset: stats[slot + SampleField.Offset], delay: stats[slot + SampleField.Delay], dispersion: stats[slot + SampleField.Dispersion] };
}
