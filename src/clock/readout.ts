/**
 * Reading the local clock (clock/local.ts): served and ideal time from a raw count. The least
 * a reader needs, for the GPS receiver kept in memory; what the rest read (the time now, the
 * root dispersion served) is served.ts.
 */
import type { LocalClock } from './local';

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
