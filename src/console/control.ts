/**
 * Console commands that change the sources or the clock, answering as
 * chronyc does: "200 OK" when done, chronyd's numbered error ("503 No such
 * source") or chronyc's own one-line complaint when not. A bad argument
 * changes nothing.
 */
import type { Appliance } from '../appliance';
import * as configuration from '../config/parse';
import { MAX_SERVERS } from '../config/types';
import { parseInteger, parseNumber } from '../text/parse';
import type { ServerOptions } from '../config/types';
import * as refid from '../ntp/refid';
import * as syncManager from '../sync/manager';
import type { Later } from './commands';
import * as reports from './reports';

export const OK = '200 OK\n';
const NO_SUCH_SOURCE = '503 No such source\n';
/** chrony's poll limits for minpoll/maxpoll (the configuration's too). */
const MIN_POLL = -6;
const MAX_POLL = 17;

/**
 * The sources an argument names: an address or configured name, ADDR/BITS,
 * or MASK/ADDR (chronyc's subnet forms). Null when the argument is not one.
 */
export function matchSources(app: Appliance, word: string): number[] | null {
  const sources = app.sync.sources;
  const slash = word.indexOf('/');
  if (slash < 0) {
    const index = syncManager.findSource(app.sync, word);
    return index < 0 ? [] : [index];
  }
  const left = refid.parseIpv4(word.substring(0, slash));
  const rightText = word.substring(slash + 1);
  const right = refid.parseIpv4(rightText);
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
    const value = refid.parseIpv4(sources[i].address);
    if (value >= 0 && ((value & mask) >>> 0) === ((address & mask) >>> 0)) matched.push(i);
  }
  return matched;
}

