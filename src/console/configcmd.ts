/**
 * `config …` on the console (command group ntpd-cmd-config): the configuration is edited as text (a copy of
 * what is in flash), checked line by line as it is edited and as a whole
 * before it is saved, and saved with the power-loss-safe store. Saved
 * changes take effect at the next boot (`reboot`); nothing half-applied.
 */
import type { Appliance } from '../appliance';
import * as configuration from '../config/parse';
import { parseInteger, splitWords } from '../text/parse';
import * as configStore from '../store/configstore';
import type { Output } from './commands';
import { padLeft } from './fields';

const OK = '200 OK\n';

function lines(text: string): string[] {
  const list = text.split('\n');
  if (list.length > 0 && list[list.length - 1] === '') list.pop();
  return list;
}

/** The directive a line starts with ('' for a blank or comment line). */
function directiveOf(line: string): string {
  const words = splitWords(line.split('\t').join(' '));
  return words.length === 0 || '#;!%'.indexOf(words[0].charAt(0)) >= 0 ? '' : words[0].toLowerCase();
}

function numbered(text: string): string {
  const list = lines(text);
  let out = '';
  // A Wi-Fi password is never printed back.
  for (let i = 0; i < list.length; i++) out += padLeft('' + (i + 1), 3) + '  ' + configuration.maskSecrets(list[i]) + '\n';
  return out === '' ? '(empty configuration: built-in defaults)\n' : out;
}

/** The first error of a whole configuration text as one line, or null. */
function firstError(text: string): string | null {
  const errors = configuration.parse(text).errors;
  return errors.length === 0 ? null : 'line ' + errors[0].line + ': ' + errors[0].message;
}

function show(app: Appliance): string {
  let notes = '';
  if (app.editedConfig !== app.storedConfig.text) notes += '(edited: config save keeps the changes, config revert drops them)\n';
  if (app.storedConfig.text !== app.configText) notes += '(saved changes take effect at the next reboot)\n';
  return numbered(app.editedConfig) + notes;
}

/** `config set DIRECTIVE ARGS`: replaces the line of a directive that may appear once (or of the same server), else adds it. */
function set(app: Appliance, words: string[]): string {
  const line = words.join(' ');
  const alone = firstError(line);
  if (alone !== null) return 'Invalid configuration line: ' + alone.substring(alone.indexOf(': ') + 2) + '\n';
  const name = words[0].toLowerCase();
  const list = lines(app.editedConfig);
  // Directives that may appear once: the line is replaced rather than another added.
  const single = ' makestep maxdistance local port clientloglimit ratelimit denykod refclock broadcastclient multicastclient acceptpeers wifi hostname address httpport keys leapsecmode leapseclist ';
  let replaced = false;
  for (let i = 0; i < list.length && !replaced; i++) {
    const existing = splitWords(list[i]);
    const sameSource = (name === 'server' || name === 'peer' || name === 'pool') && directiveOf(list[i]) === name && existing[1] === words[1];
    if (sameSource || (single.indexOf(' ' + name + ' ') >= 0 && directiveOf(list[i]) === name)) {
      list[i] = line;
      replaced = true;
    }
  }
  if (!replaced) list.push(line);
  const text = list.join('\n') + '\n';
  const whole = firstError(text);
  if (whole !== null) return 'Invalid configuration: ' + whole + '\n';
  app.editedConfig = text;
  return OK;
}

function remove(app: Appliance, args: string[]): string | null {
  const list = lines(app.editedConfig);
  const number = args.length === 1 ? parseInteger(args[0], 1, list.length) : NaN;
  if (number !== number) return args.length === 1 ? 'No line ' + args[0] + ' (1-' + list.length + ')\n' : null;
  list.splice(number - 1, 1);
  const text = list.length === 0 ? '' : list.join('\n') + '\n';
  const whole = firstError(text);
  if (whole !== null) return 'Invalid configuration: ' + whole + '\n';
  app.editedConfig = text;
  return OK;
}

function save(app: Appliance): string {
  const whole = firstError(app.editedConfig);
  if (whole !== null) return 'Invalid configuration: ' + whole + '\n';
  const result = configStore.save(app.platform, app.editedConfig, app.storedConfig);
  if (typeof result === 'string') return 'Not saved: ' + result + '\n';
  app.storedConfig = result;
  return OK + 'Saved as generation ' + result.generation + '; reboot to apply.\n';
}

/** Runs `config` (commands.ts, Group): the group's one command. */
export function run(app: Appliance, _name: string, args: string[]): Output {
  const sub = args.length === 0 ? 'show' : args[0];
  const rest = args.slice(1);
  if (sub === 'show') return rest.length === 0 ? show(app) : null;
  if (sub === 'set') return rest.length === 0 ? null : set(app, rest);
  if (sub === 'delete') return remove(app, rest);
  if (sub === 'save') return rest.length === 0 ? save(app) : null;
  if (sub === 'revert' || sub === 'reset') {
    if (rest.length !== 0) return null;
    app.editedConfig = sub === 'revert' ? app.storedConfig.text : '';
    return OK;
  }
  return null;
}

/** This group's commands: usage, tab, summary (commands.ts, Group). */
export function table(): string {
  return 'config [show|set <line>|delete <n>|save|revert|reset]\tShow, edit and save the configuration (applied at reboot)\n';
}
