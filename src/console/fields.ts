/**
 * Padding and chronyc's labelled lines, for the console's reports and listings. Written
 * without padStart so the output is identical on Espruino and on a computer. Apart from
 * format.ts (dates, ages, offsets): a command that needs only these loads only these.
 */

export function padRight(text: string, width: number): string {
  while (text.length < width) text += ' ';
  return text;
}

export function padLeft(text: string, width: number): string {
  while (text.length < width) text = ' ' + text;
  return text;
}

/** A labelled report line, chronyc's "%-15s : value" layout (width varies by report). */
export function field(label: string, width: number, value: string): string {
  return padRight(label, width) + ': ' + value + '\n';
}
