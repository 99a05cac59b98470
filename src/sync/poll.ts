/**
 * A source's poll: its request built and sent, and the next poll set. An on-demand module of its own
 * (ntpd-sync-poll), the most frequent of the sync manager's events: it loads what a request
 * needs, not what a reply does (manager.ts, which takes the replies, sends its passive answers
 * with `request` from here).
 */
import { load, Module } from '../modules';
import type { Sync } from './manager';
import type { LocalClock } from '../clock/local';
import * as served from '../clock/served';
import { Mode } from '../ntp/header';
import * as timestamp from '../ntp/timestamp';
import * as sourceModule from './source';
import type { Source } from './source';
import { SourceField } from './source';
import { StatsField } from './sourcestats';
import { scheduleClockUpdate, schedulePoll } from './timers';

/** A source's poll (events.ts): a request, unless it is stopped, offline or only listened to; then the next poll. */
export function poll(sync: Sync, source: Source): void {
  const state = source.state;
  if (state[SourceField.StoppedBy] !== 0) return;
  const offline = state[SourceField.Offline] !== 0;
  if (source.pool && !offline && sourceModule.shouldReplace(source)) {
    load(sync.platform, Module.Associations).replacePoolSource(sync, source, source.pool);
    return;
  }
  if (source.broadcast && state[SourceField.BurstLeft] === 0) {
    // Between calibrations a broadcast source is only listened to: a missed broadcast shows in reach.
    state[SourceField.Reach] = (state[SourceField.Reach] << 1) & 255;
    schedulePoll(sync, source, Math.pow(2, state[SourceField.PollLog2]));
    return;
  }
  if (!offline && source.socket) {
    if (source.options.burst && state[SourceField.BurstLeft] === 0 && state[SourceField.Reach] !== 0) state[SourceField.BurstLeft] = sourceModule.BURST_COUNT;
    source.socket.send(request(sync, source), source.options.port, source.address);
    // Reach fell to nothing: selection again (the source has samples it may lose).
    if (state[SourceField.Reach] === 0 && source.stats !== undefined && source.stats[StatsField.Count] > 0) scheduleClockUpdate(sync, null);
  }
  let interval = sourceModule.nextInterval(source);
  // Spread the polls of different sources a little, so they do not stay in step.
  if (interval >= 8) interval -= interval / 16 * sync.platform.random();
  schedulePoll(sync, source, interval);
}

/** A source's next request, signed when it has a key. */
export function request(sync: Sync, source: Source): string {
  const unsigned = makeRequest(source, sync.clock, ourHeader(sync));
  return source.options.keyId > 0 && sync.auth ? load(sync.platform, Module.SyncAuth).sign(source, sync.auth, unsigned) : unsigned;
}

/** Our header for a symmetric packet: the responder's (the clock state our replies carry); none before the port is up. */
function ourHeader(sync: Sync): HeaderMaker | undefined {
  const service = sync.responder;
  if (service === null) return undefined;
  // Made for this packet and gone with the event (this module is loaded on demand).
  return function (mode, pollLog2) {
    return service.headers().header(service, mode, pollLog2);
  };
}

/** The first 24 bytes of a packet carrying our clock state (LI/VN/mode … reference time), for symmetric mode. */
export type HeaderMaker = (mode: number, pollLog2: number) => string;

/**
 * Builds and records the next request (client mode, NTPv4). Only the poll
 * and transmit fields are set, as RFC 9109 and data minimisation advise.
 * Unsigned: a source with a key has its MAC appended by sourceauth.ts.
 */
export function makeRequest(source: Source, clock: LocalClock, ourHeader?: HeaderMaker): string {
  const state = source.state;
  state[SourceField.Reach] = (state[SourceField.Reach] << 1) & 255;
  if (state[SourceField.BurstLeft] > 0) state[SourceField.BurstLeft]--;
  const transmit = timestamp.encodeUnix(served.now(clock));
  state[SourceField.OriginSeconds] = timestamp.readUint32(transmit, 0);
  state[SourceField.OriginFraction] = timestamp.readUint32(transmit, 4);
  state[SourceField.Sent]++;
  const peerMode = state[SourceField.PeerMode];
  return peerMode !== 0 && ourHeader ?
    // Symmetric mode: our own clock state, and the peer's last transmit time and when it reached us.
    ourHeader(peerMode === 1 ? Mode.SymmetricActive : Mode.SymmetricPassive, state[SourceField.PollLog2]) +
      (state[SourceField.PeerTransmitSeconds] < 0 ? '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' :
        timestamp.writeUint32(state[SourceField.PeerTransmitSeconds]) + timestamp.writeUint32(state[SourceField.PeerTransmitFraction]) +
        timestamp.encodeUnix(state[SourceField.PeerReceive])) + transmit :
    String.fromCharCode((4 << 3) | Mode.Client, 0, state[SourceField.PollLog2] & 255, 0) +
      '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' + transmit;
}
