/**
 * Console commands that act on the clock itself, as chronyc's: `local`,
 * `manual` and `settime` (manual time input), `reselect`, and `dump` /
 * `writertc` (the drift file now). A bad argument changes nothing.
 */
import type { Appliance } from '../appliance';
import { parseInteger } from '../text/parse';
import * as localClock from '../clock/local';
import * as manual from '../sync/manual';
import * as syncManager from '../sync/manager';
import { logDateTime, padLeft } from './format';
import { trackingValues } from './reports';
import { parseTime } from './timeinput';

const OK = '200 OK\n';
/** chrony's default for `local` without a stratum. */
const LOCAL_STRATUM = 10;

/** `local [stratum N]` / `local off` */
export function local(app: Appliance, args: string[]): string {
  let stratum = LOCAL_STRATUM;
  if (args.length === 1 && args[0] === 'off') stratum = 0;
  else if (args.length === 2 && args[0] === 'stratum') stratum = parseInteger(args[1], 1, 15);
  else if (args.length !== 0) stratum = NaN;
  if (stratum !== stratum) return 'Invalid syntax for local command\n';
  syncManager.setLocal(app.sync, stratum);
  return OK;
}

/** `manual on|off|reset|list|delete N` */
export function manualCommand(app: Appliance, args: string[]): string {
  const input = app.sync.manual;
  const option = args.length > 0 ? args[0] : '';
  if (option === 'list' && args.length === 1) return manualList(app);
  if (option === 'delete' && args.length === 2) {
    const index = parseInteger(args[1], -1e9, 1e9);
    if (index !== index) return 'Bad syntax for manual delete command\n';
    return manual.remove(input, index) ? OK : '516 Sample index out of range\n';
  }
  if (args.length !== 1 || (option !== 'on' && option !== 'off' && option !== 'reset')) return 'Invalid syntax for manual command\n';
  if (option === 'reset') manual.reset(input);
  else input.enabled = option === 'on';
  return OK;
}

const MANUAL_HEADER = '#    Date     Time(UTC)    Slewed   Original   Residual';

function fixed2(value: number): string {
  return padLeft(value.toFixed(2), 10);
}

/** chronyc's `manual list`: the samples, as corrected since and as entered, and off the line through them. */
function manualList(app: Appliance): string {
  const input = app.sync.manual;
  let rule = '';
  while (rule.length < MANUAL_HEADER.length) rule += '=';
  let text = '210 n_samples = ' + input.times.length + '\n' + MANUAL_HEADER + '\n' + rule + '\n';
  for (let i = 0; i < input.times.length; i++) {
    text += padLeft('' + i, 2) + ' ' + logDateTime(input.times[i]) + ' ' + fixed2(input.slewed[i]) + ' ' +
      fixed2(input.original[i]) + ' ' + fixed2(manual.residual(input, i)) + '\n';
  }
  return text;
}

/** `settime TIME`: with manual on, the time typed in is a sample for the clock. */
export function settime(app: Appliance, args: string[]): string | null {
  if (args.length === 0) return null;
  const given = parseTime(args, localClock.now(app.clock));
  if (given !== given) return '510 - Could not parse date string\n';
  if (!app.sync.manual.enabled) return '505 Facility not enabled in daemon\n';
  const before = trackingValues(app).frequencyPpm;
  const offset = syncManager.manualSample(app.sync, given);
  const after = trackingValues(app).frequencyPpm;
  return 'Clock was ' + offset.toFixed(2) + ' seconds fast.  Frequency change = ' + (after - before).toFixed(2) +
    'ppm, new frequency = ' + after.toFixed(2) + 'ppm\n';
}

export function reselect(app: Appliance): string {
  syncManager.reselect(app.sync);
  return OK;
}

/** `dump` / `writertc`: the crystal's frequency to the drift file now; says what was written. */
export function saveDrift(app: Appliance): string {
  const sync = app.sync;
  if (sync.discipline.updates === 0 && app.platform.storageRead(syncManager.DRIFT_FILE) === undefined) {
    return '500 Failure (no frequency learned yet)\n';
  }
  const text = syncManager.writeDrift(sync);
  if (text === '') return '514 Can\'t write RTC parameters\n';
  const parts = text.trim().split(' ');
  return OK + 'Wrote ' + syncManager.DRIFT_FILE + ': frequency ' + parts[0] + ' ppm, skew ' + parts[1] + ' ppm\n';
}
