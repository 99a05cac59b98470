/**
 * One upstream source (chrony's ntp_core's per-source record): its numbers,
 * options, sockets and statistics, and the poll process's interval. What a
 * source exchanges on the wire (the request, and the on-wire tests of RFC 5905
 * applied to each reply) is exchange.ts: the code that adds, lists or changes
 * sources does not carry it.
 */
import type { ServerOptions } from '../config/types';
import { Leap } from '../ntp/header';
import * as ipv4 from '../net/ipv4';
import type { UdpSocket } from '../platform';
import type { SourceStats } from './sourcestats';
import type { Pool } from './pool';
import type { LastPacket } from './lastpacket';

/** Poll adaptation (ntpd's jiggle counter, manager.ts adaptPoll). */
export const enum PollAdaptation {
  /** The score at which the poll interval doubles (or, negated, halves). */
  ScoreLimit = 30,
  /** How many noise levels a sample may stray from the fit and still count as good. */
  Gate = 4,
}
/** RATE kisses alone never push the interval past 2^13 s (issue: "never above 2^13"). */
export const MAX_KOD_POLL_LOG2 = 13;
/** Interval between the requests of a burst (chrony: 2 s). */
export const BURST_INTERVAL = 2;
/** iburst: requests at start; burst: requests per poll. */
export const IBURST_COUNT = 4;
export const BURST_COUNT = 4;
/** Requests without any reply (reach 0 over 8 polls) before a pool source is replaced. */
export const UNREACHABLE_POLLS = 8;
/** Consecutive polls as a falseticker before a pool source is replaced. */
export const FALSETICKER_POLLS = 8;

/**
 * A source's numbers, by index into Source.state (one Float64Array: 8 bytes a number on the
 * device instead of a property of 1 to 3 blocks each).
 */
export const enum SourceField {
  Reach = 0,
  PollLog2 = 1,
  /** Requests left to send 2 s apart before going back to the poll interval. */
  BurstLeft = 2,
  /** Poll adaptation score (ntpd's jiggle counter). */
  PollScore = 3,
  /** Symmetric mode: 1 active (configured `peer`), 2 passive (created by an incoming mode 1); 0 for a server. */
  PeerMode = 4,
  /** 1 while set `offline`. */
  Offline = 5,
  /** The kiss code (DENY, RSTR), or DNS when its name did not resolve, as a reference id, that stopped it; 0 while it runs. */
  StoppedBy = 6,
  ReferenceId = 7,
  /** Values from the last valid reply. */
  Stratum = 8,
  Leap = 9,
  RootDelay = 10,
  RootDispersion = 11,
  PrecisionLog2 = 12,
  Delay = 13,
  Dispersion = 14,
  /**
   * What the last selection made of it, for `selectdata`: chrony's state character (its
   * char code), its correctness interval (offset ± root distance, chrony's sign: local minus
   * source; 0 when it was no candidate), and its root distance relative to the selected
   * source's (1 for that one).
   */
  SelectState = 15,
  SelectLow = 16,
  SelectHigh = 17,
  SelectScore = 18,
  /** Counters: requests sent, replies received, replies that passed all tests, KoDs. */
  Sent = 19,
  Received = 20,
  Valid = 21,
  Kisses = 22,
  /** Replies that failed authentication (no MAC, crypto-NAK, wrong digest). */
  AuthFailures = 23,
  /** Polls in a row at which the last selection had it as a falseticker (pool sources are replaced after a few). */
  FalsetickerPolls = 24,
  /**
   * 64-bit NTP timestamps, each as its seconds and fraction halves (seconds -1: none).
   * The outstanding request's transmit time: the only origin a reply may carry.
   */
  OriginSeconds = 25,
  OriginFraction = 26,
  /** The server's last transmit time: a replay of it is a duplicate. */
  ServerTransmitSeconds = 27,
  ServerTransmitFraction = 28,
  /** Symmetric mode: the peer's last transmit time and when we received it (cooked Unix seconds): our next packet's origin and receive fields. */
  PeerTransmitSeconds = 29,
  PeerTransmitFraction = 30,
  PeerReceive = 31,
  /** A broadcast server's last mode-5 transmit time, and the smallest round-trip delay of the last calibration exchange (Infinity while none). */
  BroadcastTransmitSeconds = 32,
  BroadcastTransmitFraction = 33,
  CalibratedDelay = 34,
  Size = 35,
}