/** `add server HOST [options]`: resolves first, as chronyc does, so a bad name is refused. */
export function add(app: Appliance, args: string[]): string | Later {
  if (args.length < 2 || args[0].toLowerCase() !== 'server') return 'Invalid syntax for add command\n';
  const parsed = configuration.parseServer(args.slice(1));
  if (typeof parsed === 'string') {
    return 'Invalid ' + (parsed.indexOf('unknown') === 0 ? 'option in' : 'value in') + ' add command\n';
  }
  return function (write, done) {
    let waiting = true;
    app.platform.resolve(parsed.host, function (address) {
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
  if (syncManager.findSource(sync, address) >= 0 || syncManager.findSource(sync, options.host) >= 0) return '511 Source already present\n';
  if (sync.sources.length >= MAX_SERVERS) return '512 Too many sources present\n';
  return syncManager.addSource(sync, options) === null ? OK : '511 Source already present\n';
}

export function remove(app: Appliance, args: string[]): string | null {
  if (args.length === 0) return 'Invalid syntax for address\n';
  if (args.length > 1) return null;
  const index = syncManager.findSource(app.sync, args[0]);
  if (index < 0) return NO_SUCH_SOURCE;
  syncManager.removeSource(app.sync, index);
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
export function burst(app: Appliance, args: string[]): string | null {
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
    syncManager.burst(app.sync, indexes[i]);
    const source = app.sync.sources[indexes[i]];
    if (counts !== null && source.burstLeft > 0) source.burstLeft = counts[1];
  }
  return OK;
}

export function makestep(app: Appliance, args: string[]): string {
  if (args.length === 0) return syncManager.makestepNow(app.sync) ? OK : '500 Failure\n';
  const threshold = parseNumber(args[0], 0, 1e9);
  const limit = parseInteger(args[1], -1, 1e9);
  if (args.length !== 2 || threshold !== threshold || limit !== limit) return 'Bad syntax for makestep command\n';
  app.config.makestepThreshold = threshold;
  app.config.makestepLimit = limit;
  return OK;
}

/**
 * `waitsync [max-tries [max-correction [max-skew [interval]]]]`: one line a
 * try until the clock follows a source within the limits (0: no limit), or
 * the tries run out. Ctrl-C stops it.
 */
export function waitsync(app: Appliance, args: string[]): Later | null {
  if (args.length > 4) return null;
  const maxTries = args.length > 0 ? parseInteger(args[0], 0, 1e9) : 0;
  const maxCorrection = args.length > 1 ? parseNumber(args[1], 0, 1e9) : 0;
  const maxSkewPpm = args.length > 2 ? parseNumber(args[2], 0, 1e9) : 0;
  let interval = args.length > 3 ? parseNumber(args[3], 0, 1e6) : 10;
  if (maxTries !== maxTries || maxCorrection !== maxCorrection || maxSkewPpm !== maxSkewPpm || interval !== interval) return null;
  if (interval < 0.1) interval = 0.1;
  return function (write, done) {
    let tries = 0;
    let timer = -1;
    function attempt(): void {
      timer = -1;
      tries++;
      const values = reports.trackingValues(app);
      const correction = Math.abs(values.correction);
      write('try: ' + tries + ', refid: ' + refid.toHex(app.clock.referenceId) + ', correction: ' + correction.toFixed(9) +
        ', skew: ' + values.skewPpm.toFixed(3) + '\n');
      const synchronised = syncManager.synchronisedToSource(app.clock) &&
        (maxCorrection === 0 || correction <= maxCorrection) && (maxSkewPpm === 0 || values.skewPpm <= maxSkewPpm);
      if (synchronised || (maxTries > 0 && tries >= maxTries)) {
        done();
        return;
      }
      timer = app.platform.after(interval * 1000, attempt);
    }
    attempt();
    return function () {
      if (timer >= 0) app.platform.cancelTimer(timer);
      timer = -1;
    };
  };
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

/** `minpoll ADDR N` / `maxpoll ADDR N`: the other bound follows if crossed, the current poll is kept inside. */
export function pollLimit(which: 'minpoll' | 'maxpoll'): (app: Appliance, args: string[]) => string | null {
  return function (app, args) {
    if (args.length !== 2) return null;
    const value = parseInteger(args[1], -1e9, 1e9);
    if (value !== value) return 'Invalid syntax for address value\n';
    const index = syncManager.findSource(app.sync, args[0]);
    if (index < 0) return NO_SUCH_SOURCE;
    if (value < MIN_POLL || value > MAX_POLL) return 'Invalid ' + which + ' ' + value + ' (' + MIN_POLL + ' to ' + MAX_POLL + ')\n';
    const source = app.sync.sources[index];
    const options = ownOptions(source.options);
    if (which === 'minpoll') {
      options.minPollLog2 = value;
      if (options.maxPollLog2 < value) options.maxPollLog2 = value;
    } else {
      options.maxPollLog2 = value;
      if (options.minPollLog2 > value) options.minPollLog2 = value;
    }
    source.options = options;
    syncManager.pollLimitsChanged(app.sync, index);
    return OK;
  };
}

/**
 * `minstratum ADDR N`, `maxdelay ADDR S`, `maxdelayratio ADDR R`: one of a
 * source's options, in force from its next reply. `set` writes the value
 * into the source's own copy of its options.
 */
export function sourceOption(name: string, integer: boolean, min: number, max: number,
  set: (options: ServerOptions, value: number) => void): (app: Appliance, args: string[]) => string | null {
  return function (app, args) {
    if (args.length !== 2) return null;
    const value = integer ? parseInteger(args[1], -1e9, 1e9) : parseNumber(args[1], -1e9, 1e9);
    if (value !== value) return 'Invalid syntax for address value\n';
    const index = syncManager.findSource(app.sync, args[0]);
    if (index < 0) return NO_SUCH_SOURCE;
    if (value < min || value > max) return 'Invalid ' + name + ' ' + value + ' (' + min + ' to ' + max + ')\n';
    const source = app.sync.sources[index];
    const options = ownOptions(source.options);
    set(options, value);
    source.options = options;
    return OK;
  };
}

/** `offline [ADDR]` / `online [ADDR]`: every source, or those the address or subnet names. */
export function connectivity(offline: boolean): (app: Appliance, args: string[]) => string | null {
  return function (app, args) {
    if (args.length > 1) return null;
    if (args.length === 0) {
      syncManager.setOffline(app.sync, -1, offline);
      return OK;
    }
    const matched = matchSources(app, args[0]);
    if (matched === null) return 'Invalid syntax for mask/address\n';
    if (matched.length === 0) return NO_SUCH_SOURCE;
    for (let i = 0; i < matched.length; i++) syncManager.setOffline(app.sync, matched[i], offline);
    return OK;
  };
}

export function ntpdata(app: Appliance, args: string[]): string | null {
  if (args.length > 1) return null;
  if (args.length === 1) {
    const index = syncManager.findSource(app.sync, args[0]);
    return index < 0 ? NO_SUCH_SOURCE : reports.ntpdata(app, app.sync.sources[index]);
  }
  let text = '';
  for (let i = 0; i < app.sync.sources.length; i++) {
    if (app.sync.sources[i].address !== '') text += '\n' + reports.ntpdata(app, app.sync.sources[i]);
  }
  return text;
}

/** `sources [-a] [-v]` and `sourcestats [-a] [-v]`. */
export function sourceTable(report: (app: Appliance, verbose: boolean, all: boolean) => string): (app: Appliance, args: string[]) => string | null {
  return function (app, args) {
    let verbose = false;
    let all = false;
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '-v') verbose = true;
      else if (args[i] === '-a') all = true;
      else return null;
    }
    return report(app, verbose, all);
  };
}
