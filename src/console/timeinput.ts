/**
 * The times `settime` accepts (a subset of chronyc's get_date), all UTC:
 * `HH:MM[:SS]` (today), `YYYY-MM-DD HH:MM[:SS]`, `Mon DD[,] YYYY HH:MM[:SS]`,
 * `@UNIXSECONDS`, and `now`.
 */
import { daysFromCivil, MONTH_NAMES } from '../clock/calendar';
import { isDigits } from '../text/parse';

/** Digits only, within [min, max]; NaN otherwise. */
function whole(text: string, min: number, max: number): number {
  if (!isDigits(text, 1, 4)) return NaN;
  const value = +text;
  return value >= min && value <= max ? value : NaN;
}

/** Seconds of the day of `HH:MM[:SS]`, NaN when it is not one. */
function timeOfDay(text: string): number {
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 3) return NaN;
  return whole(parts[0], 0, 23) * 3600 + whole(parts[1], 0, 59) * 60 + (parts.length > 2 ? whole(parts[2], 0, 59) : 0);
}

/** Days since 1970 of a date; NaN for a part that is missing or a day the month does not have. */
function date(year: number, month: number, day: number): number {
  if (!(year >= 1970) || month !== month || day !== day) return NaN;
  const first = daysFromCivil(year, month, 1);
  const next = month === 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, month + 1, 1);
  return day <= next - first ? first + day - 1 : NaN;
}

/** Unix seconds of the words of a `settime` line; NaN when they are not a time. `now` is our time then. */
export function parseTime(words: string[], now: number): number {
  if (words.length === 1 && words[0] === 'now') return now;
  if (words.length === 1 && words[0].charAt(0) === '@') {
    // @SECONDS[.FRACTION]: digits, then at most one point and more digits.
    const number = words[0].substring(1);
    const point = number.indexOf('.');
    const integerPart = point < 0 ? number : number.substring(0, point);
    const fraction = point < 0 ? '' : number.substring(point + 1);
    return isDigits(integerPart, 1, 20) && isDigits(fraction, 0, 20) ? +number : NaN;
  }
  const time = timeOfDay(words[words.length - 1]);
  let days = NaN;
  if (words.length === 1) {
    days = Math.floor(now / 86400);
  } else if (words.length === 2) {
    const parts = words[0].split('-');
    if (parts.length === 3) days = date(whole(parts[0], 0, 9999), whole(parts[1], 1, 12), whole(parts[2], 1, 31));
  } else if (words.length === 4) {
    const name = words[0].length === 3 ? MONTH_NAMES.indexOf(words[0].charAt(0).toUpperCase() + words[0].substring(1).toLowerCase()) : -1;
    const day = words[1].charAt(words[1].length - 1) === ',' ? words[1].substring(0, words[1].length - 1) : words[1];
    if (name >= 0 && name % 3 === 0) days = date(whole(words[2], 0, 9999), name / 3 + 1, whole(day, 1, 31));
  }
  return days * 86400 + time;
}
