/**
 * Reading the local clock (clock/local.ts): served and ideal time from a raw count, and the
 * root dispersion served with it. A module of its own so that what only reads the clock (the
 * GPS receiver kept in memory, a poll, a reply, a request, a report) loads it without the rest
 * of local.ts, which changes the clock.
 */
import { Leap } from '../ntp/header';
import type { LocalClock } from './local';

/** RFC 5905 MAXDISP: what an unsynchronised clock claims. */
export const MAX_DISPERSION = 16;
export const STRATUM_UNSYNCHRONISED = 16;

/** RFC 5905 PHI: the assumed worst-case frequency tolerance, 15 ppm. */
export const DISPERSION_RATE = 15e-6;

/** Served time at `raw`: cooked = raw + offset + freq × (raw − raw0). */
export function cook(clock: LocalClock, raw: number): number {
  return raw + clock.offset + clock.freq * (raw - clock.raw0);
}

/**
 * The part of the phase correction not yet slewed in, at `raw`. Negative
 * after the slew's end time if the slew ran late: that overshoot is real.
 */
export function pendingCorrection(clock: LocalClock, raw: number): number {
  return clock.slewAmount - clock.slewFreq * (raw - clock.slewStartRaw);
}

/** Served time plus what is still to be slewed in: the time the clock is steering to. */
export function idealTime(clock: LocalClock, raw: number): number {
  return cook(clock, raw) + pendingCorrection(clock, raw);
}

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
