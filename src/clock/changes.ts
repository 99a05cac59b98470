/**
 * The local clock's change handlers (chrony's LCL_AddParameterChangeHandler): whoever corrects
 * the clock or its reference state notifies, and each party that keeps something derived from
 * it (the responder's reply header, ntpq's system events) has registered once, at start-up. A
 * module of its own: app.ts registers from the resident core, which must not pull in the rest
 * of clock/local.ts.
 */
import type { LocalClock } from './local';

/** Registers `handler(argument)`: a resident function and its argument rather than a closure. */
export function addChangeHandler<T>(clock: LocalClock, handler: (argument: T) => void, argument: T): void {
  clock.changeHandlers.push(handler, argument);
}

/** Runs the change handlers, in the order they were registered. */
export function notifyChange(clock: LocalClock): void {
  const handlers = clock.changeHandlers;
  for (let i = 0; i < handlers.length; i += 2) (handlers[i] as (argument: unknown) => void)(handlers[i + 1]);
}
