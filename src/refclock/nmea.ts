/**
 * NMEA 0183 reader for a GPS/GNSS receiver on a serial port: assembles lines
 * from chunks split anywhere, checks the `*HH` checksum, and parses the
 * sentences that carry time (RMC, ZDA, GGA) from any talker (GP, GN, GL, GA,
 * BD, GB, ...). Nothing here throws on input: every rejected sentence is
 * counted by reason in `reader.counts`, because a serial line delivers noise
 * and a time server must keep running through it.
 *
 * Memory is fixed: one line buffer of at most MAX_LINE_CHARS characters, one
 * counter array and one result object reused for every sentence.
 */
import { daysFromCivil } from '../clock/calendar';

/**
 * NMEA 0183 caps a sentence at 82 characters with `$` and CR LF, but real
 * receivers exceed it (Trimble RTK GGA: 91, SkyTraq PSTI: 99): allow more,
 * and drop longer lines as noise.
 */
export const MAX_LINE_CHARS = 120;

/** Indices of `reader.counts`. */
export const ACCEPTED = 0; // RMC/ZDA/GGA delivered to onFix
export const BAD_CHECKSUM = 1; // `*HH` present but wrong or not two hex digits
export const NO_CHECKSUM = 2; // no `*`: rejected unless acceptNoChecksum (counted either way)
export const TOO_LONG = 3; // more than MAX_LINE_CHARS before the line end
export const UNKNOWN_TYPE = 4; // checksum good, but not RMC/ZDA/GGA (GSV, GSA, proprietary...)
export const MALFORMED = 5; // bytes outside 0x20-0x7E, bad address, missing or non-numeric field
export const INVALID_TIME = 6; // digits fine but out of range: 25:00, 31 February...
import { NMEA_COUNTERS as COUNTERS } from './counters';
export { NMEA_COUNTERS as COUNTERS, NMEA_COUNTER_NAMES as COUNTER_NAMES } from './counters';

/** 1024 GPS weeks: the week-number rollover period. */
export const GPS_ROLLOVER_SECONDS = 619315200;
/**
 * Default floor for dates (2025-01-01): a date before it is taken to come from
 * a receiver hit by the week-number rollover and is moved on by 1024 weeks.
 * This code did not exist before then, so no true date is older; the
 * correction stays right until 1024 weeks after the floor (2044-08).
 */
export const DEFAULT_ROLLOVER_FLOOR_UNIX = 1735689600;

export type Kind = 'RMC' | 'ZDA' | 'GGA';

/** One time-carrying sentence. The reader reuses this object: copy what you keep. */
export interface Fix {
  kind: Kind;
  /** Two letters before the sentence type: 'GP', 'GN', 'GL', 'BD'... */
  talker: string;
  /** UTC time of day with its fraction; NaN when the receiver sent an empty time field. */
  secondsOfDay: number;
  /** Time and date as Unix seconds; NaN when the sentence has no date (GGA) or an empty one. */
  unixSeconds: number;
  /**
   * The receiver vouches for its fix: RMC status A (and mode not N) with a
   * time and date, GGA quality 1-5 with a time. ZDA has no flag: true whenever time and date are present
   * (receivers keep sending ZDA from their own clock without a fix).
   */
  valid: boolean;
  /** GGA fix quality 0-8; -1 for RMC and ZDA. */
  fixQuality: number;
  /** GGA satellites used; -1 when absent or not GGA. */
  satellites: number;
}

export interface Options {
  /** Accept sentences without `*HH` (default false: a flipped digit would go unseen). */
  acceptNoChecksum?: boolean;
  /** See DEFAULT_ROLLOVER_FLOOR_UNIX; 0 turns the correction off. */
  rolloverFloorUnix?: number;
}

export interface Reader {
  /** Characters after `$` of the line being assembled; never longer than MAX_LINE_CHARS. */
  line: string;
  /** 0: between lines (skipping to `$`), 1: assembling, 2: line too long, skipping to its end. */
  state: number;
  counts: Uint32Array;
  acceptNoChecksum: boolean;
  rolloverFloorUnix: number;
  fix: Fix;
  onFix: (fix: Fix) => void;
}

export function create(onFix: (fix: Fix) => void, options?: Options): Reader {
  const floor = options && options.rolloverFloorUnix !== undefined ? options.rolloverFloorUnix : DEFAULT_ROLLOVER_FLOOR_UNIX;
  return {
    line: '', state: 0, counts: new Uint32Array(COUNTERS),
    acceptNoChecksum: !!(options && options.acceptNoChecksum), rolloverFloorUnix: floor,
    fix: { kind: 'RMC', talker: '', secondsOfDay: NaN, unixSeconds: NaN, valid: false, fixQuality: -1, satellites: -1 },
    onFix: onFix,
  };
}

