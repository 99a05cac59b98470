/**
 * NMEA 0183 reader for a GPS/GNSS receiver on a serial port: assembles lines
 * from chunks split anywhere, checks the `*HH` checksum, and parses the
 * sentences that carry time (RMC, ZDA, GGA) from any talker (GP, GN, GL, GA,
 * BD, GB, ...). Nothing here throws on input: every rejected sentence is
 * counted by reason in `reader.counts`, because a serial line delivers noise
 * and a time server must keep running through it.
 *
 * Memory is fixed: one line buffer of at most MAX_LINE_CHARS characters, and
 * typed arrays for the counters and for the numbers of the last sentence read
 * (ReaderSlot), reused for every sentence. On the device this file's reading
 * functions are part of the GPS driver's kept module (receiver.ts), so they
 * are few; `create` and `feed`, which hand each sentence over as a Fix
 * object, are for tests and tools, and the firmware does not carry them.
 */
import { daysFromCivil } from '../clock/calendar';
import { NmeaCount } from './counters';

export { NMEA_COUNTERS as COUNTERS, NMEA_COUNTER_NAMES as COUNTER_NAMES } from './counters';

export const enum NmeaLimit {
  /**
   * NMEA 0183 caps a sentence at 82 characters with `$` and CR LF, but real
   * receivers exceed it (Trimble RTK GGA: 91, SkyTraq PSTI: 99): allow more,
   * and drop longer lines as noise.
   */
  MaxLineChars = 120,
  /** 1024 GPS weeks: the week-number rollover period. */
  RolloverSeconds = 619315200,
  /**
   * Default floor for dates (2025-01-01): a date before it is taken to come from
   * a receiver hit by the week-number rollover and is moved on by 1024 weeks.
   * This code did not exist before then, so no true date is older; the
   * correction stays right until 1024 weeks after the floor (2044-08).
   */
  DefaultRolloverFloorUnix = 1735689600,
}

export const MAX_LINE_CHARS = NmeaLimit.MaxLineChars;
export const GPS_ROLLOVER_SECONDS = NmeaLimit.RolloverSeconds;
export const DEFAULT_ROLLOVER_FLOOR_UNIX = NmeaLimit.DefaultRolloverFloorUnix;

/** Indices of `reader.counts` (counters.ts NmeaCount). */
export const ACCEPTED = NmeaCount.Accepted;
export const BAD_CHECKSUM = NmeaCount.BadChecksum;
export const NO_CHECKSUM = NmeaCount.NoChecksum;
export const TOO_LONG = NmeaCount.TooLong;
export const UNKNOWN_TYPE = NmeaCount.UnknownType;
export const MALFORMED = NmeaCount.Malformed;
export const INVALID_TIME = NmeaCount.InvalidTime;

/** A time-carrying sentence's type, as a number in ReaderSlot.Kind. */
export const enum SentenceKind {
  RMC = 0,
  ZDA = 1,
  GGA = 2,
}

/** The slots of `reader.values`: the reader's state and options, then the last sentence read. */
export const enum ReaderSlot {
  /** 0: between lines (skipping to `$`), 1: assembling, 2: line too long, skipping to its end. */
  LineState = 0,
  /** 1: accept sentences without `*HH` (see Options). */
  AcceptNoChecksum = 1,
  /** See NmeaLimit.DefaultRolloverFloorUnix; 0 turns the correction off. */
  RolloverFloorUnix = 2,
  /** The last sentence accepted (the Fix fields): SentenceKind. */
  Kind = 3,
  /** Its talker's two letters, as first char code × 256 + second. */
  Talker = 4,
  SecondsOfDay = 5,
  UnixSeconds = 6,
  /** 1 when valid, else 0. */
  Valid = 7,
  FixQuality = 8,
  Satellites = 9,
  /** Slots the reader uses: an owner may keep its own numbers after them in the same array. */
  Count = 10,
}

