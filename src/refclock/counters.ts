/**
 * The GPS driver's and the NMEA reader's counters: indices and names, in a module of their own so
 * that the console's reports can name them without loading the driver.
 */

/** Indices of the driver's `gps.counts`. */
export const PULSES = 0;
export const PAIRED = 1; // labels that agreed with the locked count
export const STALE = 2; // labels that disagreed with it (rejected)
export const BAD_PULSES = 3; // edges that were not whole seconds after the previous pulse
export const UNLABELLED = 4; // pulses while the count was not locked
export const NMEA_ONLY = 5; // coarse samples from sentences without pulses
export const NO_FIX = 6; // sentences reporting no fix
export const RELOCKS = 7;
export const COUNTERS = 8;

/** The NMEA reader's counts, by outcome of a line. */
export const NMEA_COUNTERS = 7;
export const NMEA_COUNTER_NAMES = ['accepted', 'bad checksum', 'no checksum', 'too long', 'unknown type', 'malformed', 'invalid time/date'];