/**
 * Feeds serial data (a binary string, split anywhere). A line ends at CR, LF
 * or the next `$` (a receiver that lost a line end still gets its sentence
 * checked). Bytes between lines are skipped. The scan jumps between
 * delimiters with indexOf, which is native, instead of stepping through
 * characters in interpreted code: at 9600 baud that is ~1000 steps a second
 * saved.
 */
export function feed(reader: Reader, chunk: string): void {
  const length = chunk.length;
  let i = 0;
  while (i < length) {
    const dollar = chunk.indexOf('$', i);
    if (reader.state === 0) {
      if (dollar < 0) return;
      reader.state = 1;
      reader.line = '';
      i = dollar + 1;
      continue;
    }
    const end = lineEnd(chunk, i, dollar);
    if (reader.state === 2) { // skipping the rest of a line that was too long
      if (end < 0) return;
      reader.state = 0;
      i = end; // a '$' there starts the next line, CR/LF is skipped as between lines
      continue;
    }
    const stop = end < 0 ? length : end;
    if (reader.line.length + stop - i > MAX_LINE_CHARS) {
      reader.counts[TOO_LONG]++;
      reader.state = 2;
      reader.line = '';
      i = stop;
    } else if (end < 0) {
      reader.line += chunk.substring(i);
      return;
    } else {
      const text = reader.line + chunk.substring(i, end);
      reader.state = 0;
      reader.line = '';
      i = end;
      sentence(reader, text);
    }
  }
}

/** Index of the first CR, LF or `$` (given as `dollar`) at or after `from`, or -1. */
function lineEnd(chunk: string, from: number, dollar: number): number {
  let end = dollar;
  const cr = chunk.indexOf('\r', from);
  if (cr >= 0 && (end < 0 || cr < end)) end = cr;
  const lf = chunk.indexOf('\n', from);
  if (lf >= 0 && (end < 0 || lf < end)) end = lf;
  return end;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 32; // lower case
  return c >= 97 && c <= 102 ? c - 87 : -1;
}

/** One line without `$` and line end: checksum, address, then the sentence's own parser. */
function sentence(reader: Reader, text: string): void {
  const star = text.lastIndexOf('*');
  const end = star < 0 ? text.length : star;
  let sum = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 || c > 126) { // binary noise inside the line
      reader.counts[MALFORMED]++;
      return;
    }
    sum ^= c;
  }
  if (star < 0) {
    reader.counts[NO_CHECKSUM]++;
    if (!reader.acceptNoChecksum) return;
  } else {
    const high = hexDigit(text.charCodeAt(star + 1));
    const low = hexDigit(text.charCodeAt(star + 2));
    if (text.length !== star + 3 || high < 0 || low < 0 || high * 16 + low !== sum) {
      reader.counts[BAD_CHECKSUM]++;
      return;
    }
  }
  const fields = text.substring(0, end).split(',');
  const address = fields[0];
  const type = address.substring(2);
  if (address.length !== 5 || address.charAt(0) === 'P' || (type !== 'RMC' && type !== 'ZDA' && type !== 'GGA')) {
    reader.counts[UNKNOWN_TYPE]++;
    return;
  }
  const talker = address.substring(0, 2);
  if (!isUpper(talker.charCodeAt(0)) || !isUpper(talker.charCodeAt(1))) {
    reader.counts[MALFORMED]++;
    return;
  }
  const fix = reader.fix;
  fix.talker = talker;
  fix.fixQuality = -1;
  fix.satellites = -1;
  fix.unixSeconds = NaN;
  let error: number;
  if (type === 'RMC') error = rmc(fix, fields);
  else if (type === 'ZDA') error = zda(fix, fields);
  else error = gga(fix, fields);
  if (error < 0 && fix.unixSeconds === fix.unixSeconds && reader.rolloverFloorUnix > 0 && fix.unixSeconds < reader.rolloverFloorUnix) {
    fix.unixSeconds += Math.ceil((reader.rolloverFloorUnix - fix.unixSeconds) / GPS_ROLLOVER_SECONDS) * GPS_ROLLOVER_SECONDS;
  }
  if (error >= 0) {
    reader.counts[error]++;
    return;
  }
  reader.counts[ACCEPTED]++;
  reader.onFix(fix);
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

/** The integer written with exactly `count` digits at `start`, or -1. */
function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1; // NaN past the end fails too
    value = value * 10 + d;
  }
  return value;
}

/**
 * `hhmmss` or `hhmmss.f...` → seconds of day; -1 malformed, -2 out of range.
 * Second 60 is accepted: receivers show the leap second as 23:59:60, and its
 * Unix time repeats the next midnight (POSIX has no leap seconds).
 */
