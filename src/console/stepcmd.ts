/**
 * Console commands that act on the selection or the discipline, as chronyc's (command group
 * ntpd-cmd-step): `makestep`, `reselect`, `settime` (a manual sample) and `dump` / `writertc`
 * (the drift file now). A group of its own because the first three load the clock update
 * (sync/update.ts): the rest of the clock commands (clockcmd.ts) are not in memory with it.
 * A bad argument changes nothing.
 */
import type { Appliance } from '../appliance';
import { parseInteger, parseNumber } from '../text/parse';
import * as served from '../clock/served';
import * as discipline from '../clock/discipline';
import { DRIFT_FILE } from '../clock/discipline';
import { load, Module } from '../modules';
import type { ClockUpdateModule } from '../modules';
import type { Output } from './commands';
import { parseTime } from './timeinput';

/** The clock update (sync/update.ts), loaded for each of these commands once its arguments are valid. */
function clockUpdate(app: Appliance): ClockUpdateModule {
  return load(app.platform, Module.ClockUpdate);
}

const OK = '200 OK\n';

/** `settime TIME`: with manual on, the time typed in is a sample for the clock. */
function settime(app: Appliance, args: string[]): string | null {
  if (args.length === 0) return null;
  const given = parseTime(args, served.now(app.clock));
  if (given !== given) return '510 - Could not parse date string\n';
  if (!app.sync.manual.enabled) return '505 Facility not enabled in daemon\n';
  const before = served.frequencyPpm(app.clock);
  const offset = clockUpdate(app).manualSample(app.sync, given);
  const after = served.frequencyPpm(app.clock);
  return 'Clock was ' + offset.toFixed(2) + ' seconds fast.  Frequency change = ' + (after - before).toFixed(2) +
    'ppm, new frequency = ' + after.toFixed(2) + 'ppm\n';
}

function reselect(app: Appliance): string {
  clockUpdate(app).reselect(app.sync);
  return OK;
}

/** `dump` / `writertc`: the crystal's frequency to the drift file now (without the clock update's code); says what was written. */
function saveDrift(app: Appliance): string {
  const sync = app.sync;
  if (sync.discipline.updates === 0 && app.platform.services().storageRead(DRIFT_FILE) === undefined) {
    return '500 Failure (no frequency learned yet)\n';
  }
  const text = discipline.driftText(sync.clock, sync.discipline);
  sync.lastDriftSave = served.now(sync.clock);
  if (!app.platform.services().storageWrite(DRIFT_FILE, text)) return '514 Can\'t write RTC parameters\n';
  const parts = text.trim().split(' ');
  return OK + 'Wrote ' + DRIFT_FILE + ': frequency ' + parts[0] + ' ppm, skew ' + parts[1] + ' ppm\n';
}

function makestep(app: Appliance, args: string[]): string {
  if (args.length === 0) return clockUpdate(app).makestepNow(app.sync) ? OK : '500 Failure\n';
  const threshold = parseNumber(args[0], 0, 1e9);
  const limit = parseInteger(args[1], -1, 1e9);
  if (args.length !== 2 || threshold !== threshold || limit !== limit) return 'Bad syntax for makestep command\n';
  app.config.makestepThreshold = threshold;
  app.config.makestepLimit = limit;
  return OK;
}

/** Runs one of this group's commands (commands.ts, Group). */
export function run(app: Appliance, name: string, args: string[]): Output {
  if (name === 'makestep') return makestep(app, args);
  if (name === 'settime') return settime(app, args);
  if (args.length !== 0) return null;
  return name === 'reselect' ? reselect(app) : saveDrift(app);
}

/** This group's commands: usage, tab, summary (commands.ts, Group). */
export function table(): string {
  return 'makestep [<threshold> <limit>]\tStep the clock now, or set when it may step\n' +
    'reselect\tSelect the best source again from scratch\n' +
    'settime <time>\tEnter the time (UTC; manual on): HH:MM[:SS], YYYY-MM-DD HH:MM[:SS]\n' +
    'dump\tSave the crystal\'s frequency to the drift file now\n' +
    'writertc\tSave the crystal\'s frequency to the drift file now\n';
}
