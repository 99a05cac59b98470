/**
 * The appliance's configuration as the code uses it: one typed object, its
 * defaults, and the bounds the rest of the firmware is sized by. Parsing the
 * text form is config/parse.ts (loaded on demand).
 */

/** One `server` line: chrony's options that apply to this box. */
export interface ServerOptions {
  host: string;
  port: number;
  iburst: boolean;
  burst: boolean;
  minPollLog2: number;
  maxPollLog2: number;
  prefer: boolean;
  noselect: boolean;
  /** Samples with a round-trip delay above this are rejected (seconds). */
  maxDelay: number;
  /** `maxdelayratio`: a reply whose delay exceeds this many times the smallest delay of the source's samples is refused (0: off). */
  maxDelayRatio: number;
  /** `minstratum`: the source's stratum is taken as at least this. */
  minStratum: number;
  /** Symmetric key the exchanges are authenticated with (0: none). */
  keyId: number;
  /** `peer` rather than `server`: symmetric active mode (1). */
  peer: boolean;
}

/** One allow/deny line, kept as written: app.ts builds the access tables from these. */
export interface AccessDirective {
  allow: boolean;
  all: boolean;
  subnet: string;
}

/** `ratelimit interval I burst B leak L kod K` (chrony's, plus the share of RATE kisses). */
export interface RateLimit {
  intervalLog2: number;
  burst: number;
  /** 1 in 2^leakLog2 limited requests is answered anyway. */
  leakLog2: number;
  /** 1 in 2^kodLog2 limited requests gets a RATE kiss; -1: never (silence). */
  kodLog2: number;
}

/** `broadcast INTERVAL ADDRESS [PORT]`: mode-5 packets to a broadcast or multicast address. */
export interface BroadcastTarget {
  interval: number;
  address: string;
  port: number;
}

/**
 * `refclock GPS [options]`: a GPS/GNSS receiver on a UART (NMEA) with its
 * pulse-per-second on a pin. Pins left '' are the board's (its description
 * names them); `ppsPin` 'none' means there is no pulse (NMEA only).
 */
export interface RefclockOptions {
  baud: number;
  rxPin: string;
  txPin: string;
  ppsPin: string;
  ppsEdge: 'rising' | 'falling';
  /** Added to every sample: the pulse's cable and receiver delay (chrony's `offset`). */
  offset: number;
  /** The reference's assumed delay, counted in the root delay (chrony's `delay`). */
  delay: number;
  /** Seconds from the start of a second to the end of its first sentence, for NMEA-only samples (NaN: learn it from the pulses). */
  nmeaDelay: number;
  /** log2 of the interval at which the filtered samples reach the clock. */
  pollLog2: number;
  /** Most samples the median filter holds per interval. */
  filterLength: number;
  prefer: boolean;
  noselect: boolean;
}

/**
 * The Wi-Fi station: `wifi SSID [PASSWORD]`, `hostname NAME`, `address`.
 * ssid '' keeps whatever connection Espruino has (saved with Wifi.save());
 * address '' is DHCP.
 */
export interface NetworkOptions {
  ssid: string;
  password: string;
  hostname: string;
  address: string;
  netmask: string;
  gateway: string;
  dns: string;
}

/** `pool NAME [server options] [maxsources N]`: a DNS name resolved to up to maxSources addresses, each a source. */
export interface PoolOptions {
  /** The options each of its sources gets; `host` is the pool's name. */
  server: ServerOptions;
  maxSources: number;
}

/** `leapsecmode`: how a leap second is applied at midnight (chrony's `system` is `step` here). */
export type LeapSecMode = 'step' | 'slew' | 'ignore';

