/**
 * The box rather than time (command group ntpd-cmd-system): `rtcdata` (the crystal as the
 * discipline knows it, and the drift file), `uptime`, `status` (uptime, memory, flash,
 * network), `network` (the Wi-Fi link), `keys` and `reboot`. chronyc's "Label : value" layout.
 */
import type { Appliance } from '../appliance';
import * as discipline from '../clock/discipline';
import * as served from '../clock/served';
import * as keys from '../ntp/keys';
import type { Output } from './commands';
import { field, padLeft } from './fields';
import { clockTime, utcDateTime } from './format';
import { network } from './network';
import { trackingValues } from './tracking';

/** "N days, HH:MM:SS" */
function elapsed(seconds: number): string {
  const whole = seconds > 0 ? Math.floor(seconds) : 0;
  const days = Math.floor(whole / 86400);
  return (days > 0 ? days + (days === 1 ? ' day, ' : ' days, ') : '') + clockTime(whole - days * 86400);
}

/** Seconds since boot, on the raw clock (steps of the served time do not count). startTime was read while cooked = raw. */
function uptimeSeconds(app: Appliance): number {
  return app.clock.readRaw() - app.startTime;
}

function uptime(app: Appliance): string {
  const seconds = uptimeSeconds(app);
  return 'Up ' + elapsed(seconds) + ' (' + Math.floor(seconds) + ' seconds)\n';
}

/** `rtcdata`: the crystal's frequency error and skew, the drift file's values, and when it was last written. */
function rtcdata(app: Appliance): string {
  const sync = app.sync;
  const values = trackingValues(app);
  const width = 19;
  const stored = app.platform.services().storageRead(discipline.DRIFT_FILE);
  const drift = stored === undefined ? null : discipline.parseDrift(stored);
  const driftText = drift === null ? (stored === undefined ? 'none' : 'unreadable') :
    (-drift.freq / (1 + drift.freq) * 1e6).toFixed(3) + ' ppm, skew ' + (drift.skew * 1e6).toFixed(3) + ' ppm';
  const saved = sync.lastDriftSave > 0 ? elapsed(served.now(app.clock) - sync.lastDriftSave) + ' ago' : 'not since boot';
  return field('RTC ref time (UTC)', width, sync.discipline.updates > 0 ? utcDateTime(sync.discipline.lastUpdateTime) : 'never') +
    field('Number of samples', width, '' + sync.discipline.updates) +
    field('Update interval', width, sync.discipline.updateInterval.toFixed(1) + ' seconds') +
    field('RTC gains time at', width, padLeft(values.frequencyPpm.toFixed(3), 9) + ' ppm') +
    field('Frequency skew', width, padLeft(values.skewPpm.toFixed(3), 9) + ' ppm') +
    field('Drift file', width, discipline.DRIFT_FILE + ': ' + driftText) +
    field('Drift file saved', width, saved) +
    field('Temperature', width, 'not measured: the estimate holds at the temperature it was learned at');
}

function status(app: Appliance): string {
  const memory = app.platform.services().memory();
  const errors = app.platform.services().callbackErrors();
  const network = app.network;
  const width = 15;
  return field('Uptime', width, elapsed(uptimeSeconds(app))) +
    field('Memory', width, memory === null ? 'not known here (only the Espruino interpreter counts JsVars)' :
      memory.usedJsVars + ' of ' + memory.totalJsVars + ' JsVars used (' + Math.round(memory.usedJsVars * 100 / memory.totalJsVars) + '%)') +
    field('Storage free', width, app.platform.services().storageFree() + ' bytes') +
    field('Callback errors', width, errors.count === 0 ? '0' : errors.count + ' (last: ' + errors.last + ')') +
    field('Wi-Fi', width, network ? network.state : 'unknown') +
    field('IP address', width, network ? network.address : 'unknown');
}

function reboot(app: Appliance): string {
  // Let the console print this line first.
  app.platform.after(200, app.platform.services().reboot);
  return 'Rebooting' + (app.editedConfig !== app.storedConfig.text ? ' (unsaved configuration edits dropped)' : '') + '.\n';
}

function listKeys(app: Appliance): string {
  return app.auth.keys.length === 0 ? 'No keys (Storage file ' + app.config.keysFile + ')\n' : keys.describeKeys(app.auth.keys) + '\n';
}

/** Runs one of this group's commands (commands.ts, Group): none takes arguments. */
export function run(app: Appliance, name: string, args: string[]): Output {
  if (args.length !== 0) return null;
  switch (name) {
    case 'keys':
      return listKeys(app);
    case 'rtcdata':
      return rtcdata(app);
    case 'uptime':
      return uptime(app);
    case 'status':
      return status(app);
    case 'network':
      return network(app);
  }
  return reboot(app);
}

/** This group's commands: usage, tab, summary (commands.ts, Group). */
export function table(): string {
  return 'keys\tList the symmetric keys (IDs and types only)\n' +
    'rtcdata\tShow the crystal\'s frequency error and the drift file\n' +
    'uptime\tShow how long the appliance has been running\n' +
    'status\tShow uptime, memory, free flash and the network\n' +
    'network\tShow the Wi-Fi link: state, address, retries\n' +
    'reboot\tRestart the board (unsaved configuration edits are lost)\n';
}
