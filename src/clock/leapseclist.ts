/**
 * A leap-second list (chrony's `leapseclist`, the IETF leap-seconds.list format; the file is read
 * by clock/leapsecfile.ts): the coming leap seconds and the list's expiry, and what it announces
 * on a given day. The reference's upkeep asks it at each tick.
 */
import { Leap } from '../ntp/header';

/** Entries kept: the newest few (leap seconds come at most twice a year). */
export const MAX_ENTRIES = 4;
const DAY = 86400;

/** A leap second at the end of the UTC day before `midnight` (Unix seconds). */
export interface LeapEntry {
  midnight: number;
  leap: number;
}

export interface LeapSecondList {
  /** Oldest first, at most MAX_ENTRIES. */
  entries: LeapEntry[];
  /** Unix seconds; Infinity when the file gave none. */
  expiry: number;
}

/**
 * What the list announces at `now` (Unix seconds): a leap second on the
 * UTC day that ends at one of its entries' midnights, none after its expiry.
 */
export function leapAt(list: LeapSecondList, now: number): number {
  if (!(now < list.expiry)) return Leap.None;
  const midnight = (Math.floor(now / DAY) + 1) * DAY;
  for (let i = 0; i < list.entries.length; i++) {
    if (list.entries[i].midnight === midnight) return list.entries[i].leap;
  }
  return Leap.None;
}
