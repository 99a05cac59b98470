/**
 * Console commands: a table of name → handler. A handler returns its whole
 * output; a bad argument is a one-line error and changes nothing.
 */
import type { Appliance } from '../appliance';
import { splitWords } from '../config';
import * as reports from './reports';

interface Command {
  usage: string;
  summary: string;
  /** Returns the text to print, or null when the arguments are invalid. */
  run: (app: Appliance, args: string[]) => string | null;
}

function noArguments(report: (app: Appliance) => string): (app: Appliance, args: string[]) => string | null {
  return function (app, args) {
    return args.length === 0 ? report(app) : null;
  };
}

export const COMMANDS: { [name: string]: Command } = {
  help: { usage: 'help', summary: 'List the commands', run: noArguments(help) },
  tracking: { usage: 'tracking', summary: 'Display system time information', run: noArguments(reports.tracking) },
  serverstats: { usage: 'serverstats', summary: 'Display statistics of the server', run: noArguments(reports.serverstats) },
  clients: { usage: 'clients', summary: 'Report on clients that accessed the server', run: noArguments(reports.clients) },
  config: { usage: 'config', summary: 'Display the configuration in force', run: noArguments(reports.configuration) },
};

/** Names that are not table commands because they act on the console itself. */
export const REPL_COMMAND = 'repl';

function help(): string {
  let text = '';
  for (const name in COMMANDS) {
    if (COMMANDS.hasOwnProperty(name)) text += pad(COMMANDS[name].usage) + COMMANDS[name].summary + '\n';
  }
  return text + pad(REPL_COMMAND) + 'Hand the console to the JavaScript REPL (ntpConsole() returns)\n';
}

function pad(text: string): string {
  while (text.length < 24) text += ' ';
  return text;
}

/** Runs one command line; returns its output (ending in a newline, or empty). */
export function run(app: Appliance, line: string): string {
  const words = splitWords(line);
  if (words.length === 0) return '';
  const name = words[0];
  const command = COMMANDS.hasOwnProperty(name) ? COMMANDS[name] : undefined;
  if (!command) return 'Unrecognized command: ' + name + ' (try help)\n';
  const output = command.run(app, words.slice(1));
  return output === null ? 'Invalid syntax for ' + name + ' (usage: ' + command.usage + ')\n' : output;
}
