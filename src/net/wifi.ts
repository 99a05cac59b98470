/**
 * The Wi-Fi station link. With a `wifi` line it joins that network and, when
 * an attempt fails or the link drops, tries again after an exponential,
 * jittered back-off (Espruino's ESP32 port does not reconnect by itself).
 * Without one it keeps whatever connection Espruino has and only reports it.
 * Each time the link comes up, `onUp` tells the services, so they bind then
 * and re-bind after a reconnect.
 *
 * On the device this is an on-demand module, loaded for each of the link's
 * events (handle); what Espruino and the timers call is net/link.ts, resident.
 */
import type { NetworkOptions } from '../config/types';
import type { Platform } from '../platform';
import { connect, LinkEvent, linkEvent, LinkState, watchLink } from './link';

export const DISCONNECTED = LinkState.Disconnected;
export const CONNECTING = LinkState.Connecting;
export const CONNECTED = LinkState.Connected;

/** The first retry after 5 s, doubling up to 5 min. */
export const RETRY_MIN_MS = 5000;
export const RETRY_MAX_MS = 300000;
/** Each delay is shortened by up to this share, so boards that lost the same access point do not retry in step. */
export const RETRY_JITTER = 0.2;
/** An attempt with no outcome by then counts as failed (on some ESP32 builds a failure calls nothing back). */
export const CONNECT_TIMEOUT_MS = 30000;
/** The link is also checked this often: ESP32's 'disconnected' event is known to fire only once. */
const SUPERVISE_MS = 10000;

export interface Network {
  platform: Platform;
  options: NetworkOptions;
  state: LinkState;
  /** The station's address while connected, else ''. */
  address: string;
  netmask: string;
  gateway: string;
  lastError: string;
  /** Raw clock at the last error and at the last time the link came up (NaN: never). */
  lastErrorRaw: number;
  upSinceRaw: number;
  /** Failed attempts since the link was last up. */
  retries: number;
  /** Times the link came back after being up. */
  reconnects: number;
  /** Raw clock of the next attempt (NaN: none planned). */
  nextAttemptRaw: number;
  timer: number;
  /** Numbers attempts, so a late answer to an old one is ignored. */
  attempt: number;
  /** The link is up: services bind (reconnect false) or re-bind (true). */
  onUp: (reconnect: boolean) => void;
}

/** The wait before the attempt after `failures` failed ones (>= 1), `random` in [0, 1). */
export function retryDelayMs(failures: number, random: number): number {
  let delay = RETRY_MIN_MS;
  for (let i = 1; i < failures && delay < RETRY_MAX_MS; i++) delay *= 2;
  if (delay > RETRY_MAX_MS) delay = RETRY_MAX_MS;
  return delay * (1 - RETRY_JITTER * random);
}

export function create(platform: Platform, options: NetworkOptions, onUp: (reconnect: boolean) => void): Network {
  return {
    platform: platform, options: options, state: DISCONNECTED, address: '', netmask: '', gateway: '', lastError: '',
    lastErrorRaw: NaN, upSinceRaw: NaN, retries: 0, reconnects: 0, nextAttemptRaw: NaN, timer: 0, attempt: 0, onUp: onUp,
  };
}

/** Starts the link: joins the configured network, or adopts Espruino's connection if it has one. */
export function start(net: Network): void {
  const platform = net.platform;
  watchLink(net);
  platform.every(SUPERVISE_MS, linkEvent, net, LinkEvent.Supervise);
  if (net.options.hostname !== '') platform.services().wifiSetHostname(net.options.hostname);
  if (net.options.ssid !== '') {
    attempt(net);
    return;
  }
  if (platform.wifiAddress() !== null) linkUp(net);
  else fail(net, 'not connected, and no wifi line in the configuration');
}

/** One of the link's events (net/link.ts): `detail` as LinkEvent says. */
export function handle(net: Network, event: LinkEvent, detail: string | number | null): void {
  switch (event) {
    case LinkEvent.Up:
      linkUp(net);
      return;
    case LinkEvent.Down:
      linkDown(net, detail as string);
      return;
    case LinkEvent.Supervise:
      supervise(net);
      return;
    case LinkEvent.ConnectTimeout:
      if (detail === net.attempt && net.state === CONNECTING) linkUpOr(net, 'no answer in ' + CONNECT_TIMEOUT_MS / 1000 + ' s');
      return;
    case LinkEvent.Answer:
      if (net.state !== CONNECTING) return;
      if (detail === null) linkUpOr(net, 'connected without an address');
      else fail(net, detail as string);
      return;
    case LinkEvent.Retry:
      attempt(net);
      return;
  }
}

/** Every SUPERVISE_MS: a link lost without an event, or one Espruino made itself. */
function supervise(net: Network): void {
  const connected = net.platform.wifiAddress() !== null;
  if (net.state === CONNECTED && !connected) linkDown(net, 'link lost');
  else if (net.state === DISCONNECTED && net.options.ssid === '' && connected) linkUp(net);
}

function attempt(net: Network): void {
  const platform = net.platform;
  const options = net.options;
  const id = ++net.attempt;
  net.state = CONNECTING;
  net.nextAttemptRaw = NaN;
  platform.cancelTimer(net.timer);
  net.timer = platform.after(CONNECT_TIMEOUT_MS, linkEvent, net, LinkEvent.ConnectTimeout, id);
  if (options.address !== '') platform.services().wifiSetIP(options.address, options.netmask, options.gateway, options.dns);
  connect(net, id);
}

function linkUpOr(net: Network, error: string): void {
  if (net.platform.wifiAddress() !== null) linkUp(net);
  else fail(net, error);
}

function linkUp(net: Network): void {
  const info = net.platform.wifiAddress();
  if (info === null || net.state === CONNECTED) return;
  net.platform.cancelTimer(net.timer);
  const reconnect = net.upSinceRaw === net.upSinceRaw;
  net.state = CONNECTED;
  net.address = info.address;
  net.netmask = info.netmask;
  net.gateway = info.gateway;
  net.retries = 0;
  net.nextAttemptRaw = NaN;
  net.upSinceRaw = net.platform.rawClock();
  if (reconnect) net.reconnects++;
  // Adopting the connection the board booted with is the quiet, usual case.
  if (net.options.ssid !== '' || reconnect) net.platform.log('network: connected as ' + info.address);
  net.onUp(reconnect);
}

function linkDown(net: Network, reason: string): void {
  if (net.state === CONNECTING) {
    fail(net, reason);
    return;
  }
  if (net.state !== CONNECTED) return;
  net.platform.log('network: link lost (' + reason + ')');
  fail(net, reason);
}

/** An attempt failed or the link dropped: note why, and plan the next attempt if there is a network to join. */
function fail(net: Network, error: string): void {
  const platform = net.platform;
  const wasUp = net.state === CONNECTED;
  platform.cancelTimer(net.timer);
  net.state = DISCONNECTED;
  net.address = '';
  net.lastError = error;
  net.lastErrorRaw = platform.rawClock();
  if (net.options.ssid === '') return;
  if (!wasUp) net.retries++;
  const delayMs = retryDelayMs(net.retries > 0 ? net.retries : 1, platform.random());
  net.nextAttemptRaw = net.lastErrorRaw + delayMs / 1000;
  if (!wasUp) platform.log('network: cannot join "' + net.options.ssid + '": ' + error + '; retry ' + net.retries + ' in ' + (delayMs / 1000).toFixed(1) + ' s');
  net.timer = platform.after(delayMs, linkEvent, net, LinkEvent.Retry, null);
}
