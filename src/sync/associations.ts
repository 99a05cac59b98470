/**
 * The sync manager's set of sources (chrony's NSR_AddSource/NSR_RemoveSource and its
 * name resolution): the configured servers and peers, the pools' lookups, the GPS
 * refclock, and the associations made by packets (an unknown symmetric peer, a
 * broadcast server), with their sockets; and the console's changes to them. An
 * on-demand module of its own: none of this runs on a poll or a sample, so the sample
 * path (manager.ts) does not carry it.
 */
import type { ServerOptions } from '../config/types';
import { defaultServerOptions, MAX_SERVERS } from '../config/types';
import { Leap } from '../ntp/header';
import * as refid from '../ntp/refid';
import type { Peer } from '../platform';
import { load, Module } from '../modules';
import { BIND_ATTEMPTS, bindSource, resolvePool, resolveSource } from './events';
import { scheduleClockUpdate, schedulePoll, schedulePoolLookup, startReceiverSoon, startRefclockPolls } from './timers';
import type { Sync } from './manager';
import * as poolModule from './pool';
import type { Pool } from './pool';
import * as sourceModule from './source';
import type { Source } from './source';
import { SourceField } from './source';

/** Client/server exchanges that measure a broadcast server's delay, at first and after a jump. */
const CALIBRATION_REQUESTS = 4;

/** The configured servers and peers: they need the network (names to resolve, sockets to bind). */
export function startServers(sync: Sync): void {
  for (let i = 0; i < sync.config.servers.length; i++) addSource(sync, sync.config.servers[i]);
  for (let i = 0; i < sync.config.pools.length; i++) {
    const pool = poolModule.create(sync.config.pools[i]);
    sync.pools.push(pool);
    poolModule.startRound(pool);
    lookUpPool(sync, pool);
  }
}

/**
 * One lookup of a pool's name; a new address becomes a source. Then the
 * next lookup after LOOKUP_SPACING while places are empty, or after a pause
 * once the round's lookups are used up.
 */
function lookUpPool(sync: Sync, pool: Pool): void {
  if (pool.resolving || pool.timer >= 0) return;
  if (!poolWantsSources(sync, pool)) return;
  if (pool.lookupsLeft <= 0) {
    schedulePoolLookup(sync, pool, pool.roundPause, true);
    return;
  }
  pool.lookupsLeft--;
  resolvePool(sync, pool);
}

/** A pool's timer (events.ts): the next lookup, or the first of a new round after a pause. */
export function poolTimer(sync: Sync, pool: Pool, newRound: boolean): void {
  if (newRound) {
    pool.roundPause = pool.roundPause * 2 < poolModule.MAX_ROUND_PAUSE ? pool.roundPause * 2 : poolModule.MAX_ROUND_PAUSE;
    poolModule.startRound(pool);
  }
  lookUpPool(sync, pool);
}

/** A pool's name looked up (events.ts): a new address becomes a source; the next lookup follows while places are empty. */
export function poolResolved(sync: Sync, pool: Pool, address: string | null): void {
  if (sync.pools.indexOf(pool) < 0) return;
  if (address === null) sync.platform.log('cannot resolve pool ' + pool.options.server.host);
  else if (poolWantsSources(sync, pool) && poolModule.acceptable(pool, sync.sources, address)) addPoolSource(sync, pool, address);
  if (poolWantsSources(sync, pool)) schedulePoolLookup(sync, pool, poolModule.LOOKUP_SPACING, false);
}

function poolWantsSources(sync: Sync, pool: Pool): boolean {
  return poolModule.members(pool, sync.sources) < pool.options.maxSources && sync.sources.length < MAX_SERVERS;
}

/** A pool's new address: a source with the pool's options (shared, not copied), named by its address. */
function addPoolSource(sync: Sync, pool: Pool, address: string): void {
  const source = sourceModule.create(pool.options.server);
  source.pool = pool;
  sourceModule.setAddress(source, address);
  sync.sources.push(source);
  pool.roundPause = poolModule.FIRST_ROUND_PAUSE;
  bindSource(sync, source, BIND_ATTEMPTS);
  schedulePoll(sync, source, 0.1 + 0.4 * sync.platform.random());
}

