/**
 * Console commands about the clock's reference, as chronyc's (command group ntpd-cmd-clock):
 * `waitsync`, `local`, and `manual` (manual time input; its samples are entered with
 * `settime`, in stepcmd.ts with the other commands that load the clock update). A bad argument
 * changes nothing.
 */
import type { Appliance } from '../appliance';
import { parseInteger, parseNumber } from '../text/parse';
import { synchronisedToSource } from '../clock/synchronised';
import * as refid from '../ntp/refid';
import * as manual from '../sync/manual';
import { load, Module } from '../modules';
import type { Later, Output } from './commands';
import { padLeft } from './fields';
import { logDateTime } from './format';
import { trackingValues } from './tracking';

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
      const synchronised = synchronisedToSource(app.clock) &&
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
    case 'waitsync':
      return waitsync(app, args);
    case 'local':
      return local(app, args);
    case 'manual':
      return manualCommand(app, args);
  }
  return null;
}

/** This group's commands: usage, tab, summary (commands.ts, Group). */
export function table(): string {
  return 'waitsync [<max-tries> [<max-correction> [<max-skew> [<interval>]]]]\tWait for synchronisation (Ctrl-C stops)\n' +
    'local [stratum <stratum>] | local off\tServe the own clock when nothing is selected\n' +
    'manual on|off|reset|list|delete <index>\tManual time input: allow, list, delete samples\n';
}
