/**
 * chrony's `pool`: one DNS name, resolved again and again (round-robin DNS
 * gives another address each time; Espruino's lookup returns one) until it
 * has given maxSources distinct addresses, each a source with the pool's
 * options. The lookups are bounded: a round of 2 × maxSources, spaced a few
 * seconds apart; if the round leaves places empty, another round follows
 * after a longer and longer pause. A pool source that stays unreachable or
 * keeps being a falseticker is dropped and its place looked up again.
 *
 * This module holds the state and the decisions; sync/associations.ts does the
 * lookups and creates and removes the sources. Whether a pool source is due
 * to be replaced is decided at its poll (source.ts shouldReplace), without this module.
 */
import type { PoolOptions } from '../config/types';
import type { Source } from './source';

/** Seconds between the lookups of a round, and the pause before the first repeated round (doubling to the maximum). */
export const LOOKUP_SPACING = 2;
export const FIRST_ROUND_PAUSE = 64;
export const MAX_ROUND_PAUSE = 4096;

export interface Pool {
  options: PoolOptions;
  /** Lookups left in this round. */
  lookupsLeft: number;
  /** Pause before the next round, seconds. */
  roundPause: number;
  /** A lookup is under way. */
  resolving: boolean;
  /** The timer of the next lookup or round (-1: none). */
  timer: number;
  /** Addresses dropped from this pool, newest last (at most maxSources): not taken again at once. */
  dropped: string[];
}

export function create(options: PoolOptions): Pool {
  return { options: options, lookupsLeft: 0, roundPause: FIRST_ROUND_PAUSE, resolving: false, timer: -1, dropped: [] };
}

/** Starts a round of lookups (2 × maxSources). */
export function startRound(pool: Pool): void {
  pool.lookupsLeft = 2 * pool.options.maxSources;
}

/** The pool's sources among `sources`. */
export function members(pool: Pool, sources: Source[]): number {
  let count = 0;
  for (let i = 0; i < sources.length; i++) if (sources[i].pool === pool) count++;
  return count;
}

/** Whether a looked-up address may become one of the pool's sources. */
export function acceptable(pool: Pool, sources: Source[], address: string): boolean {
  if (pool.dropped.indexOf(address) >= 0) return false;
  for (let i = 0; i < sources.length; i++) if (sources[i].address === address) return false;
  return true;
}

/** Remembers a dropped address (bounded), so the next lookups pass over it. */
export function noteDropped(pool: Pool, address: string): void {
  pool.dropped.push(address);
  if (pool.dropped.length > pool.options.maxSources) pool.dropped.shift();
}
