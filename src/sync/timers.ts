/**
 * The sync manager's timers, set from its on-demand code: each calls the resident events.fire
 * with what it is for (a callback made here would keep this code in memory).
 */
import { fire, SyncEvent } from './events';
import type { FileWrite } from './events';
import type { Sync } from './manager';
import type { Pool } from './pool';
import type { Source } from './source';
import type { StatsRecord } from '../stats/statistics';

/** The next poll of a source, `seconds` from now (replacing the pending one). */
export function schedulePoll(sync: Sync, source: Source, seconds: number): void {
  const platform = sync.platform;
  platform.cancelTimer(source.timer);
  source.timer = platform.after(seconds * 1000, fire, sync, SyncEvent.Poll, source);
}

/** A pool's next lookup after `seconds`; `newRound` when it starts a new round of lookups. */
export function schedulePoolLookup(sync: Sync, pool: Pool, seconds: number, newRound: boolean): void {
  pool.timer = sync.platform.after(seconds * 1000, fire, sync, newRound ? SyncEvent.PoolRound : SyncEvent.PoolLookup, pool);
}

/**
 * Selection and the clock update after a sample of `source`, or after a source's reach fell to
 * nothing (null): update.ts, in an event of its own, once the sample's code is let go.
 */
export function scheduleClockUpdate(sync: Sync, source: Source | null): void {
  sync.platform.after(0, fire, sync, SyncEvent.ClockUpdate, source);
}

/** A statistics record (stats/statistics.ts), in an event after the clock update's. */
export function scheduleRecord(sync: Sync, job: StatsRecord): void {
  sync.platform.after(0, fire, sync, SyncEvent.Record, job);
}

/** Writes a file in an event of its own (the hourly drift file). */
export function writeSoon(sync: Sync, file: FileWrite): void {
  sync.platform.after(0, fire, sync, SyncEvent.WriteFile, file);
}

/** The refclock's polls, every 2^pollLog2 s: the manager turns the filter's samples into one. */
export function startRefclockPolls(sync: Sync, source: Source, pollLog2: number): void {
  source.timer = sync.platform.every(Math.pow(2, pollLog2) * 1000, fire, sync, SyncEvent.RefclockPoll, source);
}

/** The GPS receiver's port and pin, opened in an event after this one. */
export function startReceiverSoon(sync: Sync): void {
  sync.platform.after(0, fire, sync, SyncEvent.StartReceiver, null);
}

/** The leap second announced for `midnight` (Unix seconds), `seconds` from now. */
export function scheduleLeapSecond(sync: Sync, midnight: number, seconds: number): void {
  sync.leapTimer = sync.platform.after(seconds * 1000, fire, sync, SyncEvent.LeapSecond, midnight);
}

/** Ends a slew after `seconds` (0: none pending any more). */
export function scheduleSlewEnd(sync: Sync, seconds: number): void {
  sync.platform.cancelTimer(sync.slewTimer);
  sync.slewTimer = -1;
  if (seconds <= 0) return;
  sync.slewTimer = sync.platform.after(seconds * 1000, fire, sync, SyncEvent.SlewEnd, null);
}
