/**
 * Console commands that change the sources (command group ntpd-cmd-sources), answering
 * as chronyc does: "200 OK" when done, chronyd's numbered error ("503 No such
 * source") or chronyc's own one-line complaint when not. A bad argument
 * changes nothing.
 */
import type { Appliance } from '../appliance';
import { parseServer } from '../config/serveroptions';
import { MAX_SERVERS } from '../config/types';
import { parseInteger, parseNumber } from '../text/parse';
import type { ServerOptions } from '../config/types';
import * as ipv4 from '../net/ipv4';
import * as associations from '../sync/associations';
import * as sourceModule from '../sync/source';
import { SourceField } from '../sync/source';
import type { Later, Output } from './commands';

const OK = '200 OK\n';
const NO_SUCH_SOURCE = '503 No such source\n';
/** chrony's poll limits for minpoll/maxpoll (the configuration's too). */
const MIN_POLL = -6;
const MAX_POLL = 17;

/**
 * The sources an argument names: an address or configured name, ADDR/BITS,
 * or MASK/ADDR (chronyc's subnet forms). Null when the argument is not one.
 */
function matchSources(app: Appliance, word: string): number[] | null {
  const sources = app.sync.sources;
  const slash = word.indexOf('/');
  if (slash < 0) {
    const index = sourceModule.find(app.sync.sources, word);
    return index < 0 ? [] : [index];
  }
  const left = ipv4.parseIpv4(word.substring(0, slash));
  const rightText = word.substring(slash + 1);
  const right = ipv4.parseIpv4(rightText);
  if (left < 0) return null;
  let mask = left;
  let address = right;
  if (right < 0) {
    const bits = parseInteger(rightText, 0, 32);
    if (bits !== bits) return null;
    mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    address = left;
  }
  const matched: number[] = [];
  for (let i = 0; i < sources.length; i++) {
    const value = ipv4.parseIpv4(sources[i].address);
    if (value >= 0 && ((value & mask) >>> 0) === ((address & mask) >>> 0)) matched.push(i);
  }
  return matched;
}

/** `add server HOST [options]`: resolves first, as chronyc does, so a bad name is refused. */
function add(app: Appliance, args: string[]): string | Later {
  if (args.length < 2 || args[0].toLowerCase() !== 'server') return 'Invalid syntax for add command\n';
  const parsed = parseServer(args.slice(1));
  if (typeof parsed === 'string') {
    return 'Invalid ' + (parsed.indexOf('unknown') === 0 ? 'option in' : 'value in') + ' add command\n';
  }
  // An address needs no lookup: answered now, with nothing kept waiting (on the device a command
  // that waits keeps its modules, and the sync manager's, loaded until its answer).
  if (ipv4.parseIpv4(parsed.host) >= 0) return addResolved(app, parsed, parsed.host);
  return function (write, done) {
    let waiting = true;
    app.platform.services().resolve(parsed.host, function (address) {
      if (!waiting) return;
      waiting = false;
      write(addResolved(app, parsed, address));
      done();
    });
    return function () {
      waiting = false;
    };
  };
}

function addResolved(app: Appliance, options: ServerOptions, address: string | null): string {
  if (address === null) return 'Invalid host/IP address\n';
  const sync = app.sync;
  if (sourceModule.find(sync.sources, address) >= 0 || sourceModule.find(sync.sources, options.host) >= 0) return '511 Source already present\n';
  if (sync.sources.length >= MAX_SERVERS) return '512 Too many sources present\n';
  return associations.addSource(sync, options) === null ? OK : '511 Source already present\n';
}

function remove(app: Appliance, args: string[]): string | null {
  if (args.length === 0) return 'Invalid syntax for address\n';
  if (args.length > 1) return null;
  const index = sourceModule.find(app.sync.sources, args[0]);
  if (index < 0) return NO_SUCH_SOURCE;
  associations.removeSource(app.sync, index);
  return OK;
}

/** `N/M` (good samples / requests at most): [N, M]; null when the word is not of that form; [] when out of range. */
function burstCounts(word: string): number[] | null {
  const slash = word.indexOf('/');
  if (slash < 0) return null;
  const good = parseInteger(word.substring(0, slash), -1e9, 1e9);
  const most = parseInteger(word.substring(slash + 1), -1e9, 1e9);
  if (good !== good || most !== most) return null;
  return good >= 1 && good <= most && most <= 64 ? [good, most] : [];
}