/** A pool source unreachable or a falseticker for long: dropped, and its place looked up again. */
export function replacePoolSource(sync: Sync, source: Source, pool: Pool): void {
  sync.platform.log('pool ' + pool.options.server.host + ': replacing ' + source.address + (source.state[SourceField.Reach] === 0 ? ' (unreachable)' : ' (falseticker)'));
  poolModule.noteDropped(pool, source.address);
  removeSource(sync, sync.sources.indexOf(source));
  // A fresh round at once, rather than at the end of a pause.
  sync.platform.cancelTimer(pool.timer);
  pool.timer = -1;
  poolModule.startRound(pool);
  lookUpPool(sync, pool);
}

/**
 * After the network came back: a socket bound before the link dropped may be
 * dead (ESP32/lwIP), so each source gets a fresh one; peers take the new NTP socket.
 */
export function rebindSockets(sync: Sync): void {
  for (let i = 0; i < sync.sources.length; i++) {
    const source = sync.sources[i];
    if (source.options.peer) source.socket = sync.ntpSocket;
    else if (source.socket) {
      source.socket.close();
      bindSource(sync, source, BIND_ATTEMPTS);
    }
  }
}

/**
 * The GPS reference clock: its driver reads the UART and the pulse pin, and
 * every 2^poll s its filtered sample joins the same selection as the
 * network sources, as a stratum-0 source (so we serve stratum 1).
 */
export function startRefclock(sync: Sync): void {
  const options = sync.config.refclock;
  if (options === null) return;
  const platform = sync.platform;
  const gps = load(platform, Module.Gps);
  const driver = gps.create(options, sync.clock, platform.log);
  const sourceOptions = defaultServerOptions('GPS');
  sourceOptions.minPollLog2 = options.pollLog2;
  sourceOptions.maxPollLog2 = options.pollLog2;
  sourceOptions.prefer = options.prefer;
  sourceOptions.noselect = options.noselect;
  const source = sourceModule.create(sourceOptions);
  source.refclock = true;
  const state = source.state;
  state[SourceField.Stratum] = 0;
  state[SourceField.Leap] = Leap.None;
  state[SourceField.Delay] = options.delay;
  state[SourceField.ReferenceId] = refid.fromAscii('GPS');
  sync.refclock = driver;
  sync.refclockSource = source;
  sync.sources.push(source);
  startRefclockPolls(sync, source, options.pollLog2);
  // The receiver's port and pin (its kept module, the board's services) in an event of their own,
  // not on top of this module and the driver's setup.
  startReceiverSoon(sync);
}

/** Adds and starts a source; returns null, or why it cannot be added. */
export function addSource(sync: Sync, options: ServerOptions): string | null {
  for (let i = 0; i < sync.sources.length; i++) {
    if (sourceModule.hostOf(sync.sources[i]) === options.host && !sync.sources[i].refclock) return 'source ' + options.host + ' already exists';
  }
  const source = sourceModule.create(options);
  sync.sources.push(source);
  resolveSource(sync, source);
  return null;
}

/** A configured source's name looked up (events.ts): its socket, then its first poll soon. */
export function resolved(sync: Sync, source: Source, address: string | null): void {
  if (sync.sources.indexOf(source) < 0) return; // deleted meanwhile
  if (address === null) {
    sync.platform.log('cannot resolve ' + source.options.host);
    source.state[SourceField.StoppedBy] = refid.fromAscii('DNS');
    return;
  }
  sourceModule.setAddress(source, address);
  // A peer talks from the NTP port, where the other side's association expects it.
  if (source.options.peer) source.socket = sync.ntpSocket;
  else bindSource(sync, source, BIND_ATTEMPTS);
  schedulePoll(sync, source, 0.1 + 0.4 * sync.platform.random());
}

export function removeSource(sync: Sync, index: number): void {
  const source = sync.sources[index];
  sync.platform.cancelTimer(source.timer);
  if (source.socket) source.socket.close();
  sync.sources.splice(index, 1);
  if (sync.selectedIndex === index) sync.selectedIndex = -1;
  else if (sync.selectedIndex > index) sync.selectedIndex--;
  // The others' states may change without it (selection again, in an event of its own); the
  // clock itself holds over until the next update.
  scheduleClockUpdate(sync, null);
}

