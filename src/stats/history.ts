/**
 * The clock's recent history for the status page's chart: one slot per
 * HISTORY_STEP seconds (the last clock update in that step wins), in a ring
 * of fixed typed arrays, so memory does not grow however long the board runs.
 */
import { precisionText } from '../text/number';

/** Seconds per slot. */
export const HISTORY_STEP = 256;
/**
 * Slots kept: 48 × 256 s = 3.4 hours in 816 bytes of typed arrays (about 60 JsVars on the device; 96 × 128 s took 120,
 * 180 × 64 s 220). A slot of 256 s is still shorter than the interval between clock updates at chrony's default maxpoll.
 */
export const HISTORY_SLOTS = 48;

export interface History {
  /** Unix seconds of each slot's sample (0: empty). */
  times: Uint32Array;
  /** Offset found by the update, local minus true as in chrony's logs (positive: we were ahead), seconds. */
  offsets: Float32Array;
  /** Crystal's frequency error, ppm (positive: fast), as in the drift file. */
  freqPpm: Float32Array;
  /** Root distance (root delay / 2 + root dispersion), seconds. */
  distances: Float32Array;
  strata: Uint8Array;
  /** Slots: the arrays (null before) are allocated with the first record (a board that never synchronises keeps none). */
  slots: number;
  /** Slot written last (-1: none yet). */
  newest: number;
  count: number;
}

export function create(slots: number): History {
  // No arrays until the first record (a board that never synchronises keeps none); count says how many slots hold one.
  return {
    times: null!,
    offsets: null!,
    freqPpm: null!,
    distances: null!,
    strata: null!,
    slots: slots,
    newest: -1,
    count: 0,
  };
}

/** Records one clock update; a later update within the same step replaces the earlier one. Time going backwards starts a new slot. */
export function record(history: History, unixTime: number, offset: number, freqPpm: number, distance: number, stratum: number): void {
  const size = history.slots;
  if (history.times === null) {
    // One buffer for all five, each array aligned (four-byte figures first).
    const buffer = new ArrayBuffer(size * 17);
    history.times = new Uint32Array(buffer, 0, size);
    history.offsets = new Float32Array(buffer, size * 4, size);
    history.freqPpm = new Float32Array(buffer, size * 8, size);
    history.distances = new Float32Array(buffer, size * 12, size);
    history.strata = new Uint8Array(buffer, size * 16, size);
  }
  let slot = history.newest;
  const sameStep = slot >= 0 && Math.floor(history.times[slot] / HISTORY_STEP) === Math.floor(unixTime / HISTORY_STEP);
  if (!sameStep) {
    slot = (slot + 1) % size;
    history.newest = slot;
    if (history.count < size) history.count++;
  }
  history.times[slot] = unixTime > 0 ? unixTime : 0;
  history.offsets[slot] = offset;
  history.freqPpm[slot] = freqPpm;
  history.distances[slot] = distance;
  history.strata[slot] = stratum < 0 ? 0 : stratum > 255 ? 255 : stratum;
}

/** The slot of the i-th oldest entry (0 ≤ i < count). */
export function slotAt(history: History, i: number): number {
  const size = history.slots;
  return (history.newest - history.count + 1 + i + size) % size;
}

/** Shortest form that keeps a float32's precision (at most 4 significant digits is enough for a chart). */
export function compact(value: number): string {
  if (value === 0 || value !== value) return value === 0 ? '0' : 'NaN';
  const text = precisionText(value, 4);
  const e = text.indexOf('e');
  let mantissa = e < 0 ? text : text.substring(0, e);
  if (mantissa.indexOf('.') >= 0) {
    let end = mantissa.length;
    while (mantissa.charAt(end - 1) === '0') end--;
    if (mantissa.charAt(end - 1) === '.') end--;
    mantissa = mantissa.substring(0, end);
  }
  return e < 0 ? mantissa : mantissa + text.substring(e);
}

/** The history as CSV, oldest first: time (unix s), offset (s), frequency (ppm), root distance (s), stratum. */
export function toCsv(history: History | null): string {
  let text = 'time,offset,freq_ppm,distance,stratum\n';
  // None before the first record.
  if (history === null) return text;
  for (let i = 0; i < history.count; i++) {
    const slot = slotAt(history, i);
    text += history.times[slot] + ',' + compact(history.offsets[slot]) + ',' + compact(history.freqPpm[slot]) + ',' +
      compact(history.distances[slot]) + ',' + history.strata[slot] + '\n';
  }
  return text;
}
