/**
 * The configuration's text form: chrony.conf-like lines parsed into a Config
 * (config/types.ts). Parsing never throws; each bad line is reported with its
 * number and skipped, so a typo cannot take the rest down with it. Loaded on
 * demand (at boot, and by the console's config commands).
 */
import { parseIpv4 } from '../net/ipv4';
import * as access from '../serve/access';
import * as accessRules from '../serve/accessrules';
import { parseInteger, parseNumber } from '../text/parse';
import { parseServer } from './serveroptions';
import type { AccessDirective, Config, ConfigError, NetworkOptions, ParsedConfig, PoolOptions, RateLimit, RefclockOptions } from './types';
import { DEFAULT_POOL_SOURCES, defaultRefclockOptions, defaults, MAX_BROADCASTS, MAX_SERVERS, sourceSlots } from './types';

/** A pin name as Espruino spells them (D4, A0, ...), or 'none' for the pulse. */
function isPinName(text: string | undefined): boolean {
  if (text === undefined || text.length < 2 || text.length > 4) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const letter = code >= 65 && code <= 90;
    const digit = code >= 48 && code <= 57;
    if (i === 0 ? !letter : !digit) return false;
  }
  return true;
}

/** Parses `GPS [option ...]` of a refclock line. */
export function parseRefclock(args: string[]): RefclockOptions | string {
  if (args.length === 0 || args[0].toUpperCase() !== 'GPS') return 'refclock needs the driver GPS (NMEA on a UART, PPS on a pin)';
  const clock = defaultRefclockOptions();
  for (let i = 1; i < args.length; i++) {
    const option = args[i];
    const text = args[i + 1];
    if (option === 'prefer') clock.prefer = true;
    else if (option === 'noselect') clock.noselect = true;
    else if (option === 'rx' || option === 'tx' || option === 'pps') {
      if (!isPinName(text) && !(option === 'pps' && text === 'none')) return 'bad pin for ' + option + (text === undefined ? '' : ': "' + text + '"');
      if (option === 'rx') clock.rxPin = text as string;
      else if (option === 'tx') clock.txPin = text as string;
      else clock.ppsPin = text as string;
      i++;
    } else if (option === 'edge') {
      if (text !== 'rising' && text !== 'falling') return 'edge is rising or falling';
      clock.ppsEdge = text;
      i++;
    } else {
      let value = NaN;
      if (option === 'baud') value = parseInteger(text, 300, 921600);
      else if (option === 'poll') value = parseInteger(text, 0, 8);
      else if (option === 'filter') value = parseInteger(text, 1, 64);
      else if (option === 'offset' || option === 'delay' || option === 'nmeadelay') value = parseNumber(text, option === 'offset' ? -1 : 0, 1);
      else return 'unknown refclock option "' + option + '"';
      if (value !== value) return 'bad value for ' + option + (text === undefined ? '' : ': "' + text + '"');
      if (option === 'baud') clock.baud = value;
      else if (option === 'poll') clock.pollLog2 = value;
      else if (option === 'filter') clock.filterLength = value;
      else if (option === 'offset') clock.offset = value;
      else if (option === 'delay') clock.delay = value;
      else clock.nmeaDelay = value;
      i++;
    }
  }
  return clock;
}

/** Espruino's Storage file names are at most 28 characters. */
const MAX_STORAGE_NAME = 28;

/** A Storage file name: 1-28 printable characters without spaces. */
function isStorageName(name: string | undefined): boolean {
  if (name === undefined || name.length === 0 || name.length > MAX_STORAGE_NAME) return false;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code <= 32 || code >= 127) return false;
  }
  return true;
}

/** `pool NAME [server options] [maxsources N]` (maxsources may stand anywhere among the options). */
export function parsePool(args: string[]): PoolOptions | string {
  let maxSources = DEFAULT_POOL_SOURCES;
  const serverArgs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (i > 0 && args[i] === 'maxsources') {
      maxSources = parseInteger(args[i + 1], 1, MAX_SERVERS);
      if (maxSources !== maxSources) return 'maxsources needs a number, 1-' + MAX_SERVERS;
      i++;
    } else {
      serverArgs.push(args[i]);
    }
  }
  const server = parseServer(serverArgs);
  if (typeof server === 'string') return server.replace('server', 'pool').replace('an address', 'a name');
  return { server: server, maxSources: maxSources };
}

type Directive = (config: Config, args: string[]) => string | null;

