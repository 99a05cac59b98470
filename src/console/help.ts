/**
 * `help` (command group ntpd-cmd-help): every command with its usage and summary, read from
 * each group's own table. It loads the groups one at a time and lets each go before the
 * next, so that listing them all never holds more than one group in memory.
 */
import type { Appliance } from '../appliance';
import { ConsoleGroup } from '../modules';
import type { Output } from './commands';
import { ConsoleText } from './shell';
import type * as reportsGroup from './reportcmds';

const HELP_COLUMN = 28;

/** Usage and summary in two columns; a usage too long for its column gets a line of its own. */
function helpLine(usage: string, summary: string): string {
  if (usage.length >= HELP_COLUMN) usage += '\n';
  let column = usage.length - usage.lastIndexOf('\n') - 1;
  while (column++ < HELP_COLUMN) usage += ' ';
  return usage + summary + '\n';
}

/** A group's table as help lines. */
function helpLines(table: string): string {
  const lines = table.split('\n');
  let text = '';
  for (let i = 0; i < lines.length; i++) {
    const tab = lines[i].indexOf('\t');
    if (tab > 0) text += helpLine(lines[i].substring(0, tab), lines[i].substring(tab + 1));
  }
  return text;
}

/**
 * Runs `help` (commands.ts, Group): the group's one command. Written group by group (a Later
 * that finishes at once), so that the whole text is never in memory with a group's module.
 */
export function run(app: Appliance, _name: string, args: string[]): Output {
  if (args.length !== 0) return null;
  return function (write, done) {
    const groups = [ConsoleGroup.Tracking, ConsoleGroup.Reports, ConsoleGroup.Details, ConsoleGroup.Server, ConsoleGroup.Sources, ConsoleGroup.Clock, ConsoleGroup.Step, ConsoleGroup.Access,
      ConsoleGroup.Config, ConsoleGroup.Log, ConsoleGroup.System];
    write(helpLines(table()));
    for (let i = 0; i < groups.length; i++) {
      // Every on-demand module goes (this one and the dispatcher too, which keep running till
      // they return): the group loaded last is let go before the next is loaded.
      app.platform.release();
      // Typed as a module, not as Group: see dispatch (commands.ts).
      write(helpLines((app.platform.load(groups[i]) as typeof reportsGroup).table()));
    }
    write(helpLine(ConsoleText.ReplCommand, 'Hand the console to the JavaScript REPL (ntpConsole() returns)'));
    done();
    return function () {};
  };
}

/** This group's commands: usage, tab, summary (commands.ts, Group). */
export function table(): string {
  return 'help\tList the commands\n';
}
