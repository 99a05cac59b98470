/**
 * Console commands that act on the clock itself, as chronyc's (command group
 * ntpd-cmd-clock): `makestep`, `waitsync`, `local`, `manual` and `settime`
 * (manual time input), `reselect`, and `dump` / `writertc` (the drift file
 * now). A bad argument changes nothing.
 */
import type { Appliance } from '../appliance';
import { parseInteger, parseNumber } from '../text/parse';
import * as localClock from '../clock/local';
import * as refid from '../ntp/refid';
import * as manual from '../sync/manual';
import { DRIFT_FILE } from '../clock/discipline';
import { load, Module } from '../modules';
import type { ClockUpdateModule } from '../modules';
import type { Later, Output } from './commands';
import { padLeft } from './fields';
import { logDateTime } from './format';
import { parseTime } from './timeinput';
import { trackingValues } from './tracking';

/** The clock update (sync/update.ts), loaded for the commands that act on the selection or the discipline (not for the whole group). */
function clockUpdate(app: Appliance): ClockUpdateModule {
  return load(app.platform, Module.ClockUpdate);
}

const OK = '200 OK\n';
/** chrony's default for `local` without a stratum. */
const LOCAL_STRATUM = 10;

/** `local [stratum N]` / `local off` */
function local(app: Appliance, args: string[]): string {
  let stratum = LOCAL_STRATUM;
  if (args.length === 1 && args[0] === 'off') stratum = 0;
  else if (args.length === 2 && args[0] === 'stratum') stratum = parseInteger(args[1], 1, 15);
  else if (args.length !== 0) stratum = NaN;
  if (stratum !== stratum) return 'Invalid syntax for local command\n';
  load(app.platform, Module.Reference).setLocal(app.sync, stratum);
  return OK;
}

/** `manual on|off|reset|list|delete N` */
function manualCommand(app: Appliance, args: string[]): string {
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

function fixed2(value: number): string {
  return padLeft(value.toFixed(2), 10);
}

/** chronyc's `manual list`: the samples, as corrected since and as entered, and off the line through them. */
function manualList(app: Appliance): string {
  const input = app.sync.manual;
  const header = '#    Date     Time(UTC)    Slewed   Original   Residual';
  let rule = '';
  while (rule.length < header.length) rule += '=';
  let text = '210 n_samples = ' + input.times.length + '\n' + header + '\n' + rule + '\n';
  for (let i = 0; i < input.times.length; i++) {
    text += padLeft('' + i, 2) + ' ' + logDateTime(input.times[i]) + ' ' + fixed2(input.slewed[i]) + ' ' +
      fixed2(input.original[i]) + ' ' + fixed2(manual.residual(input, i)) + '\n';
  }
  return text;
}

/** `settime TIME`: with manual on, the time typed in is a sample for the clock. */
function settime(app: Appliance, args: string[]): string | null {
  if (args.length === 0) return null;
  const given = parseTime(args, localClock.now(app.clock));
  if (given !== given) return '510 - Could not parse date string\n';
  if (!app.sync.manual.enabled) return '505 Facility not enabled in daemon\n';
  const before = trackingValues(app).frequencyPpm;
  const offset = clockUpdate(app).manualSample(app.sync, given);
  const after = trackingValues(app).frequencyPpm;
  return 'Clock was ' + offset.toFixed(2) + ' seconds fast.  Frequency change = ' + (after - before).toFixed(2) +
    'ppm, new frequency = ' + after.toFixed(2) + 'ppm\n';
}

function reselect(app: Appliance): string {
  clockUpdate(app).reselect(app.sync);
  return OK;
}

/** `dump` / `writertc`: the crystal's frequency to the drift file now; says what was written. */
function saveDrift(app: Appliance): string {
  const sync = app.sync;
  if (sync.discipline.updates === 0 && app.platform.services().storageRead(DRIFT_FILE) === undefined) {
    return '500 Failure (no frequency learned yet)\n';
  }
  const text = clockUpdate(app).writeDrift(sync);
  if (text === '') return '514 Can\'t write RTC parameters\n';
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

/**
 * `waitsync [max-tries [max-correction [max-skew [interval]]]]`: one line a
 * try until the clock follows a source within the limits (0: no limit), or
 * the tries run out. Ctrl-C stops it.
 */
function waitsync(app: Appliance, args: string[]): Later | null {
  if (args.length > 4) return null;
  const maxTries = args.length > 0 ? parseInteger(args[0], 0, 1e9) : 0;
  const maxCorrection = args.length > 1 ? parseNumber(args[1], 0, 1e9) : 0;
  const maxSkewPpm = args.length > 2 ? parseNumber(args[2], 0, 1e9) : 0;
  let interval = args.length > 3 ? parseNumber(args[3], 0, 1e6) : 10;
  if (maxTries !== maxTries || maxCorrection !== maxCorrection || maxSkewPpm !== maxSkewPpm || interval !== interval) return null;
  if (interval < 0.1) interval = 0.1;
  return function (write, done) {
    let tries = 0;
    let timer = -1;
    function attempt(): void {
      timer = -1;
      tries++;
      const values = trackingValues(app);
      const correction = Math.abs(values.correction);
      write('try: ' + tries + ', refid: ' + refid.toHex(app.clock.referenceId) + ', correction: ' + correction.toFixed(9) +
        ', skew: ' + values.skewPpm.toFixed(3) + '\n');
      const synchronised = localClock.synchronisedToSource(app.clock) &&
        (maxCorrection === 0 || correction <= maxCorrection) && (maxSkewPpm === 0 || values.skewPpm <= maxSkewPpm);
      if (synchronised || (maxTries > 0 && tries >= maxTries)) {
        done();
        return;
      }
      timer = app.platform.after(interval * 1000, attempt);
    }
    attempt();
    return function () {
      if (timer >= 0) app.platform.cancelTimer(timer);
      timer = -1;
    };
  };
}

/** Runs one of this group's commands (commands.ts, Group). */
export function run(app: Appliance, name: string, args: string[]): Output {
  switch (name) {
    case 'makestep':
      return makestep(app, args);
    case 'waitsync':
      return waitsync(app, args);
    case 'local':
      return local(app, args);
    case 'manual':
      return manualCommand(app, args);
    case 'settime':
      return settime(app, args);
  }
  if (args.length !== 0) return null;
  return name === 'reselect' ? reselect(app) : saveDrift(app);
}

/** This group's commands: usage, tab, summary (commands.ts, Group). */
export function table(): string {
  return 'makestep [<threshold> <limit>]\tStep the clock now, or set when it may step\n' +
    'waitsync [<max-tries> [<max-correction> [<max-skew> [<interval>]]]]\tWait for synchronisation (Ctrl-C stops)\n' +
    'reselect\tSelect the best source again from scratch\n' +
    'local [stratum <stratum>] | local off\tServe the own clock when nothing is selected\n' +
    'manual on|off|reset|list|delete <index>\tManual time input: allow, list, delete samples\n' +
    'settime <time>\tEnter the time (UTC; manual on): HH:MM[:SS], YYYY-MM-DD HH:MM[:SS]\n' +
    'dump\tSave the crystal\'s frequency to the drift file now\n' +
    'writertc\tSave the crystal\'s frequency to the drift file now\n';
}