/** allow/deny [all] [SUBNET]: returns the directive, or why the line is wrong. */
export function parseAccess(allow: boolean, args: string[]): AccessDirective | string {
  const all = args.length > 0 && args[0] === 'all';
  const rest = all ? args.slice(1) : args;
  if (rest.length > 1) return 'too many arguments (want [all] [SUBNET])';
  const subnet = rest.length === 1 ? rest[0] : '';
  if (accessRules.parseSubnet(subnet) === null) return 'not a subnet: "' + subnet + '"';
  return { allow: allow, all: all, subnet: subnet };
}

function accessDirective(allow: boolean, command: boolean): Directive {
  return function (config, args) {
    const rule = parseAccess(allow, args);
    if (typeof rule === 'string') return rule;
    const list = command ? config.cmdAccess : config.ntpAccess;
    if (list.length >= access.MAX_RULES) return 'too many access rules (at most ' + access.MAX_RULES + ')';
    list.push(rule);
    return null;
  };
}

/** ESP32's limits: 32 bytes of SSID, 64 of WPA passphrase, 32 of host name. */
const MAX_SSID = 32;
const MAX_PASSWORD = 64;
const MAX_HOSTNAME = 32;

/** A host name: letters, digits and inner hyphens (RFC 1123), dots between labels. */
function isHostname(name: string): boolean {
  if (name.length === 0 || name.length > MAX_HOSTNAME) return false;
  const labels = name.split('.');
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label === '' || label.charAt(0) === '-' || label.charAt(label.length - 1) === '-') return false;
    for (let j = 0; j < label.length; j++) {
      if ('abcdefghijklmnopqrstuvwxyz0123456789-'.indexOf(label.charAt(j).toLowerCase()) < 0) return false;
    }
  }
  return true;
}

/** `address dhcp`, or `address IP/PREFIX gateway IP [dns IP]` (dns defaults to the gateway). */
export function parseAddress(network: NetworkOptions, args: string[]): string | null {
  const usage = 'address needs dhcp, or IP/PREFIX gateway IP [dns IP]';
  if (args.length === 1 && args[0].toLowerCase() === 'dhcp') {
    network.address = network.netmask = network.gateway = network.dns = '';
    return null;
  }
  const slash = args.length > 0 ? args[0].indexOf('/') : -1;
  const address = slash > 0 ? args[0].substring(0, slash) : '';
  const prefix = parseInteger(slash > 0 ? args[0].substring(slash + 1) : undefined, 1, 32);
  let gateway = '';
  let dns = '';
  for (let i = 1; i < args.length; i += 2) {
    if (args[i] === 'gateway' && args[i + 1] !== undefined) gateway = args[i + 1];
    else if (args[i] === 'dns' && args[i + 1] !== undefined) dns = args[i + 1];
    else return usage;
  }
  if (dns === '') dns = gateway;
  const ip = parseIpv4(address);
  const gw = parseIpv4(gateway);
  if (ip < 0 || prefix !== prefix || gw < 0 || parseIpv4(dns) < 0) return usage;
  const mask = prefix === 32 ? -1 : ~(0xffffffff >>> prefix);
  if ((ip & mask) !== (gw & mask)) return 'gateway ' + gateway + ' is not in ' + args[0];
  network.address = address;
  network.netmask = [(mask >>> 24) & 255, (mask >>> 16) & 255, (mask >>> 8) & 255, mask & 255].join('.');
  network.gateway = gateway;
  network.dns = dns;
  return null;
}

