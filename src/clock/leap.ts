/**
 * The leap second announced (RFC 5905 LI): what the sources' majority or the leap-second list
 * says for today, and the timer that applies it at midnight (reference.ts leapSecondDue). A module
 * of its own so that the clock update (sync/update.ts) loads this and not the reference's upkeep.
 */
import * as calendar from './calendar';
import * as leapSecondList from './leapseclist';
import * as served from './served';
import { Leap } from '../ntp/header';
import * as timers from '../sync/timers';
import type { Sync } from '../sync/manager';

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
  const now = served.now(clock);
  if (sync.leapTimer >= 0 || !calendar.isLastDayOfMonth(now)) return;
  const midnight = (Math.floor(now / 86400) + 1) * 86400;
  // A deleted second is 23:59:59 itself: the clock jumps at its start.
  const at = clock.leap === Leap.InsertSecond ? midnight : midnight - 1;
  timers.scheduleLeapSecond(sync, midnight, at - now > 0 ? at - now : 0);
}
