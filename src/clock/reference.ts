/**
 * The reference state's upkeep between updates: holdover (the root distance grows until the clock
 * is no longer synchronised), the leap indicator that follows the leap-second list's day, the leap
 * second itself at midnight, and the end of a slew. An on-demand module (ntpd-reference), loaded
 * for each tick (every REFRESH_INTERVAL) and timer; the timers' callbacks are resident, in
 * sync/events.ts. Updates from the sources come from the sync manager (sync/manager.ts, on demand
 * too); both keep the state in the local clock and the Sync record.
 */
import * as calendar from './calendar';
import * as leapSecondList from './leapseclist';
import * as clockChanges from './changes';
import * as localClock from './local';
import { synchronisedToSource } from './synchronised';
import { Leap } from '../ntp/header';
import * as events from '../sync/events';
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
 * The leap indicator to serve: the sources' majority, else the leap-second
 * list's (chrony's leapseclist), which only speaks on the last day of a month
 * that ends with a leap second, and not after the list's expiry. Nothing once
 * that midnight's leap second has been applied (the clock may be back before it).
 */
export function announcedLeap(sync: Sync, sourcesLeap: number, now: number): number {
  const midnight = (Math.floor(now / 86400) + 1) * 86400;
  if (midnight <= sync.lastLeapMidnight) return Leap.None;
  if (sourcesLeap === Leap.InsertSecond || sourcesLeap === Leap.DeleteSecond) return sourcesLeap;
  return sync.leapList ? leapSecondList.leapAt(sync.leapList, now) : Leap.None;
}

/**
 * A leap second announced on the last day of a month is applied at its end,
 * per `leapsecmode`: `step` repeats 23:59:59 (the clock goes back one second
 * at midnight) or skips it (forward at 23:59:59); `slew` corrects the same
 * second at the clock's maximum slew rate (about 12 s); `ignore` leaves it
 * to the sources to bring the clock back.
 */
export function scheduleLeap(sync: Sync): void {
  const clock = sync.clock;
  if (clock.leap !== Leap.InsertSecond && clock.leap !== Leap.DeleteSecond) {
    sync.platform.cancelTimer(sync.leapTimer);
    sync.leapTimer = -1;
    return;
  }
  const now = localClock.now(clock);
  if (sync.leapTimer >= 0 || !calendar.isLastDayOfMonth(now)) return;
  const midnight = (Math.floor(now / 86400) + 1) * 86400;
  // A deleted second is 23:59:59 itself: the clock jumps at its start.
  const at = clock.leap === Leap.InsertSecond ? midnight : midnight - 1;
  sync.leapTimer = sync.platform.after((at - now > 0 ? at - now : 0) * 1000, events.leapSecondDue, sync, midnight);
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

/** Ends a slew after `seconds` (0: none pending any more). */
export function scheduleSlewEnd(sync: Sync, seconds: number): void {
  sync.platform.cancelTimer(sync.slewTimer);
  sync.slewTimer = -1;
  if (seconds <= 0) return;
  sync.slewTimer = sync.platform.after(seconds * 1000, events.slewDue, sync);
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
