/**
 * The reference state's upkeep between updates: holdover (the root distance grows until the clock
 * is no longer synchronised), the leap indicator that follows the leap-second list's day (leap.ts),
 * the leap second itself at midnight, and the end of a slew. An on-demand module (ntpd-reference), loaded
 * for each tick (every REFRESH_INTERVAL) and timer; the timers' callbacks are resident, in
 * sync/events.ts. Updates from the sources come from the sync manager (sync/manager.ts, on demand
 * too); both keep the state in the local clock and the Sync record.
 */
import * as clockChanges from './changes';
import { announcedLeap, scheduleLeap } from './leap';
import * as localClock from './local';
import { synchronisedToSource } from './synchronised';
import { Leap } from '../ntp/header';
import { scheduleSlewEnd } from '../sync/timers';
import type { Sync } from '../sync/manager';

/** Past this root distance in holdover the clock tells the LAN it is unsynchronised (RFC 5905 MAXDIST). */
export const MAX_HOLDOVER_DISTANCE = 1;

/**
 * Every REFRESH_INTERVAL: holdover bookkeeping. Without an update the root distance
 * grows at 15 ppm; past MAX_HOLDOVER_DISTANCE the clock is no longer
 * synchronised, and serves as `local` if configured, else as unsynchronised.
 * Then the leap indicator follows the list's day.
 */
export function tick(sync: Sync): void {
  const clock = sync.clock;
  const leapBefore = clock.leap;
  const now = localClock.now(clock);
  let held = true;
  if (synchronisedToSource(clock)) {
    const distance = clock.rootDelay / 2 + localClock.rootDispersionAt(clock, now);
    held = distance > MAX_HOLDOVER_DISTANCE;
    if (held) sync.platform.log('holdover: root distance ' + distance.toFixed(3) + ' s, no longer synchronised');
  }
  if (held) {
    if (sync.config.localStratum > 0) localClock.holdLocalReference(clock, sync.config.localStratum, now);
    else localClock.setUnsynchronised(clock);
  }
  if (clock.leap !== Leap.Unsynchronised) {
    clock.leap = announcedLeap(sync, synchronisedToSource(clock) ? sync.sourcesLeap : Leap.None, now);
  }
  scheduleLeap(sync);
  if (clock.leap !== leapBefore) clockChanges.notifyChange(sync.clock);
}

/**
 * The leap second's timer (sync/events.ts calls it): the one announced for `midnight`. The
 * timer is cancelled whenever the announcement goes, so the clock's leap indicator still says which.
 */
export function leapSecondDue(sync: Sync, midnight: number): void {
  sync.leapTimer = -1;
  applyLeap(sync, sync.clock.leap === Leap.InsertSecond ? -1 : 1, midnight);
}

function applyLeap(sync: Sync, correction: number, midnight: number): void {
  const clock = sync.clock;
  const mode = sync.config.leapSecMode;
  sync.lastLeapMidnight = midnight;
  clock.leap = Leap.None;
  if (mode === 'step') localClock.step(clock, correction);
  else if (mode === 'slew') scheduleSlewEnd(sync, localClock.slew(clock, correction, 0));
  sync.platform.log('leap second ' + (correction < 0 ? 'inserted' : 'deleted') + ' (leapsecmode ' + mode + ')');
  clockChanges.notifyChange(sync.clock);
}

/** The slew's end (sync/events.ts calls it at its timer). */
export function endSlew(sync: Sync): void {
  sync.slewTimer = -1;
  // A late timer overshoots a little: slew the excess back rather than jump.
  const left = localClock.endSlew(sync.clock);
  if (Math.abs(left) > 1e-9) scheduleSlewEnd(sync, localClock.slew(sync.clock, left, 1));
  clockChanges.notifyChange(sync.clock);
}

/** `local [stratum N]` / `local off` at run time (0: off); the reference state follows at once. */
export function setLocal(sync: Sync, stratum: number): void {
  sync.config.localStratum = stratum;
  tick(sync);
  clockChanges.notifyChange(sync.clock);
}
