/**
 * What ntpq's view of the board keeps between queries: the association id
 * given to each source and the system event counter. Resident (mode6.ts,
 * which answers the queries, is loaded on demand), created once at boot, so
 * ids stay the same for as long as the board runs.
 */
import type { Platform } from '../platform';
import type { LocalClock } from '../clock/local';
import { Leap } from '../ntp/header';
import type { Authenticator } from '../ntp/keys';
import type { Source } from '../sync/source';
import type { Sync } from '../sync/manager';
import type { AccessTable } from './access';
import type { Responder } from './responder';

/** What a query reads (the Appliance has these fields). */
export interface ControlHost {
  platform: Platform;
  clock: LocalClock;
  sync: Sync;
  responder: Responder;
  auth: Authenticator;
  cmdAccess: AccessTable;
}

export interface ControlServer {
  host: ControlHost;
  /** Sources seen so far and their association ids, in step; pruned as sources go. */
  known: Source[];
  ids: number[];
  nextId: number;
  /** The system status word's event counter (saturating at 15) and last event. */
  systemEvents: number;
  lastSystemEvent: number;
  wasSynchronised: boolean;
}

/** RFC 9327 system event codes used here. */
const EVENT_CLOCK_SYNC = 5;
const EVENT_RESTART = 6;
const EVENT_NO_SYSTEM_PEER = 8;

export function create(host: ControlHost): ControlServer {
  return {
    host: host,
    known: [],
    ids: [],
    nextId: 1,
    systemEvents: 1,
    lastSystemEvent: EVENT_RESTART,
    wasSynchronised: false,
  };
}

/** Records a system event when the clock gains or loses synchronisation (call after clock changes). */
export function noteClockState(server: ControlServer): void {
  const synchronised = server.host.clock.leap !== Leap.Unsynchronised;
  if (synchronised === server.wasSynchronised) return;
  server.wasSynchronised = synchronised;
  server.lastSystemEvent = synchronised ? EVENT_CLOCK_SYNC : EVENT_NO_SYSTEM_PEER;
  if (server.systemEvents < 15) server.systemEvents++;
}
