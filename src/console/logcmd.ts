/** `log measurements|tracking [N]`: the last lines of an in-memory statistics log, with chrony's banner. */
import type { Appliance } from '../appliance';
import * as textLog from '../stats/textlog';

const DEFAULT_LINES = 10;

export function showLog(app: Appliance, args: string[]): string | null {
  if (args.length < 1 || args.length > 2) return null;
  const log = args[0] === 'measurements' ? app.statistics.measurements : args[0] === 'tracking' ? app.statistics.tracking : null;
  if (log === null) return null;
  let lines = DEFAULT_LINES;
  if (args.length === 2) {
    lines = +args[1];
    if (!(lines >= 0 && lines <= log.capacity && Math.floor(lines) === lines)) return null;
  }
  return textLog.text(log, lines);
}
