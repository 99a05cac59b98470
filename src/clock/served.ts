/**
 * The clock as it is served and reported, read without changing it: the time now, the root
 * dispersion served with it, the frequency chronyc shows. A module of its own so that what only
 * reads the clock (a poll, a reply, a request, ntpq, a report) loads it without the rest of
 * local.ts, which changes the clock; it re-exports readout.ts, so a reader imports one module.
 */
import { Leap } from '../ntp/header';
import type { LocalClock } from './local';
import { cook, DISPERSION_RATE } from './readout';

export { cook, DISPERSION_RATE, idealTime, pendingCorrection } from './readout';

/** RFC 5905 MAXDISP: what an unsynchronised clock claims. */
export const MAX_DISPERSION = 16;
export const STRATUM_UNSYNCHRONISED = 16;

/** The crystal's frequency error in ppm, as chronyc's `tracking` shows it: positive when the raw clock runs fast. */
export function frequencyPpm(clock: LocalClock): number {
  const base = clock.baseFreq;
  return -base / (1 + base) * 1e6;
}

export function now(clock: LocalClock): number {
  return cook(clock, clock.readRaw());
}

/** Root dispersion now: the value at the last update plus PHI × elapsed. */
export function rootDispersionAt(clock: LocalClock, cookedNow: number): number {
  if (clock.leap === Leap.Unsynchronised) return MAX_DISPERSION;
  const elapsed = cookedNow - clock.referenceTime;
  return clock.rootDispersion + DISPERSION_RATE * (elapsed > 0 ? elapsed : 0);
}
