/**
 * Reports on the box rather than on time: `rtcdata` (the crystal as the
 * discipline knows it, and the drift file), `uptime`, and `status` (uptime,
 * memory, flash, network). chronyc's "Label : value" layout.
 */
import type { Appliance } from '../appliance';
import * as discipline from '../clock/discipline';
import * as localClock from '../clock/local';
import * as syncManager from '../sync/manager';
import { clockTime, field, padLeft, utcDateTime } from './format';
import { trackingValues } from './reports';

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

export function uptime(app: Appliance): string {
  const seconds = uptimeSeconds(app);
  return 'Up ' + elapsed(seconds) + ' (' + Math.floor(seconds) + ' seconds)\n';
}

/** `rtcdata`: the crystal's frequency error and skew, the drift file's values, and when it was last written. */
export function rtcdata(app: Appliance): string {
  const sync = app.sync;
  const values = trackingValues(app);
  const width = 19;
  const stored = app.platform.storageRead(syncManager.DRIFT_FILE);
  const drift = stored === undefined ? null : discipline.parseDrift(stored);
  const driftText = drift === null ? (stored === undefined ? 'none' : 'unreadable') :
    (-drift.freq / (1 + drift.freq) * 1e6).toFixed(3) + ' ppm, skew ' + (drift.skew * 1e6).toFixed(3) + ' ppm';
  const saved = sync.lastDriftSave > 0 ? elapsed(localClock.now(app.clock) - sync.lastDriftSave) + ' ago' : 'not since boot';
  return field('RTC ref time (UTC)', width, sync.discipline.updates > 0 ? utcDateTime(sync.discipline.lastUpdateTime) : 'never') +
    field('Number of samples', width, '' + sync.discipline.updates) +
    field('Update interval', width, sync.discipline.updateInterval.toFixed(1) + ' seconds') +
    field('RTC gains time at', width, padLeft(values.frequencyPpm.toFixed(3), 9) + ' ppm') +
    field('Frequency skew', width, padLeft(values.skewPpm.toFixed(3), 9) + ' ppm') +
    field('Drift file', width, syncManager.DRIFT_FILE + ': ' + driftText) +
    field('Drift file saved', width, saved) +
    field('Temperature', width, 'not measured: the estimate holds at the temperature it was learned at');
}

export function status(app: Appliance): string {
  const memory = app.platform.memory();
  const errors = app.platform.callbackErrors();
  const network = app.network;
  const width = 15;
  return field('Uptime', width, elapsed(uptimeSeconds(app))) +
    field('Memory', width, memory === null ? 'not known here (only the Espruino interpreter counts JsVars)' :
      memory.usedJsVars + ' of ' + memory.totalJsVars + ' JsVars used (' + Math.round(memory.usedJsVars * 100 / memory.totalJsVars) + '%)') +
    field('Storage free', width, app.platform.storageFree() + ' bytes') +
    field('Callback errors', width, errors.count === 0 ? '0' : errors.count + ' (last: ' + errors.last + ')') +
    field('Wi-Fi', width, network ? network.state : 'unknown') +
    field('IP address', width, network ? network.address : 'unknown');
}
