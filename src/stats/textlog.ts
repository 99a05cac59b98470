/**
 * A bounded in-memory log file, as chrony's `log measurements tracking`
 * writes to disk: a header and the newest lines, oldest dropped first.
 */

export interface TextLog {
  lines: string[];
  capacity: number;
  /** Lines dropped because the log was full. */
  dropped: number;
}

// Its header is not kept here: a string held in RAM on the device; text() is given it.
export function create(capacity: number): TextLog {
  return { lines: [], capacity: capacity, dropped: 0 };
}

export function append(log: TextLog, line: string): void {
  if (log.lines.length >= log.capacity) {
    log.lines.shift();
    log.dropped++;
  }
  log.lines.push(line);
}

/** chrony's banner (a rule, the column names, a rule) and the last `count` lines (all when count < 0). */
export function text(log: TextLog, header: string, count: number): string {
  let rule = '';
  for (let i = 0; i < header.length; i++) rule += '=';
  let result = rule + '\n' + header + '\n' + rule + '\n';
  const first = count < 0 || count > log.lines.length ? 0 : log.lines.length - count;
  for (let i = first; i < log.lines.length; i++) result += log.lines[i] + '\n';
  return result;
}