/** What the reading functions use: the GPS driver's reader is only this. */
export interface LineReader {
  /** Characters after `$` of the line being assembled; never longer than MAX_LINE_CHARS. */
  line: string;
  counts: Uint32Array;
  /** ReaderSlot numbers (an owner's may follow). */
  values: Float64Array;
}

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

/** A reader that hands each sentence over as a Fix object (tests and tools). */
export interface Reader extends LineReader {
  fix: Fix;
  onFix: (fix: Fix) => void;
}

const KINDS: Kind[] = ['RMC', 'ZDA', 'GGA'];

export function create(onFix: (fix: Fix) => void, options?: Options): Reader {
  const values = new Float64Array(ReaderSlot.Count);
  values[ReaderSlot.AcceptNoChecksum] = options && options.acceptNoChecksum ? 1 : 0;
  values[ReaderSlot.RolloverFloorUnix] = options && options.rolloverFloorUnix !== undefined ? options.rolloverFloorUnix : DEFAULT_ROLLOVER_FLOOR_UNIX;
  return {
    line: '', counts: new Uint32Array(NmeaCount.Count), values: values,
    fix: { kind: 'RMC', talker: '', secondsOfDay: NaN, unixSeconds: NaN, valid: false, fixQuality: -1, satellites: -1 },
    onFix: onFix,
  };
}

function deliverFix(reader: Reader): void {
  const values = reader.values;
  const fix = reader.fix;
  const talker = values[ReaderSlot.Talker];
  fix.kind = KINDS[values[ReaderSlot.Kind]];
  fix.talker = String.fromCharCode(Math.floor(talker / 256), talker % 256);
  fix.secondsOfDay = values[ReaderSlot.SecondsOfDay];
  fix.unixSeconds = values[ReaderSlot.UnixSeconds];
  fix.valid = values[ReaderSlot.Valid] === 1;
  fix.fixQuality = values[ReaderSlot.FixQuality];
  fix.satellites = values[ReaderSlot.Satellites];
  reader.onFix(fix);
}

/** Feeds serial data (see readSentences); each accepted sentence goes to the reader's onFix. */
export function feed(reader: Reader, chunk: string): void {
  readSentences(reader, chunk, deliverFix, reader);
}

/**
 * Feeds serial data (a binary string, split anywhere): each sentence accepted
 * is left in `reader.values` and `onSentence(owner)` is called. A line ends at CR, LF
 * or the next `$` (a receiver that lost a line end still gets its sentence
 * checked). Bytes between lines are skipped. The scan jumps between
 * delimiters with indexOf, which is native, instead of stepping through
 * characters in interpreted code: at 9600 baud that is ~1000 steps a second
 * saved.
 */
