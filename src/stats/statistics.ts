/**
 * Statistics the appliance keeps about itself: the clock's history for the
 * status page's chart, and chrony's `measurements` and `tracking` logs, in
 * chrony's line formats, in memory and bounded (there is no disk to log to).
 */
import { exponentialText } from '../text/number';
import { civilFromDays } from '../clock/calendar';
import * as localClock from '../clock/local';
import type { LocalClock } from '../clock/local';
import type { Discipline } from '../clock/discipline';
import * as refid from '../ntp/refid';
import type { Source } from '../sync/source';
import { SourceField } from '../sync/source';
import { LastPacketField, testsText } from '../sync/lastpacket';
import * as history from './history';
import type { History } from './history';
import * as textLog from './textlog';
import type { TextLog } from './textlog';

/** Lines kept per log: about 130 characters each, so ~12 JsVars a line on Espruino. */
export const LOG_LINES = 20;

export const MEASUREMENTS_HEADER =
  '   Date (UTC) Time     IP Address   L St 123 567 ABCD  LP RP Score    Offset  Peer del. Peer disp.  Root del. Root disp. Refid     MTxRx';
export const TRACKING_HEADER =
  '   Date (UTC) Time     IP Address   St   Freq ppm   Skew ppm     Offset L Co  Offset sd Rem. corr. Root delay Root disp. Max. error';

/** chrony's leap codes, by our Leap values (None, Insert, Delete, Unsynchronised). */
const LEAP_CODES = 'N+-?';

export interface Statistics {
  history: History;
  measurements: TextLog;
  tracking: TextLog;
}

export function create(): Statistics {
  return {
    history: history.create(history.HISTORY_SLOTS),
    measurements: textLog.create(LOG_LINES),
    tracking: textLog.create(LOG_LINES),
  };
}

/** The `measurements` or `tracking` log with chrony's banner, its last `count` lines (all when count < 0); null for another name. */
export function logText(statistics: Statistics, name: string, count: number): string | null {
  if (name === 'measurements') return textLog.text(statistics.measurements, MEASUREMENTS_HEADER, count);
  if (name === 'tracking') return textLog.text(statistics.tracking, TRACKING_HEADER, count);
  return null;
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

function padLeft(text: string, width: number): string {
  while (text.length < width) text = ' ' + text;
  return text;
}

function padRight(text: string, width: number): string {
  while (text.length < width) text += ' ';
  return text;
}

/** C's "%10.3e": JavaScript writes e-5 where C writes e-05. */
export function exponent3(value: number): string {
  if (!isFinite(value)) return padLeft('' + value, 10);
  const text = exponentialText(value, 3);
  const e = text.indexOf('e');
  const digits = text.substring(e + 2);
  return padLeft(text.substring(0, e + 2) + (digits.length < 2 ? '0' + digits : digits), 10);
}

/** A source's name in the logs: its address, or a reference clock's id (PPS, GPS). */
function sourceName(source: Source): string {
  return source.refclock ? refid.toAscii(source.state[SourceField.ReferenceId]) : source.address;
}

/** A measurements line for a source's new sample from a packet (chrony logs only NTP measurements there). */
export function recordMeasurement(statistics: Statistics, source: Source, scorePerUnit: number): void {
  const last = source.lastPacket;
  if (source.refclock || !last || last[LastPacketField.Arrival] !== source.lastSampleTime) return;
  const score = scorePerUnit.toFixed(2);
  textLog.append(statistics.measurements, logTime(last[LastPacketField.Arrival]) + ' ' + padRight(source.address, 15) + ' ' +
    LEAP_CODES.charAt(last[LastPacketField.Leap]) + ' ' + padLeft('' + last[LastPacketField.Stratum], 2) + ' ' +
    testsText(last[LastPacketField.Tests]) + '  ' + padLeft('' + source.state[SourceField.PollLog2], 2) + ' ' +
    padLeft('' + last[LastPacketField.PollLog2], 2) + ' ' + padLeft(score, 4) + ' ' +
    exponent3(last[LastPacketField.Offset]) + ' ' + exponent3(last[LastPacketField.Delay]) + ' ' + exponent3(last[LastPacketField.Dispersion]) + ' ' +
    exponent3(last[LastPacketField.RootDelay]) + ' ' + exponent3(last[LastPacketField.RootDispersion]) + ' ' +
    refid.toHex(last[LastPacketField.ReferenceId]) + ' ' + last[LastPacketField.Mode] + 'B D D');
}

/**
 * A clock update: a tracking line and a history slot. `offset` is the
 * correction the update applied (source − local, as the discipline takes it).
 */
export function recordClockUpdate(statistics: Statistics, clock: LocalClock, discipline: Discipline, source: Source,
  offset: number, offsetSd: number, combined: number): void {
  const now = localClock.now(clock);
  const base = clock.baseFreq;
  const freqPpm = -base / (1 + base) * 1e6;
  const distance = clock.rootDelay / 2 + clock.rootDispersion;
  // A slew adds to what was still pending: the remainder of the previous one.
  const remaining = localClock.pendingCorrection(clock, clock.readRaw()) - offset;
  // chrony's signs: offsets are local minus true (positive: we were ahead).
  textLog.append(statistics.tracking, logTime(now) + ' ' + padRight(sourceName(source), 15) + ' ' + padLeft('' + clock.stratum, 2) + ' ' +
    padLeft(freqPpm.toFixed(3), 10) + ' ' + padLeft((discipline.freqSkew * 1e6).toFixed(3), 10) + ' ' + exponent3(-offset) + ' ' +
    LEAP_CODES.charAt(clock.leap) + ' ' + padLeft('' + combined, 2) + ' ' + exponent3(offsetSd) + ' ' + exponent3(-remaining) + ' ' +
    exponent3(clock.rootDelay) + ' ' + exponent3(clock.rootDispersion) + ' ' + exponent3(distance));
  history.record(statistics.history, now, -offset, freqPpm, distance, clock.stratum);
}