/** Starts a burst of requests on every source (or one), as chronyc's `burst`. */
export function burst(sync: Sync, index: number): void {
  for (let i = 0; i < sync.sources.length; i++) {
    if (index >= 0 && i !== index) continue;
    const source = sync.sources[i];
    if (source.state[SourceField.StoppedBy] !== 0 || source.state[SourceField.Offline] !== 0 || source.refclock) continue;
    source.state[SourceField.BurstLeft] = sourceModule.BURST_COUNT;
    schedulePoll(sync, source, 0);
  }
}

export function setOffline(sync: Sync, index: number, offline: boolean): void {
  for (let i = 0; i < sync.sources.length; i++) {
    if (index >= 0 && i !== index) continue;
    const source = sync.sources[i];
    if (source.refclock) continue;
    const wasOffline = source.state[SourceField.Offline] !== 0;
    source.state[SourceField.Offline] = offline ? 1 : 0;
    // Back online: ask now rather than at the end of a long poll interval.
    if (wasOffline && !offline && source.socket) schedulePoll(sync, source, 0.1);
  }
}

/** After a source's poll limits changed: clamp its interval, and let the next poll follow them at once. */
export function pollLimitsChanged(sync: Sync, index: number): void {
  const source = sync.sources[index];
  const state = source.state;
  if (state[SourceField.PollLog2] < source.options.minPollLog2) state[SourceField.PollLog2] = source.options.minPollLog2;
  if (state[SourceField.PollLog2] > source.options.maxPollLog2) state[SourceField.PollLog2] = source.options.maxPollLog2;
  if (source.socket && state[SourceField.StoppedBy] === 0) schedulePoll(sync, source, sourceModule.nextInterval(source));
}

/**
 * An unknown symmetric active peer: a passive association, only when its packet is
 * authenticated with one of our keys, or `acceptpeers` is set (RFC 8633 5.6). Returns
 * the new source, or null when the packet makes none.
 */
export function acceptPeer(sync: Sync, msg: string, from: Peer): Source | null {
  if (sync.sources.length >= MAX_SERVERS || !sync.ntpSocket) return null;
  const keyId = sync.auth ? load(sync.platform, Module.SyncAuth).authenticatedKey(sync.auth, msg) : -1;
  if (keyId < 0 && !sync.config.acceptPeers) return null;
  const options = defaultServerOptions(from.address);
  options.port = from.port;
  options.peer = true;
  options.keyId = keyId > 0 ? keyId : 0;
  const source = sourceModule.create(options);
  source.state[SourceField.PeerMode] = 2;
  sourceModule.setAddress(source, from.address);
  source.socket = sync.ntpSocket;
  sync.sources.push(source);
  return source;
}

/** The first broadcast from a server (manager.ts receiveBroadcast): a source, polled at the server's interval, and its delay measured. */
export function addBroadcastSource(sync: Sync, from: Peer, serverPollLog2: number): void {
  if (sync.sources.length >= MAX_SERVERS) return;
  const options = defaultServerOptions(from.address);
  options.port = from.port;
  const pollLog2 = serverPollLog2 < 3 ? 3 : serverPollLog2 > 17 ? 17 : serverPollLog2;
  options.minPollLog2 = pollLog2;
  options.maxPollLog2 = pollLog2;
  const source = sourceModule.create(options);
  source.broadcast = true;
  sourceModule.setAddress(source, from.address);
  sync.sources.push(source);
  bindSource(sync, source, BIND_ATTEMPTS);
  calibrate(sync, source);
}

/** A short client/server exchange that measures a broadcast server's delay (at first, and when its path changed). */
export function calibrate(sync: Sync, source: Source): void {
  source.state[SourceField.CalibratedDelay] = Infinity;
  source.state[SourceField.BurstLeft] = CALIBRATION_REQUESTS;
  schedulePoll(sync, source, 0.1);
}
