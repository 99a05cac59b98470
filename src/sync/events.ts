/**
 * The sync manager's events, resident: its timers, its sources' sockets and its name lookups.
 * The manager itself (sync/manager.ts and what it uses) is an on-demand module: on the device it
 * is loaded for each event (a poll, a reply, a lookup) and let go after, so its functions take
 * memory only while one runs. A callback made inside it would keep the whole module alive, so
 * every callback that outlives an event is made here, and calls into the module by name. The board
 * lets go of the module at the end of the event (Platform.release).
 */
import { load, Module } from '../modules';
import type { Sync } from './manager';
import type { Pool } from './pool';
import type { Source } from './source';
import type { Statistics, StatsRecord } from '../stats/statistics';
import type { Platform } from '../platform';

/** Attempts at a source's socket (a random port may be taken). */
export const BIND_ATTEMPTS = 5;

/** The next poll of a source, `seconds` from now (replacing the pending one). */
export function schedulePoll(sync: Sync, source: Source, seconds: number): void {
  const platform = sync.platform;
  platform.cancelTimer(source.timer);
  source.timer = platform.after(seconds * 1000, poll, sync, source);
}

// The timers' callbacks take what they need as arguments: no closure per timer.
function poll(sync: Sync, source: Source): void {
  load(sync.platform, Module.Sync).poll(sync, source);
}

/** A fresh random source port per source (RFC 9109), another one if it is taken. */
export function bindSource(sync: Sync, source: Source, attempts: number): void {
  const platform = sync.platform;
  source.localPort = 1024 + Math.floor(platform.random() * 64512);
  let failure = '';
  const socket = platform.udpBind(source.localPort, function (msg, from, rawArrival) {
    load(platform, Module.Sync).receive(sync, source, msg, from, rawArrival);
  }, function (message) {
    failure = message;
    if (source.socket !== socket) return; // the bind itself failed: handled below
    if (source.socket) source.socket.close();
    source.socket = null;
    retryBind(sync, source, attempts, message);
  });
  source.socket = socket;
  if (socket === null) retryBind(sync, source, attempts, failure);
}

function retryBind(sync: Sync, source: Source, attempts: number, message: string): void {
  if (attempts > 1 && sync.sources.indexOf(source) >= 0) bindSource(sync, source, attempts - 1);
  else sync.platform.log('source ' + source.options.host + ': ' + message);
}

/** Looks up a configured source's name; the manager's `resolved` takes the answer. */
export function resolveSource(sync: Sync, source: Source): void {
  const platform = sync.platform;
  platform.services().resolve(source.options.host, function (address) {
    load(platform, Module.Associations).resolved(sync, source, address);
  });
}

/** One lookup of a pool's name; the manager's `poolResolved` takes the answer. */
export function resolvePool(sync: Sync, pool: Pool): void {
  const platform = sync.platform;
  pool.resolving = true;
  platform.services().resolve(pool.options.server.host, function (address) {
    pool.resolving = false;
    load(platform, Module.Associations).poolResolved(sync, pool, address);
  });
}

/** A pool's next lookup after `seconds`; `newRound` when it starts a new round of lookups. */
export function schedulePoolLookup(sync: Sync, pool: Pool, seconds: number, newRound: boolean): void {
  pool.timer = sync.platform.after(seconds * 1000, newRound ? poolRound : poolLookup, sync, pool);
}

function poolLookup(sync: Sync, pool: Pool): void {
  pool.timer = -1;
  load(sync.platform, Module.Associations).poolTimer(sync, pool, false);
}

function poolRound(sync: Sync, pool: Pool): void {
  pool.timer = -1;
  load(sync.platform, Module.Associations).poolTimer(sync, pool, true);
}

/**
 * Selection and the clock update after a sample of `source`, or after a source's reach fell to
 * nothing (null): update.ts. The sample's code schedules it (platform.after(0, clockUpdate, …)) so
 * that it runs in an event of its own, once the sample's code is let go.
 */
export function clockUpdate(sync: Sync, source: Source | null): void {
  load(sync.platform, Module.ClockUpdate).runSelection(sync, source === null ? -1 : sync.sources.indexOf(source));
}

/** A statistics record (stats/statistics.ts), scheduled by the clock update to run in an event after its own. */
export function record(sync: Sync, job: StatsRecord): void {
  load(sync.platform, Module.Stats).record(sync.statistics as Statistics, sync, job);
}

/** A file to write (writeSoon). */
export interface FileWrite {
  name: string;
  text: string;
}

/**
 * Writes a file in an event of its own (the hourly drift file): the board's Storage code is
 * loaded for it alone, not on top of the clock update that asked.
 */
export function writeSoon(platform: Platform, file: FileWrite): void {
  platform.after(0, writeFile, platform, file);
}

function writeFile(platform: Platform, file: FileWrite): void {
  if (!platform.services().storageWrite(file.name, file.text)) platform.log('cannot write ' + file.name);
}

/** The refclock's polls, every 2^pollLog2 s: the manager turns the filter's samples into one. */
export function startRefclockPolls(sync: Sync, source: Source, pollLog2: number): void {
  source.timer = sync.platform.every(Math.pow(2, pollLog2) * 1000, refclockPoll, sync, source);
}

function refclockPoll(sync: Sync, source: Source): void {
  load(sync.platform, Module.Sync).refclockPoll(sync, source);
}

/** The reference's timers (clock/reference.ts): the leap second at `midnight`, the end of a slew. */
export function leapSecondDue(sync: Sync, midnight: number): void {
  load(sync.platform, Module.Reference).leapSecondDue(sync, midnight);
}

/** Ends a slew after `seconds` (0: none pending any more). */
export function scheduleSlewEnd(sync: Sync, seconds: number): void {
  sync.platform.cancelTimer(sync.slewTimer);
  sync.slewTimer = -1;
  if (seconds <= 0) return;
  sync.slewTimer = sync.platform.after(seconds * 1000, slewDue, sync);
}

export function slewDue(sync: Sync): void {
  load(sync.platform, Module.Reference).endSlew(sync);
}
