import { civilFromDays } from '../clock/calendar';

/**
 * Text helpers for chronyc-style reports. Written without Date or padStart
 * so the output is identical on Espruino and on a computer.
 */

export function padRight(text: string, width: number): string {
  while (text.length < width) text += ' ';
  return text;
}

export function padLeft(text: string, width: number): string {
  while (text.length < width) text = ' ' + text;
  return text;
}

function twoDigits(value: number): string {
  return value < 10 ? '0' + value : '' + value;
}

const DAY_NAMES = 'ThuFriSatSunMonTueWed'; // 1970-01-01 was a Thursday
const MONTH_NAMES = 'JanFebMarAprMayJunJulAugSepOctNovDec';

/** C's "%a %b %d %H:%M:%S %Y" in UTC, as chronyc prints reference times. */
export function utcDateTime(unixSeconds: number): string {
  const seconds = Math.floor(unixSeconds);
  const days = Math.floor(seconds / 86400);
  const secondOfDay = seconds - days * 86400;
  const date = civilFromDays(days);
  const weekday = ((days % 7) + 7) % 7;
  return DAY_NAMES.substr(weekday * 3, 3) + ' ' + MONTH_NAMES.substr((date.month - 1) * 3, 3) + ' ' + twoDigits(date.day) + ' ' +
    twoDigits(Math.floor(secondOfDay / 3600)) + ':' + twoDigits(Math.floor(secondOfDay / 60) % 60) + ':' +
    twoDigits(secondOfDay % 60) + ' ' + date.year;
}

/** "%+.Nf" */
export function signedFixed(value: number, digits: number): string {
  return (value < 0 ? '-' : '+') + Math.abs(value).toFixed(digits);
}

/** chronyc's print_seconds: an age in 4 columns (s, then m, h, d, y). */
export function age(seconds: number): string {
  const whole = seconds > 0 ? Math.floor(seconds) : 0; // a step back in time is not a negative age
  if (whole < 1200) return padLeft('' + whole, 4);
  if (whole < 36000) return padLeft(Math.floor(whole / 60) + 'm', 4);
  if (whole < 345600) return padLeft(Math.floor(whole / 3600) + 'h', 4);
  if (whole < 31536000 * 2) return padLeft(Math.floor(whole / 86400) + 'd', 4);
  return padLeft(Math.floor(whole / 31536000) + 'y', 4);
}

/** A labelled report line, chronyc's "%-15s : value" layout (width varies by report). */
export function field(label: string, width: number, value: string): string {
  return padRight(label, width) + ': ' + value + '\n';
}