export function readSentences<T>(reader: LineReader, chunk: string, onSentence: (owner: T) => void, owner: T): void {
  const values = reader.values;
  const length = chunk.length;
  let i = 0;
  while (i < length) {
    const dollar = chunk.indexOf('$', i);
    if (values[ReaderSlot.LineState] === 0) {
      if (dollar < 0) return;
      values[ReaderSlot.LineState] = 1;
      reader.line = '';
      i = dollar + 1;
      continue;
    }
    // The first CR, LF or `$` at or after i, or -1.
    let end = dollar;
    const cr = chunk.indexOf('\r', i);
    if (cr >= 0 && (end < 0 || cr < end)) end = cr;
    const lf = chunk.indexOf('\n', i);
    if (lf >= 0 && (end < 0 || lf < end)) end = lf;
    if (values[ReaderSlot.LineState] === 2) { // skipping the rest of a line that was too long
      if (end < 0) return;
      values[ReaderSlot.LineState] = 0;
      i = end; // a '$' there starts the next line, CR/LF is skipped as between lines
      continue;
    }
    const stop = end < 0 ? length : end;
    if (reader.line.length + stop - i > NmeaLimit.MaxLineChars) {
      reader.counts[NmeaCount.TooLong]++;
      values[ReaderSlot.LineState] = 2;
      reader.line = '';
      i = stop;
    } else if (end < 0) {
      reader.line += chunk.substring(i);
      return;
    } else {
      const text = reader.line + chunk.substring(i, end);
      values[ReaderSlot.LineState] = 0;
      reader.line = '';
      i = end;
      if (parseSentence(reader, text)) onSentence(owner);
    }
  }
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
 * One line without `$` and line end: checksum, address, then the sentence's
 * fields. True when it was accepted (its numbers are in reader.values); a
 * rejected line is counted by reason. One function for the three sentences,
 * because on the device every function of the kept module costs memory for
 * as long as the GPS runs.
 *
 * $--RMC,hhmmss.ss,A,llll.ll,a,yyyyy.yy,a,x.x,x.x,ddmmyy,x.x,a[,m[,s]]
 *   The two-digit year is read in 1980-2079: GPS time begins in 1980, and a
 *   receiver hit by the 1024-week rollover (it shows 1999 in 2019) is then
 *   still 1024 weeks early, which the rollover floor corrects; read as 2099 it
 *   could not be. A field 13 (NMEA 4.1 navigational status, 'V' = not
 *   provided) is ignored; mode 'N' (field 12, "data not valid") clears valid.
 * $--ZDA,hhmmss.ss,dd,mm,yyyy,zh,zm (the local zone fields are not needed).
 * $--GGA,hhmmss.ss,llll.ll,a,yyyyy.yy,a,q,nn,... Quality 1-5 (GPS, DGPS,
 *   PPS, RTK, float RTK) is a satellite fix; 6 (dead reckoning), 7 (manual)
 *   and 8 (simulator) are not a time to serve.
 * The time: `hhmmss` or `hhmmss.f...`. Second 60 is accepted: receivers show
 * the leap second as 23:59:60, and its Unix time repeats the next midnight
 * (POSIX has no leap seconds).
 */
function parseSentence(reader: LineReader, text: string): boolean {
  const counts = reader.counts;
  const values = reader.values;
  const star = text.lastIndexOf('*');
  const end = star < 0 ? text.length : star;
  let sum = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 || c > 126) { // binary noise inside the line
      counts[NmeaCount.Malformed]++;
      return false;
    }
    sum ^= c;
  }
  if (star < 0) {
    counts[NmeaCount.NoChecksum]++;
    if (values[ReaderSlot.AcceptNoChecksum] === 0) return false;
  } else {
    const high = '0123456789ABCDEF'.indexOf(text.charAt(star + 1).toUpperCase());
    const low = '0123456789ABCDEF'.indexOf(text.charAt(star + 2).toUpperCase());
    if (text.length !== star + 3 || high < 0 || low < 0 || high * 16 + low !== sum) {
      counts[NmeaCount.BadChecksum]++;
      return false;
    }
  }
  const fields = text.substring(0, end).split(',');
  const address = fields[0];
  const type = address.substring(2);
  const kind = type === 'RMC' ? SentenceKind.RMC : type === 'ZDA' ? SentenceKind.ZDA : type === 'GGA' ? SentenceKind.GGA : -1;
  if (address.length !== 5 || address.charAt(0) === 'P' || kind < 0) {
    counts[NmeaCount.UnknownType]++;
    return false;
  }
  const talker0 = address.charCodeAt(0);
  const talker1 = address.charCodeAt(1);
  if (talker0 < 65 || talker0 > 90 || talker1 < 65 || talker1 > 90) { // not two upper-case letters
    counts[NmeaCount.Malformed]++;
    return false;
  }
  values[ReaderSlot.Kind] = kind;
  values[ReaderSlot.Talker] = talker0 * 256 + talker1;
  values[ReaderSlot.FixQuality] = -1;
  values[ReaderSlot.Satellites] = -1;
  values[ReaderSlot.UnixSeconds] = NaN;
  // The fields before the time: a counter index when they are wrong, the date when there is one.
  let error = -1;
  let year = -1;
  let month = -1;
  let day = -1;
  let quality = -1;
  if (kind === SentenceKind.RMC) {
    const date = fields.length < 10 ? '' : fields[9];
    if (fields.length < 10 || (fields[2] !== 'A' && fields[2] !== 'V')) error = NmeaCount.Malformed;
    else if (date !== '') {
      day = digits(date, 0, 2);
      month = digits(date, 2, 2);
      year = digits(date, 4, 2);
      if (date.length !== 6 || day < 0 || month < 0 || year < 0) error = NmeaCount.Malformed;
      else year += year < 80 ? 2000 : 1900;
    }
  } else if (kind === SentenceKind.ZDA) {
    if (fields.length < 5) error = NmeaCount.Malformed;
    else if (fields[2] !== '' || fields[3] !== '' || fields[4] !== '') {
      day = digits(fields[2], 0, 2);
      month = digits(fields[3], 0, 2);
      year = digits(fields[4], 0, 4);
      if (fields[2].length !== 2 || fields[3].length !== 2 || fields[4].length !== 4 || day < 0 || month < 0 || year < 0) error = NmeaCount.Malformed;
    }
  } else if (fields.length < 8) {
    error = NmeaCount.Malformed;
  } else {
    const qualityText = fields[6];
    const satellitesText = fields[7];
    quality = qualityText.length === 1 ? digits(qualityText, 0, 1) : -1;
    const satellites = satellitesText === '' ? -1 : satellitesText.length <= 2 ? digits(satellitesText, 0, satellitesText.length) : -1;
    if (quality < 0 || quality > 8 || (satellites < 0 && satellitesText !== '')) error = NmeaCount.Malformed;
    values[ReaderSlot.FixQuality] = quality;
    values[ReaderSlot.Satellites] = satellites;
  }
  let days = -1;
  if (error < 0 && year >= 0) {
    const monthDays = month === 2 ? ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28) :
      month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
    if (month < 1 || month > 12 || day < 1 || day > monthDays) error = NmeaCount.InvalidTime;
    else days = daysFromCivil(year, month, day);
  }
  if (error < 0) {
    const time = fields[1];
    if (time === '') values[ReaderSlot.SecondsOfDay] = NaN;
    else {
      const hours = digits(time, 0, 2);
      const minutes = digits(time, 2, 2);
      const seconds = digits(time, 4, 2);
      let fraction = 0;
      if (hours < 0 || minutes < 0 || seconds < 0) error = NmeaCount.Malformed;
      else if (time.length > 6) {
        if (time.charAt(6) !== '.' || digits(time, 7, time.length - 7) < 0) error = NmeaCount.Malformed;
        else fraction = time.length > 7 ? +time.substring(6) : 0;
      }
      if (error < 0 && (hours > 23 || minutes > 59 || seconds > 60)) error = NmeaCount.InvalidTime;
      if (error < 0) {
        const secondsOfDay = hours * 3600 + minutes * 60 + seconds + fraction;
        values[ReaderSlot.SecondsOfDay] = secondsOfDay;
        if (days >= 0) values[ReaderSlot.UnixSeconds] = days * 86400 + secondsOfDay;
      }
    }
  }
  if (error >= 0) {
    counts[error]++;
    return false;
  }
  const unixSeconds = values[ReaderSlot.UnixSeconds];
  let valid: boolean;
  if (kind === SentenceKind.RMC) valid = fields[2] === 'A' && (fields.length > 12 ? fields[12] : '') !== 'N' && unixSeconds === unixSeconds;
  else if (kind === SentenceKind.ZDA) valid = unixSeconds === unixSeconds;
  else valid = quality >= 1 && quality <= 5 && values[ReaderSlot.SecondsOfDay] === values[ReaderSlot.SecondsOfDay];
  values[ReaderSlot.Valid] = valid ? 1 : 0;
  const floor = values[ReaderSlot.RolloverFloorUnix];
  if (unixSeconds === unixSeconds && floor > 0 && unixSeconds < floor) {
    values[ReaderSlot.UnixSeconds] = unixSeconds + Math.ceil((floor - unixSeconds) / NmeaLimit.RolloverSeconds) * NmeaLimit.RolloverSeconds;
  }
  counts[NmeaCount.Accepted]++;
  return true;
}
