/**
 * `network`: the Wi-Fi link in chronyc's "label : value" layout.
 */
import type { Appliance } from '../appliance';
import { LinkState } from '../net/link';
import type { Network } from '../net/wifi';
import { field } from './fields';

const WIDTH = 16;

function secondsAgo(app: Appliance, raw: number, suffix: string): string {
  return raw === raw ? Math.round(app.platform.rawClock() - raw) + ' seconds' + suffix : 'never';
}

export function network(app: Appliance): string {
  if (app.network === null) return 'No network\n';
  // app.ts puts the whole link state here; the Appliance type shows only what other reports need.
  const net = app.network as Network;
  const options = net.options;
  const connected = net.state === LinkState.Connected;
  let address = connected ? net.address + ' netmask ' + net.netmask + ' gateway ' + net.gateway : 'none';
  if (connected) address += options.address !== '' ? ' (static)' : options.ssid !== '' ? ' (DHCP)' : '';
  const next = net.nextAttemptRaw === net.nextAttemptRaw ? ', next attempt in ' + Math.max(0, Math.round(net.nextAttemptRaw - app.platform.rawClock())) + ' seconds' : '';
  return field('State', WIDTH, net.state) +
    field('Wi-Fi network', WIDTH, options.ssid !== '' ? '"' + options.ssid + '"' : 'the one Espruino saved (no wifi line)') +
    field('Address', WIDTH, address) +
    field('Hostname', WIDTH, options.hostname !== '' ? options.hostname : '(Espruino\'s)') +
    field('Connected for', WIDTH, connected ? secondsAgo(app, net.upSinceRaw, '') : '-') +
    field('Last error', WIDTH, net.lastError !== '' ? net.lastError + ' (' + secondsAgo(app, net.lastErrorRaw, ' ago') + ')' : 'none') +
    field('Retries', WIDTH, net.retries + next) +
    field('Reconnects', WIDTH, '' + net.reconnects);
}
