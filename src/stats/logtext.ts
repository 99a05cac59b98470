/**
 * chrony's `measurements` and `tracking` log lines, written from the records the
 * statistics hold (statistics.ts) when a log is read: by `log` on the console and
 * the status page's /log/ paths.
 */
import { exponentialText } from '../text/number';
import { civilFromDays } from '../clock/calendar';
import * as ipv4 from '../net/ipv4';
import * as refid from '../ntp/refid';
import { testsText } from '../sync/lastpacket';
import * as recordLog from './recordlog';
import type { RecordLog } from './recordlog';
import type { Statistics } from './statistics';
import { MeasurementBits, MeasurementWord, TrackingBits, TrackingWord } from './statistics';

export const MEASUREMENTS_HEADER =
  '   Date (UTC) Time     IP Address   L St 123 567 ABCD  LP RP Score    Offset  Peer del. Peer disp.  Root del. Root disp. Refid     MTxRx';
export const TRACKING_HEADER =
  '   Date (UTC) Time     IP Address   St   Freq ppm   Skew ppm     Offset L Co  Offset sd Rem. corr. Root delay Root disp. Max. error';

/** chrony's leap codes, by our Leap values (None, Insert, Delete, Unsynchronised). */
const LEAP_CODES = 'N+-?';

/** The `measurements` or `tracking` log with chrony's banner, its last `count` lines (all when count < 0); null for another name. */
export function logText(statistics: Statistics, name: string, count: number): string | null {
  if (name === 'measurements') return text(statistics.measurements, MEASUREMENTS_HEADER, count, measurementLine);
  if (name === 'tracking') return text(statistics.tracking, TRACKING_HEADER, count, trackingLine);
  return null;
}

/** chrony's banner (a rule, the column names, a rule) and the last `count` records' lines. */
function text(log: RecordLog | null, header: string, count: number, line: (log: RecordLog, at: number) => string): string {
  let rule = '';
  for (let i = 0; i < header.length; i++) rule += '=';
  let result = rule + '\n' + header + '\n' + rule + '\n';
  // No log before the first record.
  const records = log === null ? 0 : log.count;
  const first = count < 0 || count > records ? 0 : records - count;
  for (let i = first; i < records; i++) result += line(log as RecordLog, recordLog.recordAt(log as RecordLog, i)) + '\n';
  return result;
}

function measurementLine(log: RecordLog, at: number): string {
  const words = log.words;
  const figures = log.figures;
  const packed = words[at + MeasurementWord.Packed];
  return logTime(words[at + MeasurementWord.Time]) + ' ' + padRight(ipv4.toDottedQuad(words[at + MeasurementWord.Address]), 15) + ' ' +
    LEAP_CODES.charAt(packed >>> MeasurementBits.Leap & 3) + ' ' + padLeft('' + (packed >>> MeasurementBits.Stratum & 31), 2) + ' ' +
    testsText(packed >>> MeasurementBits.Tests & 1023) + '  ' + padLeft('' + ((packed >>> MeasurementBits.OurPoll & 63) - 32), 2) + ' ' +
    padLeft('' + ((packed >>> MeasurementBits.PeerPoll & 63) - 32), 2) + ' ' + padLeft(figures[at + MeasurementWord.Score].toFixed(2), 4) + ' ' +
    exponent3(figures[at + MeasurementWord.Offset]) + ' ' + exponent3(figures[at + MeasurementWord.Delay]) + ' ' +
    exponent3(figures[at + MeasurementWord.Dispersion]) + ' ' + exponent3(figures[at + MeasurementWord.RootDelay]) + ' ' +
    exponent3(figures[at + MeasurementWord.RootDispersion]) + ' ' + refid.toHex(words[at + MeasurementWord.ReferenceId]) + ' ' +
    (packed >>> MeasurementBits.Mode & 7) + 'B D D';
}

function trackingLine(log: RecordLog, at: number): string {
  const words = log.words;
  const figures = log.figures;
  const packed = words[at + TrackingWord.Packed];
  const name = words[at + TrackingWord.Name];
  const rootDelay = figures[at + TrackingWord.RootDelay];
  const rootDispersion = figures[at + TrackingWord.RootDispersion];
  return logTime(words[at + TrackingWord.Time]) + ' ' +
    padRight(packed >>> TrackingBits.Refclock & 1 ? refid.toAscii(name) : ipv4.toDottedQuad(name), 15) + ' ' +
    padLeft('' + (packed >>> TrackingBits.Stratum & 31), 2) + ' ' + padLeft(figures[at + TrackingWord.FreqPpm].toFixed(3), 10) + ' ' +
    padLeft(figures[at + TrackingWord.SkewPpm].toFixed(3), 10) + ' ' + exponent3(figures[at + TrackingWord.Offset]) + ' ' +
    LEAP_CODES.charAt(packed >>> TrackingBits.Leap & 3) + ' ' + padLeft('' + (packed >>> TrackingBits.Combined & 31), 2) + ' ' +
    exponent3(figures[at + TrackingWord.OffsetSd]) + ' ' + exponent3(figures[at + TrackingWord.Remaining]) + ' ' +
    exponent3(rootDelay) + ' ' + exponent3(rootDispersion) + ' ' + exponent3(rootDelay / 2 + rootDispersion);
}

function twoDigits(value: number): string {
  return value < 10 ? '0' + value : '' + value;
}

/** "YYYY-MM-DD HH:MM:SS" in UTC, as chrony's log files. */
export function logTime(unixSeconds: number): string {
  const seconds = Math.floor(unixSeconds);
  const days = Math.floor(seconds / 86400);
  const secondOfDay = seconds - days * 86400;
  const date = civilFromDays(days);
  return date.year + '-' + twoDigits(date.month) + '-' + twoDigits(date.day) + ' ' + twoDigits(Math.floor(secondOfDay / 3600)) + ':' +
    twoDigits(Math.floor(secondOfDay / 60) % 60) + ':' + twoDigits(secondOfDay % 60);
}

function padLeft(value: string, width: number): string {
  while (value.length < width) value = ' ' + value;
  return value;
}

function padRight(value: string, width: number): string {
  while (value.length < width) value += ' ';
  return value;
}

/** C's "%10.3e": JavaScript writes e-5 where C writes e-05. */
export function exponent3(value: number): string {
  if (!isFinite(value)) return padLeft('' + value, 10);
  const digitsText = exponentialText(value, 3);
  const e = digitsText.indexOf('e');
  const digits = digitsText.substring(e + 2);
  return padLeft(digitsText.substring(0, e + 2) + (digits.length < 2 ? '0' + digits : digits), 10);
}
