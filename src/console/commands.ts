/**
 * The console's dispatcher (on-demand module ntpd-console, loaded for each line typed and
 * let go after): it finds the group a command belongs to and loads that group's module only.
 * On the device every function object a module creates costs JsVars while it is loaded, so
 * the commands are split into groups (src/modules.ts, ConsoleGroup), each a small module:
 * loading one costs a few hundred JsVars where all of them together cost thousands.
 *
 * A group module exports `run` and `table` (the Group type below). A command returns its whole
 * output, or null for invalid arguments (a one-line error; nothing changes), or — for a command
 * that has to wait (waitsync, add server) — a Later: a function the console starts, which writes
 * as it goes and calls done() once at the end. Synchronous commands stay plain strings.
 */
import type { Appliance } from '../appliance';
import { ConsoleGroup } from '../modules';
import type * as reportsGroup from './reportcmds';
import { splitWords } from '../text/parse';

/**
 * A command that finishes later: it writes its output through `write`, calls
 * `done` exactly once when finished, and returns a function that stops it
 * early (after which it neither writes nor calls `done`).
 */
export type Later = (write: (text: string) => void, done: () => void) => () => void;

/** What a command returns: the text to print, a Later, or null when the arguments are invalid. */
export type Output = string | Later | null;

/** A command group's module. */
export interface Group {
  /** Runs command `name` of this group (the dispatcher only passes names the group has). */
  run: (app: Appliance, name: string, args: string[]) => Output;
  /**
   * The group's commands, one line each: the usage (starting with the command's name), a tab,
   * the summary. Code, not data: the text is created only when help or a usage message asks.
   */
  table: () => string;
}

/**
 * The group module of a command ('' for none). A switch costs nothing per case while the
 * module is loaded, where a table would hold an entry per command. Each group's table()
 * lists the same commands (a test checks that the two agree).
 */
export function groupOf(name: string): string {
  switch (name) {
    case 'tracking':
      return ConsoleGroup.Tracking;
    case 'sources':
    case 'sourcestats':
    case 'selectdata':
    case 'activity':
      return ConsoleGroup.Reports;
    case 'refclocks':
    case 'ntpdata':
      return ConsoleGroup.Details;
    case 'serverstats':
    case 'clients':
      return ConsoleGroup.Server;
    case 'add':
    case 'delete':
    case 'burst':
    case 'minpoll':
    case 'maxpoll':
    case 'minstratum':
    case 'maxdelay':
    case 'maxdelayratio':
    case 'offline':
    case 'online':
      return ConsoleGroup.Sources;
    case 'allow':
    case 'deny':
    case 'cmdallow':
    case 'cmddeny':
    case 'accheck':
    case 'cmdaccheck':
      return ConsoleGroup.Access;
    case 'waitsync':
    case 'local':
    case 'manual':
      return ConsoleGroup.Clock;
    case 'makestep':
    case 'reselect':
    case 'settime':
    case 'dump':
    case 'writertc':
      return ConsoleGroup.Step;
    case 'config':
      return ConsoleGroup.Config;
    case 'log':
      return ConsoleGroup.Log;
    case 'help':
      return ConsoleGroup.Help;
    case 'keys':
    case 'rtcdata':
    case 'uptime':
    case 'status':
    case 'network':
    case 'reboot':
      return ConsoleGroup.System;
  }
  return '';
}

/** A command's usage, from its group's table. */
export function usageOf(table: string, name: string): string {
  const lines = table.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const usage = lines[i].substring(0, lines[i].indexOf('\t'));
    if (usage === name || usage.indexOf(name + ' ') === 0) return usage;
  }
  return name;
}

/** Runs one command line: its output (ending in a newline, or empty), or a Later for a command that waits. */
export function dispatch(app: Appliance, line: string): string | Later {
  const words = splitWords(line);
  if (words.length === 0) return '';
  const name = words[0];
  const module = groupOf(name);
  if (module === '') return 'Unrecognized command: ' + name + ' (try help)\n';
  // Typed as one group module (they all have the Group shape), not as Group: a cast from the
  // untyped load() to one of our interfaces makes the build keep every property name reachable
  // from it (all of Appliance) at full length, a JsVar or two more for each property on the device.
  const group = app.platform.load(module) as typeof reportsGroup;
  const output = group.run(app, name, words.slice(1));
  return output === null ? 'Invalid syntax for ' + name + ' (usage: ' + usageOf(group.table(), name) + ')\n' : output;
}

/**
 * Runs one command line and returns its output. A command that waits is
 * started and stopped again after what it writes at once (the console uses
 * dispatch, which lets it run to its end).
 */
export function run(app: Appliance, line: string): string {
  const result = dispatch(app, line);
  if (typeof result === 'string') return result;
  let text = '';
  let finished = false;
  const stop = result(function (chunk) {
    text += chunk;
  }, function () {
    finished = true;
  });
  if (!finished) stop();
  return text;
}
