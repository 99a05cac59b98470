/**
 * The Wi-Fi link's events, resident: what Espruino and the timers call. The link itself
 * (net/wifi.ts) is an on-demand module, loaded for each event: a callback made there would keep
 * it in memory, and resident its nine functions would cost memory all the time.
 */
import { load, Module } from '../modules';
import type { Network } from './wifi';

export const enum LinkState {
  Disconnected = 'disconnected',
  Connecting = 'connecting',
  Connected = 'connected',
}

/** What happened to the link (the `detail` it comes with in brackets). */
export const enum LinkEvent {
  /** Espruino says the station is connected (its address). */
  Up,
  /** Espruino says the link dropped (why). */
  Down,
  /** The periodic check of the link (none). */
  Supervise,
  /** An attempt had no answer in time (its number). */
  ConnectTimeout,
  /** Wifi.connect answered the current attempt (null, or the error). */
  Answer,
  /** The next attempt is due (none). */
  Retry,
}

/** One of the link's events: its code is loaded for it. */
export function linkEvent(net: Network, event: LinkEvent, detail: string | number | null): void {
  load(net.platform, Module.Wifi).handle(net, event, detail);
}

/** Espruino's events of the link, for `net`. */
export function watchLink(net: Network): void {
  net.platform.services().onWifiLink(function (up, detail) {
    linkEvent(net, up ? LinkEvent.Up : LinkEvent.Down, detail);
  });
}

/** Joins the configured network; the answer counts only for attempt `id` (a late one to an older attempt is ignored). */
export function connect(net: Network, id: number): void {
  net.platform.services().wifiConnect(net.options.ssid, net.options.password, function (error) {
    if (id === net.attempt) linkEvent(net, LinkEvent.Answer, error);
  });
}
