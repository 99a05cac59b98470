/**
 * Parsers for the words people type (configuration, key and leap-second
 * files, console commands): strict, never throwing, NaN for a bad number.
 */

/** A number (decimal, optionally signed, optionally fractional or with an exponent) in [min, max], or NaN. */
export function parseNumber(text: string | undefined, min: number, max: number): number {
  if (text === undefined || text === '') return NaN;
  for (let i = 0; i < text.length; i++) {
    if ('0123456789.-+eE'.indexOf(text.charAt(i)) < 0) return NaN;
  }
  const value = +text;
  return value >= min && value <= max ? value : NaN;
}

/** An integer in [min, max], or NaN. */
export function parseInteger(text: string | undefined, min: number, max: number): number {
  if (text === undefined || text === '' || text === '-') return NaN;
  for (let i = text.charAt(0) === '-' ? 1 : 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
  }
  const value = +text;
  return value >= min && value <= max ? value : NaN;
}

/** The words of a line, split at spaces. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  const parts = line.split(' ');
  for (let i = 0; i < parts.length; i++) {
    const word = parts[i].trim();
    if (word !== '') words.push(word);
  }
  return words;
}

/**
 * Whether `text` is `minDigits` to `maxDigits` decimal digits and nothing else. Written out, not as
 * a regular expression: Espruino's engine gets `[0-9]{1,4}` and `[0-9]?` wrong (both fail to match
 * there, measured in 2v29).
 */
export function isDigits(text: string, minDigits: number, maxDigits: number): boolean {
  if (text.length < minDigits || text.length > maxDigits) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}
