/**
 * Civil (proleptic Gregorian, UTC) dates from day counts, without Date:
 * Espruino's Date lacks Date.UTC and the output must not depend on a time zone.
 */

/** The months' English abbreviations, three letters each (chronyc's dates, and the dates `settime` reads). */
export const MONTH_NAMES = 'JanFebMarAprMayJunJulAugSepOctNovDec';

export interface CivilDate {
  year: number;
  month: number; // 1-12
  day: number; // 1-31
}

/** Days since 1970-01-01 → civil date (Howard Hinnant's algorithm, eras of 400 years). */
export function civilFromDays(days: number): CivilDate {
  const shifted = days + 719468;
  const era = Math.floor(shifted / 146097);
  const dayOfEra = shifted - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  return {
    year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0),
    month: month,
    day: dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1,
  };
}

/** Days from 1970-01-01 of a civil date (Howard Hinnant's days_from_civil, the inverse of civilFromDays). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** True when the UTC day holding `unixSeconds` is the last of its month (when leap seconds happen). */
export function isLastDayOfMonth(unixSeconds: number): boolean {
  return civilFromDays(Math.floor(unixSeconds / 86400) + 1).day === 1;
}