const DIRECTIVES: { [name: string]: Directive } = {
  wifi: function (config, args) {
    // Errors never quote the line: it holds the password.
    if (args.length < 1 || args.length > 2) return 'wifi needs SSID [PASSWORD] (quote them if they hold spaces or # ; ! %)';
    if (config.network.ssid !== '') return 'only one wifi line';
    if (args[0] === '' || args[0].length > MAX_SSID) return 'the SSID must be 1-' + MAX_SSID + ' characters';
    const password = args.length > 1 ? args[1] : '';
    if (password.length > MAX_PASSWORD) return 'the password is longer than ' + MAX_PASSWORD + ' characters';
    config.network.ssid = args[0];
    config.network.password = password;
    return null;
  },
  hostname: function (config, args) {
    if (args.length !== 1 || !isHostname(args[0])) return 'hostname needs one name: letters, digits, inner hyphens, at most ' + MAX_HOSTNAME + ' characters';
    config.network.hostname = args[0];
    return null;
  },
  address: function (config, args) {
    return parseAddress(config.network, args);
  },
  broadcast: function (config, args) {
    const interval = parseInteger(args[0], 1, 65536);
    const port = args.length > 2 ? parseInteger(args[2], 1, 65535) : 123;
    if (args.length < 2 || args.length > 3 || interval !== interval || port !== port || accessRules.parseSubnet(args[1]) === null ||
      args[1].split('.').length !== 4) {
      return 'broadcast needs INTERVAL (s) ADDRESS [PORT]';
    }
    if (config.broadcasts.length >= MAX_BROADCASTS) return 'too many broadcast lines (at most ' + MAX_BROADCASTS + ')';
    config.broadcasts.push({ interval: interval, address: args[1], port: port });
    return null;
  },
  peer: function (config, args) {
    const peer = parseServer(args);
    if (typeof peer === 'string') return peer.replace('server', 'peer');
    if (sourceSlots(config) >= MAX_SERVERS) return 'too many sources (at most ' + MAX_SERVERS + ' servers, peers and pool sources)';
    peer.peer = true;
    config.servers.push(peer);
    return null;
  },
  acceptpeers: function (config, args) {
    if (args.length !== 0) return 'acceptpeers takes no arguments';
    config.acceptPeers = true;
    return null;
  },
  broadcastclient: function (config, args) {
    if (args.length !== 0) return 'broadcastclient takes no arguments';
    config.broadcastClient = true;
    return null;
  },
  multicastclient: function (config, args) {
    const group = args.length > 0 ? args[0] : '224.0.1.1';
    const first = +group.split('.')[0];
    if (args.length > 1 || accessRules.parseSubnet(group) === null || group.split('.').length !== 4 || !(first >= 224 && first <= 239)) {
      return 'multicastclient takes one multicast group (224.0.0.0-239.255.255.255)';
    }
    config.broadcastClient = true;
    config.multicastGroup = group;
    return null;
  },
  allow: accessDirective(true, false),
  deny: accessDirective(false, false),
  cmdallow: accessDirective(true, true),
  cmddeny: accessDirective(false, true),
  ratelimit: function (config, args) {
    const limit: RateLimit = { intervalLog2: 3, burst: 8, leakLog2: 2, kodLog2: -1 };
    for (let i = 0; i < args.length; i += 2) {
      const value = parseInteger(args[i + 1], -19, 255);
      if (value !== value) return 'bad value for ratelimit ' + args[i];
      if (args[i] === 'interval' && value >= -19 && value <= 12) limit.intervalLog2 = value;
      else if (args[i] === 'burst' && value >= 1 && value <= 255) limit.burst = value;
      else if (args[i] === 'leak' && value >= 0 && value <= 4) limit.leakLog2 = value;
      else if (args[i] === 'kod' && value >= 0 && value <= 4) limit.kodLog2 = value;
      else return 'bad ratelimit option "' + args[i] + ' ' + args[i + 1] + '"';
    }
    config.rateLimit = limit;
    return null;
  },
  denykod: function (config, args) {
    if (args.length !== 0) return 'denykod takes no arguments';
    config.denyKiss = true;
    return null;
  },
  server: function (config, args) {
    const server = parseServer(args);
    if (typeof server === 'string') return server;
    if (sourceSlots(config) >= MAX_SERVERS) return 'too many sources (at most ' + MAX_SERVERS + ' servers, peers and pool sources)';
    config.servers.push(server);
    return null;
  },
  pool: function (config, args) {
    const pool = parsePool(args);
    if (typeof pool === 'string') return pool;
    const free = MAX_SERVERS - sourceSlots(config);
    if (pool.maxSources > free) {
      return 'too many sources: this pool\'s maxsources ' + pool.maxSources + ' leaves room for ' + (free > 0 ? free : 0) +
        ' (at most ' + MAX_SERVERS + ' servers, peers and pool sources)';
    }
    config.pools.push(pool);
    return null;
  },
  keys: function (config, args) {
    if (args.length !== 1 || !isStorageName(args[0])) return 'keys needs one Storage file name (1-' + MAX_STORAGE_NAME + ' characters, no spaces)';
    config.keysFile = args[0];
    return null;
  },
  leapsecmode: function (config, args) {
    const mode = args.length === 1 ? args[0].toLowerCase() : '';
    if (mode !== 'system' && mode !== 'step' && mode !== 'slew' && mode !== 'ignore') return 'leapsecmode needs one of system, step, slew, ignore';
    config.leapSecMode = mode === 'system' ? 'step' : mode;
    return null;
  },
  leapseclist: function (config, args) {
    if (args.length !== 1 || !isStorageName(args[0])) return 'leapseclist needs one Storage file name (1-' + MAX_STORAGE_NAME + ' characters, no spaces)';
    config.leapSecList = args[0];
    return null;
  },
  refclock: function (config, args) {
    const clock = parseRefclock(args);
    if (typeof clock === 'string') return clock;
    if (config.refclock !== null) return 'only one refclock';
    config.refclock = clock;
    return null;
  },
  makestep: function (config, args) {
    const threshold = parseNumber(args[0], 0, 1e9);
    const limit = parseInteger(args[1], -1, 1e9);
    if (args.length !== 2 || threshold !== threshold || limit !== limit) return 'makestep needs THRESHOLD (seconds) and LIMIT (updates, -1 for always)';
    config.makestepThreshold = threshold;
    config.makestepLimit = limit;
    return null;
  },
  maxdistance: function (config, args) {
    const distance = parseNumber(args[0], 0, 1e6);
    if (args.length !== 1 || distance !== distance) return 'maxdistance needs one number of seconds';
    config.maxDistance = distance;
    return null;
  },
  local: function (config, args) {
    let stratum = 10;
    for (let i = 0; i < args.length; i += 2) {
      if (args[i] === 'stratum') {
        stratum = parseInteger(args[i + 1], 1, 15);
        if (stratum !== stratum) return 'local stratum must be 1-15';
      } else if (args[i] === 'distance' || args[i] === 'orphan') {
        return 'local ' + args[i] + ' is not supported yet';
      } else {
        return 'unknown local option "' + args[i] + '"';
      }
    }
    config.localStratum = stratum;
    return null;
  },
  port: function (config, args) {
    const port = parseInteger(args[0], 1, 65535);
    if (port !== port || args.length !== 1) return 'port needs one number, 1-65535';
    config.ntpPort = port;
    return null;
  },
  httpport: function (config, args) {
    const port = parseInteger(args[0], 0, 65535);
    if (port !== port || args.length !== 1) return 'httpport needs one number, 0-65535 (0: no status page)';
    config.httpPort = port;
    return null;
  },
  clientloglimit: function (config, args) {
    const size = parseInteger(args[0], 1, 4096);
    if (size !== size || args.length !== 1) return 'clientloglimit needs one number of records, 1-4096';
    config.clientLogSize = size;
    return null;
  },
};

