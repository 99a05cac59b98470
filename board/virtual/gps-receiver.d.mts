/** A scripted episode, [from, to) in the receiver's true time (seconds since its epoch). Second s is in it when from ≤ s < to. */
export interface GpsInterval {
  from: number;
  to: number;
}
/**
 * all: no pulses, no sentences (antenna or receiver gone); pps: no pulses; nmea: no sentences;
 * fix: no pulses, and sentences that say there is no fix (RMC V, GGA quality 0, 0 satellites; time still stated).
 */
export interface GpsOutage extends GpsInterval {
  what: 'all' | 'pps' | 'nmea' | 'fix';
}
export type GpsSentenceType = 'RMC' | 'GGA' | 'ZDA' | 'VTG' | 'GSA' | 'GSV' | 'GLL';

export interface GpsReceiverOptions {
  /** Seeds every second's draws (default 1). */
  seed?: number;
  /** Unix second that true time 0 is (whole seconds, default 0: times are Unix times). */
  epoch?: number;
  /** True time the receiver starts at; its first second is the first whole one at or after it (default 0). */
  startTime?: number;
  /** UART speed, 8N1 (default 9600). */
  baud?: number;
  /** Talker of the sentences (default 'GN'; GSV is always 'GP'). */
  talker?: string;
  /** Sentences sent each second, in this order (default ['RMC', 'GGA']). */
  sentences?: GpsSentenceType[];
  /** Seconds from the pulse to the first byte of that second's sentences (default 0.35). */
  nmeaDelay?: number;
  /** Standard deviation added to nmeaDelay, seconds (default 0.05); the delay stays in [0.005, 0.95]. */
  nmeaJitter?: number;
  /** Standard deviation of the pulse's time around the second, seconds (default 1e-6; clamped to ±0.4 s). */
  ppsJitter?: number;
  /** Seconds the pulse stays active (default 0.1). */
  pulseWidth?: number;
  /** Active-low pulse: the falling edge marks the second (default false). */
  ppsInverted?: boolean;
  /** Serial data comes in chunks of 1 … this many bytes, sizes drawn at random (default 32). */
  maxChunkBytes?: number;
  /** Added to the date the sentences state, whole days (e.g. -GPS_WEEK_ROLLOVER_SECONDS); the time of day stays right. */
  dateErrorSeconds?: number;
  /** Sentences after the pulse of second s state s − 1. */
  stale?: GpsInterval[];
  outages?: GpsOutage[];
  /** Position stated (degrees, metres) and the usual number of satellites used (drawn ±1 each second). */
  latitude?: number;
  longitude?: number;
  altitude?: number;
  satellites?: number;
}

/** A level change on the PPS wire (level 1 = high). `second`: the second it belongs to. */
export interface GpsEdgeEvent {
  time: number;
  kind: 'edge';
  level: 0 | 1;
  second: number;
}
/** Bytes that have arrived on the UART by `time` (when the last one's stop bit has). */
export interface GpsSerialEvent {
  time: number;
  kind: 'serial';
  chunk: string;
  second: number;
}
export type GpsEvent = GpsEdgeEvent | GpsSerialEvent;

export interface GpsReceiver {
  readonly options: Readonly<Required<Omit<GpsReceiverOptions, 'stale' | 'outages'>> & { stale: readonly GpsInterval[]; outages: readonly GpsOutage[] }>;
  /** Every event at or before `time` not handed out yet, in time order. */
  eventsUntil(time: number): GpsEvent[];
  /** When the next event is; or, when none comes within ~10 s, a time to ask again (nothing comes before it). */
  nextTime(): number;
  /** Forgets everything before `time` (after a host sleep: a UART would have overflowed). */
  skipTo(time: number): void;
}

export const GPS_WEEK_ROLLOVER_SECONDS: number;
/** Where the receiver is wired on the appliance's ESP32 (board/espruino/ESP32.json ntpAppliance.gps). */
export const ESP32_GPS_WIRING: Readonly<{ uart: string; rx: string; tx: string; baud: number; pps: string }>;
export const SENTENCE_TYPES: readonly GpsSentenceType[];
export const OUTAGE_KINDS: readonly GpsOutage['what'][];

export function createGpsReceiver(options?: GpsReceiverOptions): GpsReceiver;
/** `$`, body, `*HH`, CR LF. */
export function nmeaLine(body: string): string;
/** What a UART at `uartBaud` reads from `chunk` sent at `lineBaud` (8N1): the same bytes at equal rates, garbage otherwise. */
export function uartRead(chunk: string, lineBaud: number, uartBaud: number): string;