function timeOfDay(text: string): number {
  const hours = digits(text, 0, 2);
  const minutes = digits(text, 2, 2);
  const seconds = digits(text, 4, 2);
  if (hours < 0 || minutes < 0 || seconds < 0) return -1;
  let fraction = 0;
  if (text.length > 6) {
    if (text.charAt(6) !== '.' || digits(text, 7, text.length - 7) < 0) return -1;
    fraction = text.length > 7 ? +text.substring(6) : 0;
  }
  if (hours > 23 || minutes > 59 || seconds > 60) return -2;
  return hours * 3600 + minutes * 60 + seconds + fraction;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Day number of a checked date; -2 when out of range. */
function checkedDays(year: number, month: number, day: number): number {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return -2;
  return daysFromCivil(year, month, day);
}

/**
 * Fills secondsOfDay (and unixSeconds from `days` when it is ≥ 0) from the
 * time field. Returns a counter index on error, else -1.
 */
function fillTime(fix: Fix, text: string, days: number): number {
  if (text === '') {
    fix.secondsOfDay = NaN;
    return -1;
  }
  const seconds = timeOfDay(text);
  if (seconds === -1) return MALFORMED;
  if (seconds === -2) return INVALID_TIME;
  fix.secondsOfDay = seconds;
  if (days >= 0) fix.unixSeconds = days * 86400 + seconds;
  return -1;
}

/**
 * $--RMC,hhmmss.ss,A,llll.ll,a,yyyyy.yy,a,x.x,x.x,ddmmyy,x.x,a[,m[,s]]
 * The two-digit year is read in 1980-2079: GPS time begins in 1980, and a
 * receiver hit by the 1024-week rollover (it shows 1999 in 2019) is then
 * still 1024 weeks early, which the rollover floor corrects; read as 2099 it
 * could not be. A field 13 (NMEA 4.1 navigational status, 'V' = not
 * provided) is ignored; mode 'N' (field 12, "data not valid") clears valid.
 */
function rmc(fix: Fix, fields: string[]): number {
  if (fields.length < 10) return MALFORMED;
  fix.kind = 'RMC';
  const status = fields[2];
  if (status !== 'A' && status !== 'V') return MALFORMED;
  let days = -1;
  const date = fields[9];
  if (date !== '') {
    const day = digits(date, 0, 2);
    const month = digits(date, 2, 2);
    const yy = digits(date, 4, 2);
    if (date.length !== 6 || day < 0 || month < 0 || yy < 0) return MALFORMED;
    days = checkedDays(yy < 80 ? 2000 + yy : 1900 + yy, month, day);
    if (days === -2) return INVALID_TIME;
  }
  const error = fillTime(fix, fields[1], days);
  const mode = fields.length > 12 ? fields[12] : '';
  fix.valid = status === 'A' && mode !== 'N' && fix.unixSeconds === fix.unixSeconds;
  return error;
}

/** $--ZDA,hhmmss.ss,dd,mm,yyyy,zh,zm (the local zone fields are not needed). */
function zda(fix: Fix, fields: string[]): number {
  if (fields.length < 5) return MALFORMED;
  fix.kind = 'ZDA';
  let days = -1;
  const dd = fields[2];
  const mm = fields[3];
  const yyyy = fields[4];
  if (dd !== '' || mm !== '' || yyyy !== '') {
    const day = digits(dd, 0, 2);
    const month = digits(mm, 0, 2);
    const year = digits(yyyy, 0, 4);
    if (dd.length !== 2 || mm.length !== 2 || yyyy.length !== 4 || day < 0 || month < 0 || year < 0) return MALFORMED;
    days = checkedDays(year, month, day);
    if (days === -2) return INVALID_TIME;
  }
  const error = fillTime(fix, fields[1], days);
  fix.valid = fix.unixSeconds === fix.unixSeconds;
  return error;
}

/**
 * $--GGA,hhmmss.ss,llll.ll,a,yyyyy.yy,a,q,nn,... Quality 1-5 (GPS, DGPS,
 * PPS, RTK, float RTK) is a satellite fix; 6 (dead reckoning), 7 (manual)
 * and 8 (simulator) are not a time to serve.
 */
function gga(fix: Fix, fields: string[]): number {
  if (fields.length < 8) return MALFORMED;
  fix.kind = 'GGA';
  const qualityText = fields[6];
  const quality = qualityText.length === 1 ? digits(qualityText, 0, 1) : -1;
  const satellitesText = fields[7];
  const satellites = satellitesText === '' ? -1 : satellitesText.length <= 2 ? digits(satellitesText, 0, satellitesText.length) : -1;
  if (quality < 0 || quality > 8 || (satellites < 0 && satellitesText !== '')) return MALFORMED;
  fix.fixQuality = quality;
  fix.satellites = satellites;
  const error = fillTime(fix, fields[1], -1);
  fix.valid = quality >= 1 && quality <= 5 && fix.secondsOfDay === fix.secondsOfDay;
  return error;
}