/** chrony's selectdata state characters, as SourceField.SelectState holds them. */
export const enum SelectState {
  Selected = 42, // '*'
  Combined = 43, // '+'
  Distant = 68, // 'D'
  Loop = 76, // 'L'
  Missing = 77, // 'M'
  Noselect = 78, // 'N'
  Stale = 83, // 'S'
  Falseticker = 120, // 'x'
}

/**
 * One upstream source. Its numbers are in `state`; the properties are what cannot be a number
 * (or what the tests and sync/events.ts read by name), the hot ones first: Espruino finds a
 * property by walking them in creation order. The optional ones exist only on the sources that
 * use them.
 */
export interface Source {
  state: Float64Array;
  /** Dotted quad once resolved, '' before. */
  address: string;
  /** chronyc's sources state character: '*', '+', '-', 'x' or '?'. */
  status: string;
  options: ServerOptions;
  /** Samples' statistics: from the first sample on. */
  stats?: SourceStats;
  /** Cooked time of the last valid sample (0 = none). */
  lastSampleTime: number;
  /** From the first reply on. */
  lastPacket?: LastPacket;
  /** Its socket and local port (sync/events.ts binds them); a peer's is the NTP port's socket. */
  socket?: UdpSocket | null;
  localPort?: number;
  timer: number;
  /** The GPS reference clock (samples from its driver, not from packets). */
  refclock?: boolean;
  /** A broadcast server we follow: polled only to measure the delay, sampled from its mode-5 packets. */
  broadcast?: boolean;
  /** The `pool` this source's address came from (its options are the pool's). */
  pool?: Pool;
}

export function create(options: ServerOptions): Source {
  const state = new Float64Array(SourceField.Size);
  state[SourceField.PollLog2] = options.minPollLog2;
  state[SourceField.BurstLeft] = options.iburst ? IBURST_COUNT : 0;
  state[SourceField.PeerMode] = options.peer ? 1 : 0;
  state[SourceField.Leap] = Leap.Unsynchronised;
  state[SourceField.SelectState] = SelectState.Missing;
  state[SourceField.SelectScore] = 1;
  state[SourceField.OriginSeconds] = -1;
  state[SourceField.ServerTransmitSeconds] = -1;
  state[SourceField.PeerTransmitSeconds] = -1;
  state[SourceField.BroadcastTransmitSeconds] = -1;
  state[SourceField.CalibratedDelay] = Infinity;
  return { state: state, address: '', status: '?', options: options, lastSampleTime: 0, timer: -1 };
}

/** The name its log lines go by: a pool source's own address (its options name the pool). */
export function hostOf(source: Source): string {
  return source.pool ? source.address : source.options.host;
}

/** The NTP source a name or address names (-1: none; the refclock is not managed by address). */
export function find(sources: Source[], host: string): number {
  for (let i = 0; i < sources.length; i++) {
    if (sources[i].refclock) continue;
    if (hostOf(sources[i]) === host || sources[i].address === host) return i;
  }
  return -1;
}

export function setAddress(source: Source, address: string): void {
  source.address = address;
  const value = ipv4.parseIpv4(address);
  source.state[SourceField.ReferenceId] = value < 0 ? 0 : value;
}

/** Seconds until the next request: 2 s inside a burst, else the poll interval. */
export function nextInterval(source: Source): number {
  return source.state[SourceField.BurstLeft] > 0 ? BURST_INTERVAL : Math.pow(2, source.state[SourceField.PollLog2]);
}

/** Called at each poll of a pool source (sync/pool.ts): counts its falseticker polls; true when it should be replaced. */
export function shouldReplace(source: Source): boolean {
  const state = source.state;
  state[SourceField.FalsetickerPolls] = state[SourceField.SelectState] === SelectState.Falseticker ? state[SourceField.FalsetickerPolls] + 1 : 0;
  const unreachable = state[SourceField.Reach] === 0 && state[SourceField.Sent] >= UNREACHABLE_POLLS;
  return unreachable || state[SourceField.FalsetickerPolls] >= FALSETICKER_POLLS;
}
