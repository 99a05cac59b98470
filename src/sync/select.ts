/**
 * Source selection (RFC 5905 section 11.2.1, as chrony does it): the
 * intersection of correctness intervals names the truechimers and
 * falsetickers; the best truechimer is selected and those close to it are
 * combined into one offset and frequency estimate.
 */
import * as sourcestats from './sourcestats';
import type { Source } from './source';
import * as sourceModule from './source';

/** chrony's combinelimit: sources up to this many times the best distance are combined. */
const COMBINE_LIMIT = 3;
/** chrony's reselectdist: the selected source keeps its place unless another is this much better. */
const RESELECT_DISTANCE = 1e-4;

export interface Selection {
  result: 'ok' | 'no-majority' | 'no-sources';
  selected: number;
  /** Combined estimate at `time`: offset (source − ideal local), residual frequency, their errors. */
  time: number;
  offset: number;
  slope: number;
  skew: number;
  offsetSd: number;
  leap: number;
  /** Indexes of the combined sources (the selected one included). */
  combined: number[];
}

/**
 * Marzullo's intersection: for f = 0, 1, … the interval agreed by n − f
 * sources; null when no interval is agreed by more than half of `voters`
 * (the candidates plus the sources not heard from yet, so that the first
 * source to answer cannot win alone while the others are still starting).
 */
function intersect(low: number[], high: number[], voters: number): number[] | null {
  const n = low.length;
  const points: number[] = [];
  const kinds: number[] = []; // +1 opens, −1 closes
  for (let i = 0; i < n; i++) {
    points.push(low[i], high[i]);
    kinds.push(1, -1);
  }
  const order: number[] = [];
  for (let i = 0; i < points.length; i++) order.push(i);
  // At equal values an opening sorts first, so touching intervals intersect.
  order.sort(function (a, b) { return points[a] - points[b] || kinds[b] - kinds[a]; });
  for (let falsetickers = 0; 2 * falsetickers < n; falsetickers++) {
    const needed = n - falsetickers;
    if (2 * needed <= voters) break;
    let count = 0;
    let lowEnd = NaN;
    for (let i = 0; i < order.length; i++) {
      count += kinds[order[i]];
      if (count >= needed) {
        lowEnd = points[order[i]];
        break;
      }
    }
    count = 0;
    let highEnd = NaN;
    for (let i = order.length - 1; i >= 0; i--) {
      count -= kinds[order[i]];
      if (count >= needed) {
        highEnd = points[order[i]];
        break;
      }
    }
    if (lowEnd <= highEnd) return [lowEnd, highEnd];
  }
  return null;
}

/**
 * Why a source is no candidate, as chrony's selectdata says it: N noselect,
 * M no samples, S stale (unreachable, offline or stopped by a kiss), L a
 * peer not closer to a reference than we are (it may be following us).
 */
function unselectableState(source: Source, loop: boolean): string {
  if (source.options.noselect) return 'N';
  if (source.stats.count === 0) return 'M';
  return loop ? 'L' : 'S';
}

/** Runs selection at ideal local time `now`; sets each source's status character. */
export function select(sources: Source[], now: number, previous: number, clockSkew: number, ourStratum: number): Selection {
  const selection: Selection = { result: 'no-sources', selected: -1, time: now, offset: 0, slope: 0, skew: 1, offsetSd: 0, leap: 0, combined: [] };
  const candidates: number[] = [];
  const low: number[] = [];
  const high: number[] = [];
  const distances: number[] = [];
  let starting = 0;
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i];
    // A peer that is not closer to a reference than we are may be following us: never follow it back.
    const loop = source.peerMode !== 0 && ourStratum < 16 && source.stratum >= ourStratum && sourceModule.selectable(source) &&
      (previous < 0 || sources[previous] !== source);
    source.selectLow = 0;
    source.selectHigh = 0;
    source.selectScore = 1;
    if (!sourceModule.selectable(source) || loop) {
      source.status = source.options.noselect && source.stats.count > 0 && source.reach !== 0 ? '-' : '?';
      source.selectState = unselectableState(source, loop);
      if (sourceModule.starting(source)) starting++;
      continue;
    }
    const offset = sourcestats.predictOffset(source.stats, now);
    const distance = sourceModule.rootDistance(source, now, clockSkew);
    candidates.push(i);
    distances.push(distance);
    low.push(offset - distance);
    high.push(offset + distance);
    // chrony's sign: local minus source.
    source.selectLow = -offset - distance;
    source.selectHigh = -offset + distance;
  }
  if (candidates.length === 0) return selection;
  const agreed = intersect(low, high, candidates.length + starting);
  if (agreed === null) {
    for (let c = 0; c < candidates.length; c++) sources[candidates[c]].status = sources[candidates[c]].selectState = 'x';
    selection.result = 'no-majority';
    return selection;
  }
  const truechimers: number[] = [];
  for (let c = 0; c < candidates.length; c++) {
    const isTrue = low[c] <= agreed[1] && high[c] >= agreed[0];
    // A truechimer left out of the combination is chrony's 'D' (distant).
    sources[candidates[c]].status = isTrue ? '-' : 'x';
    sources[candidates[c]].selectState = isTrue ? 'D' : 'x';
    if (isTrue) truechimers.push(c);
  }
  // The best truechimer: preferred sources first, then the smallest distance.
  let best = -1;
  for (let t = 0; t < truechimers.length; t++) {
    const c = truechimers[t];
    if (best < 0) best = c;
    const preferBetter = sources[candidates[c]].options.prefer && !sources[candidates[best]].options.prefer;
    const preferSame = sources[candidates[c]].options.prefer === sources[candidates[best]].options.prefer;
    if (preferBetter || (preferSame && distances[c] < distances[best])) best = c;
  }
  for (let t = 0; t < truechimers.length; t++) {
    const c = truechimers[t];
    const keep = candidates[c] === previous && distances[c] <= distances[best] + RESELECT_DISTANCE &&
      sources[candidates[c]].options.prefer === sources[candidates[best]].options.prefer;
    if (keep) best = c;
  }
  for (let c = 0; c < candidates.length; c++) sources[candidates[c]].selectScore = distances[c] / distances[best];
  let weightSum = 0;
  let offset = 0;
  let slope = 0;
  let skew = 0;
  let offsetSd = 0;
  const leapVotes = [0, 0, 0];
  for (let t = 0; t < truechimers.length; t++) {
    const c = truechimers[t];
    const source = sources[candidates[c]];
    if (c !== best && distances[c] > distances[best] * COMBINE_LIMIT) continue;
    source.status = source.selectState = c === best ? '*' : '+';
    selection.combined.push(candidates[c]);
    const weight = 1 / distances[c];
    weightSum += weight;
    offset += weight * sourcestats.predictOffset(source.stats, now);
    slope += weight * source.stats.slope;
    skew += weight * source.stats.skew;
    offsetSd += weight * sourceModule.fitError(source, now, clockSkew);
    if (source.leap < 3) leapVotes[source.leap]++;
  }
  selection.result = 'ok';
  selection.selected = candidates[best];
  selection.offset = offset / weightSum;
  selection.slope = slope / weightSum;
  selection.skew = skew / weightSum;
  selection.offsetSd = offsetSd / weightSum;
  // The leap indicator the majority of combined sources announce.
  const voters = selection.combined.length;
  selection.leap = leapVotes[1] * 2 > voters ? 1 : leapVotes[2] * 2 > voters ? 2 : 0;
  return selection;
}