export interface Config {
  servers: ServerOptions[];
  pools: PoolOptions[];
  /** Storage file holding the symmetric keys (`keys`). */
  keysFile: string;
  leapSecMode: LeapSecMode;
  /** Storage file in the IETF leap-seconds.list format ('' for none). */
  leapSecList: string;
  network: NetworkOptions;
  /** The GPS reference clock (null: none). */
  refclock: RefclockOptions | null;
  broadcasts: BroadcastTarget[];
  /** Follow broadcast servers on the NTP port (`broadcastclient`, or `multicastclient` with a group). */
  broadcastClient: boolean;
  /** The multicast group joined on the NTP port ('' for none). */
  multicastGroup: string;
  /** Unauthenticated symmetric-active peers may create passive associations (`acceptpeers`). */
  acceptPeers: boolean;
  ntpAccess: AccessDirective[];
  cmdAccess: AccessDirective[];
  rateLimit: RateLimit | null;
  /** Denied clients get a DENY kiss (else silence, as chrony). */
  denyKiss: boolean;
  /** `makestep THRESHOLD LIMIT`: step when |offset| > threshold during the first LIMIT updates (-1: always); 0 = never. */
  makestepThreshold: number;
  makestepLimit: number;
  /** Sources whose root distance exceeds this are not selectable (chrony's maxdistance). */
  maxDistance: number;
  /** chrony's `local stratum N`; 0 when local reference mode is off. */
  localStratum: number;
  /** UDP port of the NTP service. */
  ntpPort: number;
  /** Capacity of the client log (`clientloglimit`, in records here). */
  clientLogSize: number;
  /** TCP port of the status page (`httpport`; 0: no page). */
  httpPort: number;
}

export interface ConfigError {
  line: number;
  message: string;
}

export interface ParsedConfig {
  config: Config;
  errors: ConfigError[];
}

/**
 * Mode-6 queries come from localhost only unless cmdallow says otherwise, as
 * chrony's control port (RFC 8633 section 3.2: mode 6 reflects and amplifies).
 * Later cmdallow/cmddeny lines add to it; it counts as one of the MAX_RULES.
 */
const LOCAL_COMMAND_SUBNET = '127.0.0.0/8';

export function defaults(): Config {
  return { servers: [], pools: [], keysFile: DEFAULT_KEYS_FILE, leapSecMode: 'step', leapSecList: '', network: { ssid: '', password: '', hostname: '', address: '', netmask: '', gateway: '', dns: '' }, refclock: null, broadcasts: [], broadcastClient: false, multicastGroup: '', acceptPeers: false, ntpAccess: [], cmdAccess: [{ allow: true, all: false, subnet: LOCAL_COMMAND_SUBNET }], rateLimit: null, denyKiss: false, makestepThreshold: 0, makestepLimit: 0, maxDistance: 3, localStratum: 0, ntpPort: 123, clientLogSize: 64, httpPort: 80 };
}

/** A copy of a source's options (each pool source gets its own, named by its address). */
export function copyServerOptions(options: ServerOptions, host: string): ServerOptions {
  return { host: host, port: options.port, iburst: options.iburst, burst: options.burst, minPollLog2: options.minPollLog2,
    maxPollLog2: options.maxPollLog2, prefer: options.prefer, noselect: options.noselect, maxDelay: options.maxDelay,
    maxDelayRatio: options.maxDelayRatio, minStratum: options.minStratum, keyId: options.keyId, peer: options.peer };
}

export function defaultServerOptions(host: string): ServerOptions {
  return { host: host, port: 123, iburst: false, burst: false, minPollLog2: 6, maxPollLog2: 10, prefer: false, noselect: false, maxDelay: 3, maxDelayRatio: 0, minStratum: 0, keyId: 0, peer: false };
}

export function defaultRefclockOptions(): RefclockOptions {
  return { baud: 9600, rxPin: '', txPin: '', ppsPin: '', ppsEdge: 'rising', offset: 0, delay: 0, nmeaDelay: NaN, pollLog2: 4, filterLength: 16, prefer: false, noselect: false };
}

/** Sources are fixed-size state: a bound on how many. */
export const MAX_SERVERS = 8;
/** chrony's default number of sources a pool gives. */
export const DEFAULT_POOL_SOURCES = 4;
export const DEFAULT_KEYS_FILE = 'ntp.keys';
export const MAX_BROADCASTS = 4;

/** Source slots the configuration takes: servers, peers and each pool's maxsources. */
export function sourceSlots(config: Config): number {
  let slots = config.servers.length;
  for (let i = 0; i < config.pools.length; i++) slots += config.pools[i].maxSources;
  return slots;
}
