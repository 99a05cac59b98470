/**
 * A leap-second list in the IETF leap-seconds.list format, as chrony's
 * `leapseclist` reads it: data lines `NTPSECONDS TAI-UTC [# date]` (the
 * moment, in NTP seconds, from which TAI-UTC has that value), `#@ EXPIRY`
 * (NTP seconds after which the list must not be believed), and comments
 * (`#$` last update, `#h` hash and plain `#` lines, all ignored).
 *
 * Only the newest entries can lie ahead, so only the last MAX_ENTRIES are
 * kept, and the text is scanned line by line without splitting it (on the
 * board it is memory-mapped flash). Parsing never throws: a bad line is
 * reported by number and skipped.
 */
import type { ConfigError } from '../config/types';
import { Leap } from '../ntp/header';
import { NTP_UNIX_OFFSET } from '../ntp/timestamp';
import type { LeapSecondList } from './leapseclist';
import { MAX_ENTRIES } from './leapseclist';

/** Errors reported per file; past this only their count. */
const MAX_ERRORS = 8;
const DAY = 86400;

export interface ParsedLeapSecondList {
  list: LeapSecondList;
  errors: ConfigError[];
  /** Bad lines past the first MAX_ERRORS. */
  moreErrors: number;
}

/** A non-negative decimal integer, or NaN. */
function unsigned(text: string): number {
  if (text === '' || text.length > 15) return NaN;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
  }
  return +text;
}

/** Words separated by blanks and tabs. */
function words(line: string): string[] {
  const out: string[] = [];
  const parts = line.split('\t').join(' ').split(' ');
  for (let i = 0; i < parts.length; i++) if (parts[i] !== '') out.push(parts[i]);
  return out;
}

export function parse(text: string): ParsedLeapSecondList {
  const result: ParsedLeapSecondList = { list: { entries: [], expiry: Infinity }, errors: [], moreErrors: 0 };
  const entries = result.list.entries;
  let lastTime = -1;
  let lastOffset = NaN;
  let expirySeen = false;
  function fail(line: number, message: string): void {
    if (result.errors.length < MAX_ERRORS) result.errors.push({ line: line, message: message });
    else result.moreErrors++;
  }
  let start = 0;
  for (let number = 1; start < text.length; number++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let line = text.substring(start, end);
    start = end + 1;
    if (line.charAt(line.length - 1) === '\r') line = line.substring(0, line.length - 1);
    if (line.substring(0, 2) === '#@') {
      const expiry = unsigned(words(line.substring(2)).join(' '));
      if (expiry !== expiry || expirySeen) fail(number, expirySeen ? 'a second expiry (#@) line' : 'the expiry (#@) needs one number of NTP seconds');
      else {
        result.list.expiry = expiry - NTP_UNIX_OFFSET;
        expirySeen = true;
      }
      continue;
    }
    const hash = line.indexOf('#');
    const fields = words(hash >= 0 ? line.substring(0, hash) : line);
    if (fields.length === 0) continue;
    const time = unsigned(fields[0]);
    const offset = unsigned(fields.length > 1 ? fields[1] : '');
    if (fields.length !== 2 || time !== time || offset !== offset) {
      fail(number, 'want NTPSECONDS TAI-UTC [# comment]');
      continue;
    }
    if (time % DAY !== 0) {
      fail(number, 'a leap second takes effect at midnight: ' + time + ' is not a whole number of days');
      continue;
    }
    if (time <= lastTime) {
      fail(number, 'entries must be in time order');
      continue;
    }
    const change = offset - lastOffset;
    if (lastOffset === lastOffset && change !== 1 && change !== -1) {
      fail(number, 'TAI-UTC may change by one second at a time (' + lastOffset + ' to ' + offset + ')');
      continue;
    }
    // The first entry states the starting offset; each later one is a leap second before its midnight.
    if (lastOffset === lastOffset) {
      entries.push({ midnight: time - NTP_UNIX_OFFSET, leap: change > 0 ? Leap.InsertSecond : Leap.DeleteSecond });
      if (entries.length > MAX_ENTRIES) entries.shift();
    }
    lastTime = time;
    lastOffset = offset;
  }
  return result;
}

