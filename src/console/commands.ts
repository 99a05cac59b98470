/**
 * Console commands: a table of name → handler. A handler returns its whole
 * output, or null for invalid arguments (a one-line error; nothing changes),
 * or — for a command that has to wait (waitsync, add server) — a Later: a
 * function the console starts, which writes as it goes and calls done() once
 * at the end. Synchronous commands stay plain strings.
 */
import type { Appliance } from '../appliance';
import { splitWords } from '../text/parse';
import { REPL_COMMAND } from './shell';
import * as keys from '../ntp/keys';
import * as accesscmd from './accesscmd';
import * as configcmd from './configcmd';
import * as clockcmd from './clockcmd';
import * as control from './control';
import { showLog } from './logcmd';
import * as networkReport from './network';
import * as reports from './reports';
import * as system from './system';

/**
 * A command that finishes later: it writes its output through `write`, calls
 * `done` exactly once when finished, and returns a function that stops it
 * early (after which it neither writes nor calls `done`).
 */
export type Later = (write: (text: string) => void, done: () => void) => () => void;

interface Command {
  usage: string;
  summary: string;
  /** The text to print, a Later, or null when the arguments are invalid. */
  run: (app: Appliance, args: string[]) => string | Later | null;
}

function noArguments(report: (app: Appliance) => string): (app: Appliance, args: string[]) => string | null {
  return function (app, args) {
    return args.length === 0 ? report(app) : null;
  };
}



const HELP_COLUMN = 28;

function reboot(app: Appliance): string {
  // Let the console print this line first.
  app.platform.after(200, function () {
    app.platform.reboot();
  });
  return 'Rebooting' + (app.editedConfig !== app.storedConfig.text ? ' (unsaved configuration edits dropped)' : '') + '.\n';
}

function listKeys(app: Appliance): string {
  return app.auth.keys.length === 0 ? 'No keys (Storage file ' + app.config.keysFile + ')\n' : keys.describeKeys(app.auth.keys) + '\n';
}

function help(): string {
  let text = '';
  for (const name in COMMANDS) {
    if (COMMANDS.hasOwnProperty(name)) text += helpLine(COMMANDS[name].usage, COMMANDS[name].summary);
  }
  return text + helpLine(REPL_COMMAND, 'Hand the console to the JavaScript REPL (ntpConsole() returns)');
}

/** Usage and summary in two columns; a usage too long for its column gets a line of its own. */
function helpLine(usage: string, summary: string): string {
  if (usage.length >= HELP_COLUMN) usage += '\n';
  let column = usage.length - usage.lastIndexOf('\n') - 1;
  while (column++ < HELP_COLUMN) usage += ' ';
  return usage + summary + '\n';
}

