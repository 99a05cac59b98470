/**
 * Scoring, as chrony's simulation tests score chronyd under clknetsim:
 * - offset(k) = served time − true time, sampled every simulated second;
 * - freq(k) = served advance over that second / true advance − 1;
 * - sync time (clknetsim's find_sync with chrony's smoothing of 1.0, i.e.
 *   none) = the second of the last sample with |offset| or |freq| beyond the
 *   limits, 0 when there is none; never synchronised when the last one is;
 * - RMS and maximum of |offset| and |freq| over the samples after the sync
 *   time. chrony resets clknetsim's statistics at max_sync_time instead, so
 *   the same figures are also computed from max_sync_time to be compared
 *   like for like.
 */

export interface Limits {
  /** time_max_limit (also the offset limit of the sync-time search). */
  maxOffset: number;
  /** freq_max_limit (also the frequency limit of the sync-time search). */
  maxFreq: number;
  /** time_rms_limit */
  rmsOffset: number;
  /** freq_rms_limit */
  rmsFreq: number;
  /** max_sync_time */
  maxSyncTime: number;
}

export interface WindowStats {
  from: number;
  samples: number;
  rmsOffset: number;
  maxOffset: number;
  rmsFreq: number;
  maxFreq: number;
}

export interface Score {
  /** Seconds; equals the run's length when the clock never settled. */
  syncTime: number;
  synced: boolean;
  /** After the sync time (the definition). */
  afterSync: WindowStats;
  /** From max_sync_time (clknetsim's -r, as chrony's tests measure). */
  afterMaxSyncTime: WindowStats;
  failures: string[];
  pass: boolean;
}

/** Sync time per clknetsim's find_sync: index of the last out-of-limits sample (offset-only at k = 0). */
export function syncTime(offsets: Float64Array, freqs: Float64Array, maxOffset: number, maxFreq: number): number {
  for (let k = offsets.length - 1; k >= 0; k--) {
    if (!(Math.abs(offsets[k]) <= maxOffset)) return k;
    if (k > 0 && !(Math.abs(freqs[k]) <= maxFreq)) return k;
  }
  return 0;
}

export function windowStats(offsets: Float64Array, freqs: Float64Array, from: number): WindowStats {
  let sumOffset = 0;
  let sumFreq = 0;
  let maxOffset = 0;
  let maxFreq = 0;
  let samples = 0;
  for (let k = Math.max(from, 1); k < offsets.length; k++) {
    const o = offsets[k];
    const f = freqs[k];
    sumOffset += o * o;
    sumFreq += f * f;
    // NaN (a clock that cannot be read) must fail, not vanish.
    if (!(Math.abs(o) <= maxOffset)) maxOffset = Math.abs(o) === Math.abs(o) ? Math.abs(o) : Infinity;
    if (!(Math.abs(f) <= maxFreq)) maxFreq = Math.abs(f) === Math.abs(f) ? Math.abs(f) : Infinity;
    samples++;
  }
  return {
    from,
    samples,
    rmsOffset: samples ? Math.sqrt(sumOffset / samples) : NaN,
    maxOffset: samples ? maxOffset : NaN,
    rmsFreq: samples ? Math.sqrt(sumFreq / samples) : NaN,
    maxFreq: samples ? maxFreq : NaN,
  };
}

export function score(offsets: Float64Array, freqs: Float64Array, limits: Limits): Score {
  const last = offsets.length - 1;
  const sync = syncTime(offsets, freqs, limits.maxOffset, limits.maxFreq);
  const synced = sync < last;
  const afterSync = windowStats(offsets, freqs, sync + 1);
  const afterMaxSyncTime = windowStats(offsets, freqs, Math.min(limits.maxSyncTime, last));
  const failures: string[] = [];
  if (!synced) failures.push('never synchronised (last sample out of limits)');
  else if (sync > limits.maxSyncTime) failures.push('sync time ' + sync + ' s > ' + limits.maxSyncTime + ' s');
  for (const window of [afterSync, afterMaxSyncTime]) {
    const label = window === afterSync ? 'after sync' : 'after max_sync_time';
    check(failures, label + ' max |offset|', window.maxOffset, limits.maxOffset);
    check(failures, label + ' RMS offset', window.rmsOffset, limits.rmsOffset);
    check(failures, label + ' max |freq|', window.maxFreq, limits.maxFreq);
    check(failures, label + ' RMS freq', window.rmsFreq, limits.rmsFreq);
  }
  return { syncTime: sync, synced, afterSync, afterMaxSyncTime, failures, pass: failures.length === 0 };
}

function check(failures: string[], what: string, value: number, limit: number): void {
  // An empty window (no samples) has nothing to fail.
  if (value !== value) return;
  if (!(value <= limit)) failures.push(what + ' ' + value.toExponential(2) + ' > ' + limit.toExponential(2));
}
