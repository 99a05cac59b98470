/**
 * Whether the local clock follows an upstream source: a module of its own so that the reports
 * that ask (tracking, the status page) read it without loading local.ts, which changes the clock.
 */
import { Leap } from '../ntp/header';
import { LOCAL_REFERENCE_ID } from '../ntp/refid';
import type { LocalClock } from './local';

/** True while the clock follows an upstream source (not local, not unsynchronised). */
export function synchronisedToSource(clock: LocalClock): boolean {
  return clock.leap !== Leap.Unsynchronised && clock.referenceId !== LOCAL_REFERENCE_ID && clock.referenceTime > 0;
}
