/**
 * The console's reports on time sources (command group ntpd-cmd-reports): chronyc's sources,
 * sourcestats, selectdata and activity (ntpdata and refclocks are detailcmds.ts), in chronyc's
 * layout (column widths, units, wording), so that scripts and eyes trained on chronyc read them
 * unchanged. Long fixed texts (legends, labels) are written
 * inside the functions that print them: a module-level constant would take memory for as
 * long as the module is loaded.
 */
import type { Appliance } from '../appliance';
import * as served from '../clock/served';
import * as sourcestats from '../sync/sourcestats';
import { StatsField } from '../sync/sourcestats';
import { SourceField } from '../sync/source';
import type { Source } from '../sync/source';
import type { Output } from './commands';
import { padLeft, padRight } from './fields';
import { age, duration, ppm, signedDuration } from './format';
import { header, listed, sources, sourceName } from './reports';

/** "N----" / "-P---": noselect and prefer (this box has no trust/require). */
function selectOptions(source: Source): string {
  return (source.options.noselect ? 'N' : '-') + (source.options.prefer ? 'P' : '-') + '---';
}

/** chronyc's selectdata: what the last selection made of each source. */
function selectdata(app: Appliance, verbose: boolean, all: boolean): string {
  const now = served.now(app.clock);
  let text = (verbose ?
    '  . State: N - noselect, M - missing samples, S - stale (unreachable, offline),\n' +
    ' /         L - peer not closer to a reference than we are, D - not combined,\n' +
    '|          x - falseticker (or no majority), + - combined, * - best.\n' +
    '|   Effective options   ---------.  (N - noselect, P - prefer)\n' +
    '|   Configured options  ----.     \\  Score: root distance / the best one\'s\n' +
    '|   Auth. enabled (Y/N) -.   \\     \\     Offset interval --.\n' +
    '|                        |    |     |                       |\n' : '') + header('S Name/IP Address        Auth COpts EOpts Last Score     Interval  Leap');
  const list = listed(app, all);
  for (let i = 0; i < list.length; i++) {
    const source = list[i];
    const options = selectOptions(source);
    const state = source.state;
    const ago = sourcestats.count(source.stats) > 0 ? now - Math.floor(source.lastSampleTime) : 0;
    text += String.fromCharCode(state[SourceField.SelectState]) + ' ' + padRight(sourceName(source), 25) + ' ' + (source.options.keyId > 0 ? 'Y' : 'N') + ' ' +
      options + ' ' + options + ' ' + age(ago) + ' ' + padLeft(state[SourceField.SelectScore].toFixed(1), 5) + ' ' +
      signedDuration(state[SourceField.SelectLow]) + ' ' + signedDuration(state[SourceField.SelectHigh]) + '  ' + 'N+-?'.charAt(state[SourceField.Leap] & 3) + '\n';
  }
  return text;
}

/** Runs of equal-signed residuals about the fit (chrony's NR); 0 below three samples. */
function residualRuns(stats: sourcestats.SourceStats | undefined): number {
  const n = sourcestats.count(stats);
  if (!stats || n < 3) return 0;
  let runs = 0;
  let previous = false;
  for (let i = 0; i < n; i++) {
    const point = sourcestats.sample(stats, i);
    const positive = point.offset - sourcestats.predictOffset(stats, point.time) >= 0;
    if (i === 0 || positive !== previous) runs++;
    previous = positive;
  }
  return runs;
}

function sourcestatsReport(app: Appliance, verbose: boolean, all: boolean): string {
  const now = served.idealTime(app.clock, app.clock.readRaw());
  let text = (verbose ?
    '                             .- Samples in the regression window\n' +
    '                            /    .- Runs of residuals of one sign\n' +
    '                           |    /    .- Time spanned by the samples\n' +
    '                           |   |    /      .- Our clock\'s frequency error (ppm)\n' +
    '                           |   |   |      /           .- Its standard error (ppm)\n' +
    '                           |   |   |     |           /         .- Offset now\n' +
    '                           |   |   |     |          |          |   Sample  -.\n' +
    '                           |   |   |     |          |          |   std dev. \\\n' +
    '                           |   |   |     |          |          |             |\n' : '') + header('Name/IP Address            NP  NR  Span  Frequency  Freq Skew  Offset  Std Dev');
  const list = listed(app, all);
  for (let i = 0; i < list.length; i++) {
    const stats = list[i].stats;
    const n = sourcestats.count(stats);
    let span = 0;
    let offset = 0;
    if (stats && n > 1) {
      span = Math.floor(sourcestats.lastTime(stats) - sourcestats.sample(stats, 0).time + 0.5);
      offset = n > 3 ? sourcestats.predictOffset(stats, now) : sourcestats.sample(stats, n - 1).offset;
    }
    // Signs as chrony's: offset is local minus source, frequency is how fast our clock runs against it.
    // (An empty window's slope only carries the clock's corrections since: shown as 0, as chrony does.)
    text += padRight(sourceName(list[i]), 25) + ' ' + padLeft('' + n, 3) + ' ' + padLeft('' + residualRuns(stats), 3) + '  ' +
      age(span) + ' ' + ppm(n > 0 ? -sourcestats.value(stats, StatsField.Slope) * 1e6 : 0, true) + ' ' +
      ppm(sourcestats.value(stats, StatsField.Skew) * 1e6, false) + '  ' + signedDuration(-offset) + '  ' +
      duration(sourcestats.value(stats, StatsField.StdDev)) + '\n';
  }
  return text;
}

function activity(app: Appliance): string {
  let online = 0;
  let offline = 0;
  let burst = 0;
  let unresolved = 0;
  for (let i = 0; i < app.sync.sources.length; i++) {
    const source = app.sync.sources[i];
    if (source.refclock) continue;
    if (source.address === '') unresolved++;
    else if (source.state[SourceField.Offline] !== 0 || source.state[SourceField.StoppedBy] !== 0) offline++;
    else if (source.state[SourceField.BurstLeft] > 0) burst++;
    else online++;
  }
  return '200 OK\n' + online + ' sources online\n' + offline + ' sources offline\n' +
    burst + ' sources doing burst (return to online)\n0 sources doing burst (return to offline)\n' +
    unresolved + ' sources with unknown address\n';
}

/** `sources|sourcestats|selectdata [-a] [-v]`: -a lists the sources not resolved yet too, -v adds a legend. */
function sourceTable(app: Appliance, name: string, args: string[]): string | null {
  let verbose = false;
  let all = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-v') verbose = true;
    else if (args[i] === '-a') all = true;
    else return null;
  }
  return name === 'sources' ? sources(app, verbose, all) : name === 'sourcestats' ? sourcestatsReport(app, verbose, all) : selectdata(app, verbose, all);
}

/** Runs one of this group's commands (commands.ts, Group). */
export function run(app: Appliance, name: string, args: string[]): Output {
  switch (name) {
    case 'sources':
    case 'sourcestats':
    case 'selectdata':
      return sourceTable(app, name, args);
  }
  if (args.length !== 0) return null;
  return name === 'activity' ? activity(app) : null;
}

/** This group's commands: usage, tab, summary (commands.ts, Group). */
export function table(): string {
  return 'sources [-a] [-v]\tList the time sources and their last samples\n' +
    'sourcestats [-a] [-v]\tShow the fit of each source\'s samples\n' +
    'selectdata [-a] [-v]\tShow what the last selection made of each source\n' +
    'activity\tCount sources online, offline, bursting\n';
}
