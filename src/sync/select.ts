/**
 * Source selection (RFC 5905 section 11.2.1, as chrony does it): the
 * intersection of correctness intervals names the truechimers and
 * falsetickers; the best truechimer is selected and those close to it are
 * combined into one offset and frequency estimate.
 */
import * as sourcestats from './sourcestats';
import { StatsField } from './sourcestats';
import type { Source } from './source';
import type { SourceStats } from './sourcestats';
import { DISPERSION_RATE } from '../clock/readout';
import { SelectState, SourceField } from './source';

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
function unselectableState(source: Source, loop: boolean): number {
  if (source.options.noselect) return SelectState.Noselect;
  if (sourcestats.count(source.stats) === 0) return SelectState.Missing;
  return loop ? SelectState.Loop : SelectState.Stale;
}

/** Runs selection at ideal local time `now`; sets each source's status character. */
export function select(sources: Source[], now: number, previous: number, clockSkew: number, ourStratum: number): Selection {
  const selection: Selection = { result: 'no-sources', selected: -1, time: now, offset: 0, slope: 0, skew: 1, offsetSd: 0, leap: 0, combined: [] };
  const candidates: number[] = [];
  const low: number[] = [];
  const high: number[] = [];
  const distances: number[] = [];
  let startingCount = 0;
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i];
    const state = source.state;
    // A peer that is not closer to a reference than we are may be following us: never follow it back.
    const loop = state[SourceField.PeerMode] !== 0 && ourStratum < 16 && state[SourceField.Stratum] >= ourStratum &&
      selectable(source) && (previous < 0 || sources[previous] !== source);
    state[SourceField.SelectLow] = 0;
    state[SourceField.SelectHigh] = 0;
    state[SourceField.SelectScore] = 1;
    if (!selectable(source) || loop) {
      source.status = source.options.noselect && sourcestats.count(source.stats) > 0 && state[SourceField.Reach] !== 0 ? '-' : '?';
      state[SourceField.SelectState] = unselectableState(source, loop);
      if (starting(source)) startingCount++;
      continue;
    }
    const offset = sourcestats.predictOffset((source.stats as SourceStats), now);
    const distance = rootDistance(source, now, clockSkew);
    candidates.push(i);
    distances.push(distance);
    low.push(offset - distance);
    high.push(offset + distance);
    // chrony's sign: local minus source.
    state[SourceField.SelectLow] = -offset - distance;
    state[SourceField.SelectHigh] = -offset + distance;
  }
  if (candidates.length === 0) return selection;
  const agreed = intersect(low, high, candidates.length + startingCount);
  if (agreed === null) {
    for (let c = 0; c < candidates.length; c++) {
      sources[candidates[c]].status = 'x';
      sources[candidates[c]].state[SourceField.SelectState] = SelectState.Falseticker;
    }
    selection.result = 'no-majority';
    return selection;
  }
  const truechimers: number[] = [];
  for (let c = 0; c < candidates.length; c++) {
    const isTrue = low[c] <= agreed[1] && high[c] >= agreed[0];
    // A truechimer left out of the combination is chrony's 'D' (distant).
    sources[candidates[c]].status = isTrue ? '-' : 'x';
    sources[candidates[c]].state[SourceField.SelectState] = isTrue ? SelectState.Distant : SelectState.Falseticker;
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
  for (let c = 0; c < candidates.length; c++) sources[candidates[c]].state[SourceField.SelectScore] = distances[c] / distances[best];
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
    source.status = c === best ? '*' : '+';
    source.state[SourceField.SelectState] = c === best ? SelectState.Selected : SelectState.Combined;
    const stats = (source.stats as SourceStats);
    selection.combined.push(candidates[c]);
    const weight = 1 / distances[c];
    weightSum += weight;
    offset += weight * sourcestats.predictOffset(stats, now);
    slope += weight * stats[StatsField.Slope];
    skew += weight * stats[StatsField.Skew];
    offsetSd += weight * fitError(source, now, clockSkew);
    if (source.state[SourceField.Leap] < 3) leapVotes[source.state[SourceField.Leap]]++;
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

/** Its distance to the reference its last sample reported, without the age and the fit: root delay / 2 + root dispersion, plus its own delay and dispersion. */
export function referenceDistance(source: Source): number {
  const state = source.state;
  return (state[SourceField.RootDelay] + state[SourceField.Delay]) / 2 + state[SourceField.RootDispersion] + state[SourceField.Dispersion];
}

/**
 * A source's root distance now: what bounds its error (RFC 5905 section
 * 11.2.2, plus the fit's error). `clockSkew` is how well our own frequency
 * is known: with one sample a source has no slope of its own, and its
 * offset drifts only as fast as our clock's frequency can be wrong.
 */
export function rootDistance(source: Source, now: number, clockSkew: number): number {
  const age = now - source.lastSampleTime;
  return referenceDistance(source) + DISPERSION_RATE * (age > 0 ? age : 0) + fitError(source, now, clockSkew);
}

/** How far off the source's fitted offset may be at `now` (one sample: only as far as our frequency can have drifted since). */
export function fitError(source: Source, now: number, clockSkew: number): number {
  const stats = source.stats as SourceStats;
  const referenceTime = stats[StatsField.ReferenceTime];
  return stats[StatsField.Count] > 1 ? sourcestats.predictionError(stats, now) :
    stats[StatsField.OffsetSd] + clockSkew * (now - referenceTime > 0 ? now - referenceTime : 0);
}

/** Requests a source may go unanswered at start before it stops holding up the first selection. */
const STARTING_REQUESTS = 3;

/** Not heard from yet, but not given up on: selection waits for it to have its say. */
export function starting(source: Source): boolean {
  const state = source.state;
  return state[SourceField.Valid] === 0 && state[SourceField.Sent] < STARTING_REQUESTS && state[SourceField.StoppedBy] === 0 &&
    state[SourceField.Offline] === 0 && !source.options.noselect;
}

/** Usable for selection: reachable recently, with samples, not stopped or excluded. */
export function selectable(source: Source): boolean {
  const state = source.state;
  return state[SourceField.Reach] !== 0 && sourcestats.count(source.stats) > 0 && !source.options.noselect &&
    state[SourceField.StoppedBy] === 0 && state[SourceField.Offline] === 0;
}
