/**
 * `log measurements|tracking [N]` (command group ntpd-cmd-log): the last lines of an in-memory
 * statistics log, with chrony's banner.
 */
import type { Appliance } from '../appliance';
import { logText } from '../stats/logtext';
import { LOG_LINES } from '../stats/statistics';
import type { Output } from './commands';

const DEFAULT_LINES = 10;

/** Runs `log` (commands.ts, Group): the group's one command. */
export function run(app: Appliance, _name: string, args: string[]): Output {
  if (args.length < 1 || args.length > 2) return null;
  let lines = DEFAULT_LINES;
  if (args.length === 2) {
    lines = +args[1];
    if (!(lines >= 0 && lines <= LOG_LINES && Math.floor(lines) === lines)) return null;
  }
  return logText(app.statistics, args[0], lines);
}

/** This group's commands: usage, tab, summary (commands.ts, Group). */
export function table(): string {
  return 'log measurements|tracking [<lines>]\tShow the newest lines of a statistics log\n';
}
