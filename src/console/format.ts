import { civilFromDays, MONTH_NAMES } from '../clock/calendar';
import { padLeft } from './fields';

/**
 * Text helpers for chronyc-style reports: dates, ages, offsets, frequencies. Written without
 * Date or padStart so the output is identical on Espruino and on a computer. (Padding and
 * labelled lines are in fields.ts, which more of the console needs than these.)
 */

function twoDigits(value: number): string {
  return value < 10 ? '0' + value : '' + value;
}

/** C's "%a %b %d %H:%M:%S %Y" in UTC, as chronyc prints reference times. */
export function utcDateTime(unixSeconds: number): string {
  const seconds = Math.floor(unixSeconds);
  const days = Math.floor(seconds / 86400);
  const secondOfDay = seconds - days * 86400;
  const date = civilFromDays(days);
  const weekday = ((days % 7) + 7) % 7;
  // 1970-01-01 was a Thursday.
  return 'ThuFriSatSunMonTueWed'.substr(weekday * 3, 3) + ' ' + MONTH_NAMES.substr((date.month - 1) * 3, 3) + ' ' + twoDigits(date.day) + ' ' +
    clockTime(secondOfDay) + ' ' + date.year;
}

/** chrony's log form, "%Y-%m-%d %H:%M:%S" in UTC (manual list). */
export function logDateTime(unixSeconds: number): string {
  const seconds = Math.floor(unixSeconds);
  const days = Math.floor(seconds / 86400);
  const secondOfDay = seconds - days * 86400;
  const date = civilFromDays(days);
  return date.year + '-' + twoDigits(date.month) + '-' + twoDigits(date.day) + ' ' + clockTime(secondOfDay);
}

/** "HH:MM:SS" of a second of the day. */
export function clockTime(secondOfDay: number): string {
  return twoDigits(Math.floor(secondOfDay / 3600)) + ':' + twoDigits(Math.floor(secondOfDay / 60) % 60) + ':' + twoDigits(secondOfDay % 60);
}

/** "%+.Nf" */
export function signedFixed(value: number, digits: number): string {
  return (value < 0 ? '-' : '+') + Math.abs(value).toFixed(digits);
}

/** chronyc's print_seconds: an age in 4 columns (s, then m, h, d, y); "-" when unknown (NaN). */
export function age(seconds: number): string {
  if (seconds !== seconds) return '   -';
  const whole = seconds > 0 ? Math.floor(seconds) : 0; // a step back in time is not a negative age
  if (whole < 1200) return padLeft('' + whole, 4);
  if (whole < 36000) return padLeft(Math.floor(whole / 60) + 'm', 4);
  if (whole < 345600) return padLeft(Math.floor(whole / 3600) + 'h', 4);
  const days = Math.floor(whole / 86400);
  return days > 999 ? padLeft(Math.floor(days / 365) + 'y', 4) : padLeft(days + 'd', 4);
}

/** C's "%W.0f" / "%+W.0f" / "%W.1f": fixed point, padded to a width. */
function fixedWidth(value: number, digits: number, width: number, signed: boolean): string {
  const text = signed ? signedFixed(value, digits) : value.toFixed(digits);
  return padLeft(text, width);
}

/**
 * chronyc's offset columns (print_nanoseconds / print_signed_nanoseconds):
 * ns, us, ms in 4 digits, then seconds, minutes, hours, days, years.
 */
function seconds(value: number, signed: boolean): string {
  const magnitude = Math.abs(value);
  const shown = signed ? value : magnitude;
  const width = signed ? 5 : 4;
  for (let i = 0; i < 3; i++) {
    const scale = i === 0 ? 1e-9 : i === 1 ? 1e-6 : 1e-3;
    if (magnitude < 9999.5 * scale) return fixedWidth(shown / scale, 0, width, signed) + 'nsusms'.substr(i * 2, 2);
  }
  if (magnitude < 999.5) return fixedWidth(shown, 1, width + 1, signed) + 's';
  if (magnitude < 99999.5) return fixedWidth(shown, 0, width + 1, signed) + 's';
  if (magnitude < 99999.5 * 60) return fixedWidth(shown / 60, 0, width + 1, signed) + 'm';
  if (magnitude < 99999.5 * 3600) return fixedWidth(shown / 3600, 0, width + 1, signed) + 'h';
  if (magnitude < 99999.5 * 86400) return fixedWidth(shown / 86400, 0, width + 1, signed) + 'd';
  return fixedWidth(shown / (86400 * 365), 0, width + 1, signed) + 'y';
}

/** An unsigned time in 6 columns with its unit, e.g. "  12us". */
export function duration(value: number): string {
  return seconds(value, false);
}

/** A signed time in 7 columns with its unit, e.g. "  -12us". */
export function signedDuration(value: number): string {
  return seconds(value, true);
}

/** A frequency in ppm in 10 columns (3 decimals while they fit), optionally signed. */
export function ppm(value: number, signed: boolean): string {
  return fixedWidth(value, Math.abs(value) < 99999.5 ? 3 : 0, 10, signed);
}

/** chronyc's "Leap status" words for a leap indicator. */
export function leapStatus(leap: number): string {
  return leap === 0 ? 'Normal' : leap === 1 ? 'Insert second' : leap === 2 ? 'Delete second' : 'Not synchronised';
}
