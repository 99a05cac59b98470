/**
 * `tracking` (command group ntpd-cmd-tracking): the clock's state as chronyc shows it. A group
 * of its own, the command asked most often, so that it loads only what it shows.
 */
import type { Appliance } from '../appliance';
import * as served from '../clock/served';
import { Leap } from '../ntp/header';
import * as refid from '../ntp/refid';
import type { Output } from './commands';
import { field } from './fields';
import { leapStatus, signedFixed, utcDateTime } from './format';
import { referenceName, trackingValues } from './tracking';

function tracking(app: Appliance): string {
  const clock = app.clock;
  const discipline = app.sync.discipline;
  const now = served.now(clock);
  const synchronised = clock.leap !== Leap.Unsynchronised;
  const values = trackingValues(app);
  const width = 16;
  // chrony's offsets are "local minus true" (positive: we are ahead); ours are the correction to apply.
  return field('Reference ID', width, refid.toHex(clock.referenceId) + ' (' + referenceName(app) + ')') +
    field('Stratum', width, '' + (synchronised ? clock.stratum : 0)) +
    field('Ref time (UTC)', width, utcDateTime(clock.referenceTime)) +
    field('System time', width, Math.abs(values.correction).toFixed(9) + ' seconds ' + (values.correction > 0 ? 'slow' : 'fast') + ' of NTP time') +
    field('Last offset', width, signedFixed(-discipline.lastOffset, 9) + ' seconds') +
    field('RMS offset', width, discipline.rmsOffset.toFixed(9) + ' seconds') +
    field('Frequency', width, Math.abs(values.frequencyPpm).toFixed(3) + ' ppm ' + (values.frequencyPpm > 0 ? 'fast' : 'slow')) +
    field('Residual freq', width, signedFixed(-discipline.residualFreq * 1e6, 3) + ' ppm') +
    field('Skew', width, values.skewPpm.toFixed(3) + ' ppm') +
    field('Root delay', width, clock.rootDelay.toFixed(9) + ' seconds') +
    field('Root dispersion', width, served.rootDispersionAt(clock, now).toFixed(9) + ' seconds') +
    field('Update interval', width, discipline.updateInterval.toFixed(1) + ' seconds') +
    field('Leap status', width, leapStatus(clock.leap));
}

/** Runs `tracking` (commands.ts, Group): the group's one command. */
export function run(app: Appliance, _name: string, args: string[]): Output {
  return args.length === 0 ? tracking(app) : null;
}

/** This group's commands: usage, tab, summary (commands.ts, Group). */
export function table(): string {
  return 'tracking\tDisplay system time information\n';
}