/** Below the functions it names: Espruino creates a function only when execution reaches its declaration. */
export const COMMANDS: { [name: string]: Command } = {
  help: { usage: 'help', summary: 'List the commands', run: noArguments(help) },
  tracking: { usage: 'tracking', summary: 'Display system time information', run: noArguments(reports.tracking) },
  sources: { usage: 'sources [-a] [-v]', summary: 'List the time sources and their last samples', run: control.sourceTable(reports.sources) },
  sourcestats: { usage: 'sourcestats [-a] [-v]', summary: 'Show the fit of each source\'s samples', run: control.sourceTable(reports.sourcestatsReport) },
  refclocks: { usage: 'refclocks', summary: 'Show the GPS reference clock: fix, pulses, pairing', run: noArguments(reports.refclocks) },
  ntpdata: { usage: 'ntpdata [<address>]', summary: 'Show the last reply of a source (or of all)', run: control.ntpdata },
  activity: { usage: 'activity', summary: 'Count sources online, offline, bursting', run: noArguments(reports.activity) },
  add: { usage: 'add server <name> [options]', summary: 'Start using a new NTP server', run: control.add },
  delete: { usage: 'delete <address>', summary: 'Stop using a source', run: control.remove },
  burst: { usage: 'burst [<n-good>/<n-max>] [<address>]', summary: 'Send a quick series of requests', run: control.burst },
  minpoll: { usage: 'minpoll <address> <poll>', summary: 'Set a source\'s shortest poll (log2 s)', run: control.pollLimit('minpoll') },
  maxpoll: { usage: 'maxpoll <address> <poll>', summary: 'Set a source\'s longest poll (log2 s)', run: control.pollLimit('maxpoll') },
  offline: { usage: 'offline [<address>]', summary: 'Stop polling (all sources, or some)', run: control.connectivity(true) },
  online: { usage: 'online [<address>]', summary: 'Resume polling (all sources, or some)', run: control.connectivity(false) },
  makestep: { usage: 'makestep [<threshold> <limit>]', summary: 'Step the clock now, or set when it may step', run: control.makestep },
  waitsync: {
    usage: 'waitsync [<max-tries> [<max-correction> [<max-skew> [<interval>]]]]',
    summary: 'Wait for synchronisation (Ctrl-C stops)',
    run: control.waitsync,
  },
  allow: { usage: 'allow [all] [<subnet>]', summary: 'Allow NTP access to a subnet', run: accesscmd.rule(true, false) },
  deny: { usage: 'deny [all] [<subnet>]', summary: 'Deny NTP access to a subnet', run: accesscmd.rule(false, false) },
  cmdallow: { usage: 'cmdallow [all] [<subnet>]', summary: 'Allow mode-6 queries from a subnet', run: accesscmd.rule(true, true) },
  cmddeny: { usage: 'cmddeny [all] [<subnet>]', summary: 'Deny mode-6 queries from a subnet', run: accesscmd.rule(false, true) },
  accheck: { usage: 'accheck <address>', summary: 'Check whether NTP access is allowed', run: accesscmd.check(false) },
  cmdaccheck: { usage: 'cmdaccheck <address>', summary: 'Check whether mode-6 access is allowed', run: accesscmd.check(true) },
  keys: { usage: 'keys', summary: 'List the symmetric keys (IDs and types only)', run: noArguments(listKeys) },
  serverstats: { usage: 'serverstats', summary: 'Display statistics of the server', run: noArguments(reports.serverstats) },
  clients: { usage: 'clients', summary: 'Report on clients that accessed the server', run: noArguments(reports.clients) },
  config: {
    usage: 'config [show|set <line>|delete <n>|save|revert|reset]',
    summary: 'Show, edit and save the configuration (applied at reboot)',
    run: configcmd.run,
  },
  reboot: { usage: 'reboot', summary: 'Restart the board (unsaved configuration edits are lost)', run: noArguments(reboot) },
  // Quoted: the names are data (looked up by what is typed), so property mangling must leave them.
  'selectdata': { usage: 'selectdata [-a] [-v]', summary: 'Show what the last selection made of each source', run: control.sourceTable(reports.selectdata) },
  'reselect': { usage: 'reselect', summary: 'Select the best source again from scratch', run: noArguments(clockcmd.reselect) },
  'minstratum': {
    usage: 'minstratum <address> <stratum>',
    summary: 'Take a source\'s stratum as at least this',
    run: control.sourceOption('minstratum', true, 0, 15, function (options, value) { options.minStratum = value; }),
  },
  'maxdelay': {
    usage: 'maxdelay <address> <delay>',
    summary: 'Refuse a source\'s replies with a longer delay (s)',
    run: control.sourceOption('maxdelay', false, 0, 1000, function (options, value) { options.maxDelay = value; }),
  },
  'maxdelayratio': {
    usage: 'maxdelayratio <address> <ratio>',
    summary: 'Refuse replies slower than this times the fastest (0: off)',
    run: control.sourceOption('maxdelayratio', false, 0, 1e6, function (options, value) { options.maxDelayRatio = value; }),
  },
  'local': { usage: 'local [stratum <stratum>] | local off', summary: 'Serve the own clock when nothing is selected', run: clockcmd.local },
  'manual': { usage: 'manual on|off|reset|list|delete <index>', summary: 'Manual time input: allow, list, delete samples', run: clockcmd.manualCommand },
  'settime': { usage: 'settime <time>', summary: 'Enter the time (UTC; manual on): HH:MM[:SS], YYYY-MM-DD HH:MM[:SS]', run: clockcmd.settime },
  'rtcdata': { usage: 'rtcdata', summary: 'Show the crystal\'s frequency error and the drift file', run: noArguments(system.rtcdata) },
  'dump': { usage: 'dump', summary: 'Save the crystal\'s frequency to the drift file now', run: noArguments(clockcmd.saveDrift) },
  'writertc': { usage: 'writertc', summary: 'Save the crystal\'s frequency to the drift file now', run: noArguments(clockcmd.saveDrift) },
  'uptime': { usage: 'uptime', summary: 'Show how long the appliance has been running', run: noArguments(system.uptime) },
  'status': { usage: 'status', summary: 'Show uptime, memory, free flash and the network', run: noArguments(system.status) },
  log: { usage: 'log measurements|tracking [<lines>]', summary: 'Show the newest lines of a statistics log', run: showLog },
  network: { usage: 'network', summary: 'Show the Wi-Fi link: state, address, retries', run: noArguments(networkReport.network) },
};

/** Runs one command line: its output (ending in a newline, or empty), or a Later for a command that waits. */
export function dispatch(app: Appliance, line: string): string | Later {
  const words = splitWords(line);
  if (words.length === 0) return '';
  const name = words[0];
  const command = COMMANDS.hasOwnProperty(name) ? COMMANDS[name] : undefined;
  if (!command) return 'Unrecognized command: ' + name + ' (try help)\n';
  const output = command.run(app, words.slice(1));
  return output === null ? 'Invalid syntax for ' + name + ' (usage: ' + command.usage + ')\n' : output;
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
