/**
 * The appliance's configuration: one typed object with defaults, parsed from
 * chrony.conf-like text. Parsing never throws; each bad line is reported
 * with its number and skipped, so a typo cannot take the rest down with it.
 */

export interface Config {
  /** chrony's `local stratum N`; 0 when local reference mode is off. */
  localStratum: number;
  /** UDP port of the NTP service. */
  ntpPort: number;
  /** Capacity of the client log (`clientloglimit`, in records here). */
  clientLogSize: number;
}

export interface ConfigError {
  line: number;
  message: string;
}

export interface ParsedConfig {
  config: Config;
  errors: ConfigError[];
}

export function defaults(): Config {
  return { localStratum: 0, ntpPort: 123, clientLogSize: 64 };
}

type Directive = (config: Config, args: string[]) => string | null;

/** An integer in [min, max], or NaN. */
export function parseInteger(text: string | undefined, min: number, max: number): number {
  if (text === undefined || text === '' || text === '-') return NaN;
  for (let i = text.charAt(0) === '-' ? 1 : 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
  }
  const value = +text;
  return value >= min && value <= max ? value : NaN;
}

const DIRECTIVES: { [name: string]: Directive } = {
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
  clientloglimit: function (config, args) {
    const size = parseInteger(args[0], 1, 4096);
    if (size !== size || args.length !== 1) return 'clientloglimit needs one number of records, 1-4096';
    config.clientLogSize = size;
    return null;
  },
};

export function splitWords(line: string): string[] {
  const words: string[] = [];
  const parts = line.split(' ');
  for (let i = 0; i < parts.length; i++) {
    const word = parts[i].trim();
    if (word !== '') words.push(word);
  }
  return words;
}

/** chrony.conf comments start with any of # ; ! % */
function stripComment(line: string): string {
  for (let i = 0; i < line.length; i++) {
    if ('#;!%'.indexOf(line.charAt(i)) >= 0) return line.substring(0, i);
  }
  return line;
}

export function parse(text: string): ParsedConfig {
  const config = defaults();
  const errors: ConfigError[] = [];
  const lines = text.split('\n');
  for (let number = 1; number <= lines.length; number++) {
    const words = splitWords(stripComment(lines[number - 1].split('\t').join(' ')));
    if (words.length === 0) continue;
    const name = words[0].toLowerCase();
    const directive = DIRECTIVES.hasOwnProperty(name) ? DIRECTIVES[name] : undefined;
    const error = directive ? directive(config, words.slice(1)) : 'unknown directive "' + words[0] + '"';
    if (error !== null) errors.push({ line: number, message: error });
  }
  return { config: config, errors: errors };
}