/** `burst [N/M] [ADDR]`: chronyc wants N/M; here it is optional (default 4 requests), and only M is used. */
function burst(app: Appliance, args: string[]): string | null {
  const counts = args.length > 0 ? burstCounts(args[0]) : null;
  if (counts !== null && counts.length === 0) return 'Invalid syntax for burst command\n';
  const next = counts === null ? 0 : 1;
  if (args.length > next + 1) return null;
  let indexes: number[] = [];
  if (next < args.length) {
    const matched = matchSources(app, args[next]);
    if (matched === null) return 'Invalid syntax for mask/address\n';
    indexes = matched;
  } else {
    for (let i = 0; i < app.sync.sources.length; i++) indexes.push(i);
  }
  if (indexes.length === 0) return NO_SUCH_SOURCE;
  for (let i = 0; i < indexes.length; i++) {
    associations.burst(app.sync, indexes[i]);
    const source = app.sync.sources[indexes[i]];
    if (counts !== null && source.state[SourceField.BurstLeft] > 0) source.state[SourceField.BurstLeft] = counts[1];
  }
  return OK;
}

/** A source's own copy of its options, so a change does not reach the parsed configuration. */
function ownOptions(options: ServerOptions): ServerOptions {
  const copy = {} as { [key: string]: unknown };
  const from = options as unknown as { [key: string]: unknown };
  for (const key in from) {
    if (from.hasOwnProperty(key)) copy[key] = from[key];
  }
  return copy as unknown as ServerOptions;
}

/**
 * `minpoll ADDR N`, `maxpoll ADDR N` (the other bound follows if crossed, the current poll is
 * kept inside), `minstratum ADDR N`, `maxdelay ADDR S`, `maxdelayratio ADDR R`: one of a source's
 * options, written into the source's own copy of its options, in force from its next reply.
 */
function sourceOption(app: Appliance, name: string, args: string[]): string | null {
  if (args.length !== 2) return null;
  const poll = name === 'minpoll' || name === 'maxpoll';
  const value = poll || name === 'minstratum' ? parseInteger(args[1], -1e9, 1e9) : parseNumber(args[1], -1e9, 1e9);
  if (value !== value) return 'Invalid syntax for address value\n';
  const index = sourceModule.find(app.sync.sources, args[0]);
  if (index < 0) return NO_SUCH_SOURCE;
  const min = poll ? MIN_POLL : 0;
  const max = poll ? MAX_POLL : name === 'minstratum' ? 15 : name === 'maxdelay' ? 1000 : 1e6;
  if (value < min || value > max) return 'Invalid ' + name + ' ' + value + ' (' + min + ' to ' + max + ')\n';
  const source = app.sync.sources[index];
  const options = ownOptions(source.options);
  if (name === 'minpoll') {
    options.minPollLog2 = value;
    if (options.maxPollLog2 < value) options.maxPollLog2 = value;
  } else if (name === 'maxpoll') {
    options.maxPollLog2 = value;
    if (options.minPollLog2 > value) options.minPollLog2 = value;
  } else if (name === 'minstratum') {
    options.minStratum = value;
  } else if (name === 'maxdelay') {
    options.maxDelay = value;
  } else {
    options.maxDelayRatio = value;
  }
  source.options = options;
  if (poll) associations.pollLimitsChanged(app.sync, index);
  return OK;
}

/** `offline [ADDR]` / `online [ADDR]`: every source, or those the address or subnet names. */
function connectivity(app: Appliance, offline: boolean, args: string[]): string | null {
  if (args.length > 1) return null;
  if (args.length === 0) {
    associations.setOffline(app.sync, -1, offline);
    return OK;
  }
  const matched = matchSources(app, args[0]);
  if (matched === null) return 'Invalid syntax for mask/address\n';
  if (matched.length === 0) return NO_SUCH_SOURCE;
  for (let i = 0; i < matched.length; i++) associations.setOffline(app.sync, matched[i], offline);
  return OK;
}

/** Runs one of this group's commands (commands.ts, Group). */
export function run(app: Appliance, name: string, args: string[]): Output {
  switch (name) {
    case 'add':
      return add(app, args);
    case 'delete':
      return remove(app, args);
    case 'burst':
      return burst(app, args);
    case 'offline':
    case 'online':
      return connectivity(app, name === 'offline', args);
  }
  return sourceOption(app, name, args);
}

/** This group's commands: usage, tab, summary (commands.ts, Group). */
export function table(): string {
  return 'add server <name> [options]\tStart using a new NTP server\n' +
    'delete <address>\tStop using a source\n' +
    'burst [<n-good>/<n-max>] [<address>]\tSend a quick series of requests\n' +
    'minpoll <address> <poll>\tSet a source\'s shortest poll (log2 s)\n' +
    'maxpoll <address> <poll>\tSet a source\'s longest poll (log2 s)\n' +
    'minstratum <address> <stratum>\tTake a source\'s stratum as at least this\n' +
    'maxdelay <address> <delay>\tRefuse a source\'s replies with a longer delay (s)\n' +
    'maxdelayratio <address> <ratio>\tRefuse replies slower than this times the fastest (0: off)\n' +
    'offline [<address>]\tStop polling (all sources, or some)\n' +
    'online [<address>]\tResume polling (all sources, or some)\n';
}
