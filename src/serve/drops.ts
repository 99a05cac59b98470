/**
 * The responder's drop counters summed (serverstats, the status page). A module of its own: the
 * report that shows it must not load the general request path with it.
 */
import { Counter } from './responder';
import type { Responder } from './responder';

/** Requests dropped, all reasons together. */
export function dropped(responder: Responder): number {
  const counters = responder.counters;
  let total = 0;
  for (let counter = Counter.DropShort; counter < Counter.DropsEnd; counter++) total += counters[counter];
  return total;
}
