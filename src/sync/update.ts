/**
 * The clock update (chrony's reference.c with the selection of sources.c): selection
 * over the sources' statistics, the combined estimate handed to the discipline, the
 * reference state our replies carry (stratum, reference id, root delay and dispersion,
 * leap), the statistics records (in an event after, timers.ts scheduleRecord) and the drift file;
 * and the console's `reselect`, `makestep`, `settime`. An on-demand module of its own, run in
 * an event after the sample's (timers.ts scheduleClockUpdate): the sample's code is let go first, so
 * the two never take memory together.
 */
import * as discipline from '../clock/discipline';
import { DRIFT_FILE } from '../clock/discipline';
import * as clockChanges from '../clock/changes';
import * as localClock from '../clock/local';
import * as leap from '../clock/leap';
import { Leap } from '../ntp/header';
import { load, Module } from '../modules';
import { scheduleRecord, scheduleSlewEnd, writeSoon } from './timers';
import type { Sync } from './manager';
import * as manual from './manual';
import * as select from './select';
import { SourceField } from './source';
import * as sourcestats from './sourcestats';

const DRIFT_SAVE_INTERVAL = 3600;

/** Selects; if the source that just gave a sample is among the combined ones, updates the clock. */
export function runSelection(sync: Sync, updatedIndex: number): void {
  if (updatedIndex >= 0 && sync.statistics) scheduleRecord(sync, { source: sync.sources[updatedIndex], offset: 0, offsetSd: 0, combined: -1 });
  const clock = sync.clock;
  const now = localClock.idealTime(clock, clock.readRaw());
  const selection = select.select(sync.sources, now, sync.selectedIndex, sync.discipline.freqSkew, ourStratum(sync));
  sync.selection = selection.result;
  sync.selectedIndex = selection.selected;
  if (selection.result !== 'ok' || selection.combined.indexOf(updatedIndex) < 0) return;
  const correction = correct(sync, now, selection.offset, selection.slope, selection.skew);
  const best = sync.sources[selection.selected];
  const cookedNow = localClock.now(clock);
  const bestState = best.state;
  clock.stratum = bestState[SourceField.Stratum] + 1 < 16 ? bestState[SourceField.Stratum] + 1 : 15;
  clock.referenceId = bestState[SourceField.ReferenceId];
  clock.referenceTime = cookedNow;
  clock.rootDelay = bestState[SourceField.RootDelay] + bestState[SourceField.Delay];
  clock.rootDispersion = bestState[SourceField.RootDispersion] + bestState[SourceField.Dispersion] + selection.offsetSd + Math.abs(correction.phase);
  sync.sourcesLeap = selection.leap;
  clock.leap = leap.announcedLeap(sync, selection.leap, cookedNow);
  leap.scheduleLeap(sync);
  saveDrift(sync, cookedNow);
  if (sync.statistics) scheduleRecord(sync, { source: best, offset: selection.offset, offsetSd: selection.offsetSd, combined: selection.combined.length });
  clockChanges.notifyChange(sync.clock);
}

/**
 * An estimate (offset and residual frequency against true time, at ideal
 * time `now`) goes to the discipline; everything that holds offsets measured
 * against the old clock is moved with it.
 */
function correct(sync: Sync, now: number, offset: number, slope: number, skew: number): discipline.Correction {
  const correction = discipline.update(sync.discipline, sync.clock, now, offset, slope, skew,
    sync.config.makestepThreshold, sync.config.makestepLimit);
  moveSamples(sync, now, correction.phase, correction.freq, correction.slewSeconds);
  return correction;
}

/**
 * After the clock was corrected by `phase` and `freq` at ideal time `now`: the samples held against
 * the old clock (the sources', the refclock's, the manual ones) are moved with it, and the end of
 * the slew (`slewSeconds`, 0 for none) is scheduled.
 */
function moveSamples(sync: Sync, now: number, phase: number, freq: number, slewSeconds: number): void {
  for (let i = 0; i < sync.sources.length; i++) {
    const stats = sync.sources[i].stats;
    if (stats) sourcestats.applyCorrection(stats, now, phase, freq);
  }
  if (sync.refclock) load(sync.platform, Module.Gps).applyCorrection(sync.refclock, now, phase, freq);
  manual.applyCorrection(sync.manual, now, phase, freq);
  scheduleSlewEnd(sync, slewSeconds);
}

/** `reselect`: selection again from scratch, without the selected source's advantage. */
export function reselect(sync: Sync): void {
  sync.selectedIndex = -1;
  runSelection(sync, -1);
}

/**
 * `settime`: with manual input on, the time typed in is a sample of true
 * time; the line through the samples goes to the discipline. Returns the
 * sample's offset (local minus true), or NaN when manual input is off.
 */
export function manualSample(sync: Sync, trueTime: number): number {
  if (!sync.manual.enabled) return NaN;
  const clock = sync.clock;
  const now = localClock.idealTime(clock, clock.readRaw());
  const offset = now - trueTime;
  manual.add(sync.manual, now, offset);
  const line = manual.estimate(sync.manual, now);
  // The discipline takes "true minus local", as the sources' estimates are.
  correct(sync, now, -line.offset, -line.slope, line.skew);
  clockChanges.notifyChange(sync.clock);
  return offset;
}

function saveDrift(sync: Sync, now: number): void {
  if (sync.discipline.updates < 4) return;
  if (sync.lastDriftSave > 0 && now - sync.lastDriftSave < DRIFT_SAVE_INTERVAL) return;
  writeSoon(sync, { name: DRIFT_FILE, text: discipline.driftText(sync.clock, sync.discipline) });
  sync.lastDriftSave = now;
}

/** Our stratum as peers see it (16 when unsynchronised). */
function ourStratum(sync: Sync): number {
  return sync.clock.leap === Leap.Unsynchronised ? 16 : sync.clock.stratum;
}

/** `makestep` on the console: step now to the combined estimate, if there is one. */
export function makestepNow(sync: Sync): boolean {
  const clock = sync.clock;
  const now = localClock.idealTime(clock, clock.readRaw());
  const selection = select.select(sync.sources, now, sync.selectedIndex, sync.discipline.freqSkew, ourStratum(sync));
  if (selection.result !== 'ok') return false;
  const offset = selection.offset;
  localClock.step(clock, offset);
  moveSamples(sync, now, offset, 0, 0);
  clockChanges.notifyChange(sync.clock);
  return true;
}
