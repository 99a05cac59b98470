/**
 * The sync manager's events, resident: its timers, its sources' sockets and its name lookups.
 * The manager itself (sync/manager.ts and what it uses) is an on-demand module: on the device it
 * is loaded for each event (a poll, a reply, a lookup) and let go after, so its functions take
 * memory only while one runs. A callback made inside it would keep the whole module alive, so
 * every callback that outlives an event is made here, and calls into the module by name. The board
 * lets go of the module at the end of the event (Platform.release).
 *
 * Every timer calls one function, `fire`, with what it is for (sync/timers.ts sets them): on the
 * device each resident function costs memory all the time, each kind of timer its own would cost
 * a dozen more.
 */
import { load, Module } from '../modules';
import { parseIpv4 } from '../net/ipv4';
import type { Sync } from './manager';
import type { Pool } from './pool';
import type { Source } from './source';
import type { Statistics, StatsRecord } from '../stats/statistics';

/** Attempts at a source's socket (a random port may be taken). */
export const BIND_ATTEMPTS = 5;

/** What a timer is for (its `target`'s type in brackets). */
export const enum SyncEvent {
  /** A source's poll (Source). */
  Poll,
  /** A pool's next lookup (Pool). */
  PoolLookup,
  /** The first lookup of a pool's new round (Pool). */
  PoolRound,
  /** Selection and the clock update after a sample (its Source; null after a source's reach fell to nothing). */
  ClockUpdate,
  /** A statistics record (StatsRecord). */
  Record,
  /** A file to write (FileWrite). */
  WriteFile,
  /** The refclock's poll (Source). */
  RefclockPoll,
  /** The leap second at midnight (the midnight, Unix seconds). */
  LeapSecond,
  /** The end of a slew (none). */
  SlewEnd,
  /** A source's name to look up (Source). */
  ResolveSource,
  /** A pool's name to look up (Pool). */
  ResolvePool,
  /** The GPS receiver's serial port and pulse pin opened (none): after the driver's setup, in an event of its own. */
  StartReceiver,
}

/** A file to write (SyncEvent.WriteFile). */
export interface FileWrite {
  name: string;
  text: string;
}

/** A timer of the sync manager's: the code it runs is loaded for it. */
export function fire(sync: Sync, event: SyncEvent, target: unknown): void {
  const platform = sync.platform;
  switch (event) {
    case SyncEvent.Poll:
      load(platform, Module.SyncPoll).poll(sync, target as Source);
      return;
    case SyncEvent.PoolLookup:
    case SyncEvent.PoolRound:
      (target as Pool).timer = -1;
      load(platform, Module.Associations).poolTimer(sync, target as Pool, event === SyncEvent.PoolRound);
      return;
    case SyncEvent.ClockUpdate:
      load(platform, Module.ClockUpdate).runSelection(sync, target === null ? -1 : sync.sources.indexOf(target as Source));
      return;
    case SyncEvent.Record:
      load(platform, Module.Stats).record(sync.statistics as Statistics, sync, target as StatsRecord);
      return;
    case SyncEvent.WriteFile:
      // In an event of its own: the board's Storage code is loaded for it alone, not on top of the clock update's.
      if (!platform.services().storageWrite((target as FileWrite).name, (target as FileWrite).text)) platform.log('cannot write ' + (target as FileWrite).name);
      return;
    case SyncEvent.RefclockPoll:
      load(platform, Module.Sync).refclockPoll(sync, target as Source);
      return;
    case SyncEvent.LeapSecond:
      load(platform, Module.Reference).leapSecondDue(sync, target as number);
      return;
    case SyncEvent.SlewEnd:
      load(platform, Module.Reference).endSlew(sync);
      return;
    case SyncEvent.ResolveSource:
      lookUp(sync, target as Source, false);
      return;
    case SyncEvent.ResolvePool:
      lookUp(sync, target as Pool, true);
      return;
    case SyncEvent.StartReceiver:
      if (sync.refclock) load(platform, Module.Gps).start(sync.refclock, platform);
      return;
  }
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

/**
 * Looks up a configured source's name; the manager's `resolved` takes the answer. The lookup
 * starts in an event of its own: the board's services are not loaded on top of the code that
 * added the source.
 */
export function resolveSource(sync: Sync, source: Source): void {
  sync.platform.after(0, fire, sync, SyncEvent.ResolveSource, source);
}

/** One lookup of a pool's name (in an event of its own, as resolveSource); the manager's `poolResolved` takes the answer. */
export function resolvePool(sync: Sync, pool: Pool): void {
  pool.resolving = true;
  sync.platform.after(0, fire, sync, SyncEvent.ResolvePool, pool);
}

/** The lookup itself; an address is its own answer (no services loaded for it). */
function lookUp(sync: Sync, target: Source | Pool, isPool: boolean): void {
  const platform = sync.platform;
  const host = isPool ? (target as Pool).options.server.host : (target as Source).options.host;
  const answer = function (address: string | null): void {
    if (!isPool) {
      load(platform, Module.Associations).resolved(sync, target as Source, address);
      return;
    }
    (target as Pool).resolving = false;
    load(platform, Module.Associations).poolResolved(sync, target as Pool, address);
  };
  if (parseIpv4(host) >= 0) answer(host);
  else platform.services().resolve(host, answer);
}
