/**
 * The GPS driver's and the NMEA reader's counters: indices and names, in a module of their own so
 * that the console's reports can name them without loading the driver. The indices are const
 * enums too: the driver's kept module (receiver.ts) has them written into its code, so it holds
 * no variable for them.
 */

/** Indices of the driver's `gps.counts`. */
export const enum GpsCount {
  Pulses = 0,
  /** Labels that agreed with the locked count. */
  Paired = 1,
  /** Labels that disagreed with it (rejected). */
  Stale = 2,
  /** Edges that were not whole seconds after the previous pulse. */
  BadPulses = 3,
  /** Pulses while the count was not locked. */
  Unlabelled = 4,
  /** Coarse samples from sentences without pulses. */
  NmeaOnly = 5,
  /** Sentences reporting no fix. */
  NoFix = 6,
  Relocks = 7,
  Count = 8,
}

/** Indices of the NMEA reader's `reader.counts`, by outcome of a line. */
export const enum NmeaCount {
  /** RMC/ZDA/GGA delivered. */
  Accepted = 0,
  /** `*HH` present but wrong or not two hex digits. */
  BadChecksum = 1,
  /** No `*`: rejected unless acceptNoChecksum (counted either way). */
  NoChecksum = 2,
  /** More than MAX_LINE_CHARS before the line end. */
  TooLong = 3,
  /** Checksum good, but not RMC/ZDA/GGA (GSV, GSA, proprietary...). */
  UnknownType = 4,
  /** Bytes outside 0x20-0x7E, bad address, missing or non-numeric field. */
  Malformed = 5,
  /** Digits fine but out of range: 25:00, 31 February... */
  InvalidTime = 6,
  Count = 7,
}

export const PULSES = GpsCount.Pulses;
export const PAIRED = GpsCount.Paired;
export const STALE = GpsCount.Stale;
export const BAD_PULSES = GpsCount.BadPulses;
export const UNLABELLED = GpsCount.Unlabelled;
export const NMEA_ONLY = GpsCount.NmeaOnly;
export const NO_FIX = GpsCount.NoFix;
export const RELOCKS = GpsCount.Relocks;
export const COUNTERS = GpsCount.Count;

export const NMEA_COUNTERS = NmeaCount.Count;
export const NMEA_COUNTER_NAMES = ['accepted', 'bad checksum', 'no checksum', 'too long', 'unknown type', 'malformed', 'invalid time/date'];