/** chrony.conf comments start with any of # ; ! % (not inside "quotes", where a password may hold them) */
function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && '#;!%'.indexOf(c) >= 0) return line.substring(0, i);
  }
  return line;
}

/**
 * Words separated by spaces; "a quoted word" may hold spaces, with \" and \\
 * for a quote and a backslash. Null for an unterminated quote. `ends`, when
 * given, receives the offset just past each word.
 */
export function splitQuoted(line: string, ends?: number[]): string[] | null {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line.charAt(i) === ' ') {
      i++;
      continue;
    }
    let word = '';
    if (line.charAt(i) === '"') {
      for (i++; i < line.length && line.charAt(i) !== '"'; i++) {
        if (line.charAt(i) === '\\') i++;
        word += line.charAt(i);
      }
      if (i >= line.length) return null;
      i++;
    } else {
      while (i < line.length && line.charAt(i) !== ' ') word += line.charAt(i++);
    }
    words.push(word);
    if (ends) ends.push(i);
  }
  return words;
}

/** A line as it may be shown: a wifi line's password becomes ********. */
export function maskSecrets(line: string): string {
  const ends: number[] = [];
  const text = stripComment(line.split('\t').join(' '));
  const words = splitQuoted(text, ends);
  const first = (words ? words[0] : text.trim().split(' ')[0]) || '';
  if (first.toLowerCase() !== 'wifi') return line;
  // An unparsable wifi line may hold the password anywhere after the directive.
  if (words === null) return text.substring(0, text.indexOf(first) + first.length) + ' ********';
  return words.length < 3 ? line : text.substring(0, ends[1]) + ' ********';
}

export function parse(text: string): ParsedConfig {
  const config = defaults();
  const errors: ConfigError[] = [];
  const lines = text.split('\n');
  for (let number = 1; number <= lines.length; number++) {
    const words = splitQuoted(stripComment(lines[number - 1].split('\t').join(' ')));
    if (words === null) {
      errors.push({ line: number, message: 'unterminated quote' });
      continue;
    }
    if (words.length === 0) continue;
    const name = words[0].toLowerCase();
    const directive = DIRECTIVES.hasOwnProperty(name) ? DIRECTIVES[name] : undefined;
    const error = directive ? directive(config, words.slice(1)) : 'unknown directive "' + words[0] + '"';
    if (error !== null) errors.push({ line: number, message: error });
  }
  return { config: config, errors: errors };
}
