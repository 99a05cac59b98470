/**
 * The console's reports on time sources (command group ntpd-cmd-reports): chronyc's tracking,
 * sources, sourcestats, selectdata, ntpdata and activity, and the refclocks
 * report, in chronyc's layout (column widths, units, wording), so that scripts and eyes
 * trained on chronyc read them unchanged. Long fixed texts (legends, labels) are written
 * inside the functions that print them: a module-level constant would take memory for as
 * long as the module is loaded.
 */
import type { Appliance } from '../appliance';
import * as localClock from '../clock/local';
import * as refid from '../ntp/refid';
import * as ipv4 from '../net/ipv4';
import * as gps from '../refclock/counters';
import * as sourcestats from '../sync/sourcestats';
import { StatsField } from '../sync/sourcestats';
import * as sourceModule from '../sync/source';
import { SourceField } from '../sync/source';
import { LastPacketField, testsText } from '../sync/lastpacket';
import type { Source } from '../sync/source';
import type { Output } from './commands';
import { field, padLeft, padRight } from './fields';
import { age, duration, leapStatus, ppm, signedDuration, signedFixed, utcDateTime } from './format';
import { header, listed, sourceLine, sources, sourceName, sourcesHeader } from './reports';
import { referenceText } from './tracking';

const NO_SUCH_SOURCE = '503 No such source\n';

/** chronyc's names of the leap indicator's values. */
/** "N----" / "-P---": noselect and prefer (this box has no trust/require). */
function selectOptions(source: Source): string {
  return (source.options.noselect ? 'N' : '-') + (source.options.prefer ? 'P' : '-') + '---';
}

/** chronyc's selectdata: what the last selection made of each source. */
function selectdata(app: Appliance, verbose: boolean, all: boolean): string {
  const now = localClock.now(app.clock);
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

/** Seconds since a raw time, for the refclock report ("never" for 0). */
function rawAge(app: Appliance, raw: number): string {
  return raw === 0 ? 'never' : (app.clock.readRaw() - raw).toFixed(1) + ' seconds ago';
}

/** `refclocks`: the GPS source's sources line, then the receiver's and the pairing's state. */
function refclocks(app: Appliance): string {
  const driver = app.sync.refclock;
  const source = app.sync.refclockSource;
  if (driver === null || source === null) return 'No reference clock (add a refclock GPS line to the configuration)\n';
  const options = driver.options;
  const counts = driver.counts;
  const width = 16;
  const pins = (options.rxPin || 'board RX') + '/' + (options.txPin || 'board TX');
  const pps = options.ppsPin === 'none' ? 'no PPS' : 'PPS on ' + (options.ppsPin || 'board pin') + ' (' + options.ppsEdge + ' edge)';
  let sentences = '';
  for (let i = 0; i < gps.NMEA_COUNTERS; i++) sentences += (i > 0 ? ', ' : '') + driver.reader.counts[i] + ' ' + gps.NMEA_COUNTER_NAMES[i];
  return sourcesHeader() + sourceLine(source, localClock.now(app.clock)) + '\n' +
    field('Driver', width, 'GPS: NMEA at ' + options.baud + ' baud on ' + pins + ', ' + pps) +
    field('Fix', width, (driver.fixValid ? 'yes' : 'no') + ', quality ' + driver.fixQuality + ', ' +
      (driver.satellites < 0 ? '?' : '' + driver.satellites) + ' satellites' + (driver.talker ? ', talker ' + driver.talker : '')) +
    field('Last sentence', width, rawAge(app, driver.lastSentenceRaw)) +
    field('Last pulse', width, rawAge(app, driver.lastPulseRaw)) +
    field('Second count', width, driver.locked ? 'locked, last pulse ' + utcDateTime(driver.pulseLabel) : 'not locked') +
    field('NMEA delay', width, driver.learnedDelay === driver.learnedDelay ? driver.learnedDelay.toFixed(3) + ' seconds after the pulse' : 'unknown') +
    field('Offset', width, signedFixed(options.offset, 9) + ' seconds (delay ' + options.delay.toFixed(9) + ')') +
    field('Pulses', width, counts[gps.PULSES] + ' (' + counts[gps.BAD_PULSES] + ' bad, ' + counts[gps.UNLABELLED] + ' unlabelled)') +
    field('Pairings', width, counts[gps.PAIRED] + ' agreed, ' + counts[gps.STALE] + ' rejected (stale or wrong), ' + counts[gps.RELOCKS] + ' relocks') +
    field('NMEA only', width, counts[gps.NMEA_ONLY] + ' samples') +
    field('No-fix reports', width, '' + counts[gps.NO_FIX]) +
    field('Sentences', width, sentences);
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
  const now = localClock.idealTime(app.clock, app.clock.readRaw());
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

/** chronyc's ntpdata for one source: what its last reply said and how it was judged. */
function ntpdata(app: Appliance, source: Source): string {
  const last = source.lastPacket;
  const state = source.state;
  const width = 16;
  const remote = ipv4.parseIpv4(source.address);
  const leap = last ? last[LastPacketField.Leap] : 0;
  const poll = last ? last[LastPacketField.PollLog2] : 0;
  const precision = last ? last[LastPacketField.PrecisionLog2] : 0;
  const stratum = last ? last[LastPacketField.Stratum] : 0;
  const referenceId = last ? last[LastPacketField.ReferenceId] : 0;
  const modes = ['Invalid', 'Symmetric active', 'Symmetric passive', 'Invalid', 'Server'];
  return field('Remote address', width, source.address + ' (' + refid.toHex(remote < 0 ? 0 : remote) + ')') +
    field('Remote port', width, '' + source.options.port) +
    field('Local address', width, '0.0.0.0 (00000000)') +
    field('Leap status', width, leapStatus(leap)) +
    field('Version', width, '' + (last ? last[LastPacketField.Version] : 0)) +
    field('Mode', width, last && last[LastPacketField.Mode] < modes.length ? modes[last[LastPacketField.Mode]] : 'Invalid') +
    field('Stratum', width, '' + stratum) +
    field('Poll interval', width, poll + ' (' + Math.pow(2, poll).toFixed(0) + ' seconds)') +
    field('Precision', width, precision + ' (' + Math.pow(2, precision).toFixed(9) + ' seconds)') +
    field('Root delay', width, (last ? last[LastPacketField.RootDelay] : 0).toFixed(6) + ' seconds') +
    field('Root dispersion', width, (last ? last[LastPacketField.RootDispersion] : 0).toFixed(6) + ' seconds') +
    field('Reference ID', width, refid.toHex(referenceId) + ' (' + (stratum <= 1 ? referenceText(referenceId) : '') + ')') +
    field('Reference time', width, utcDateTime(last ? last[LastPacketField.ReferenceTime] : 0)) +
    field('Offset', width, signedFixed(last ? last[LastPacketField.Offset] : 0, 9) + ' seconds') +
    field('Peer delay', width, (last ? last[LastPacketField.Delay] : 0).toFixed(9) + ' seconds') +
    field('Peer dispersion', width, (last ? last[LastPacketField.Dispersion] : 0).toFixed(9) + ' seconds') +
    field('Response time', width, (last ? last[LastPacketField.TransmitTime] - last[LastPacketField.ReceiveTime] : 0).toFixed(9) + ' seconds') +
    'Jitter asymmetry: +0.00\n' +
    field('NTP tests', width, last ? testsText(last[LastPacketField.Tests]) : '000 000 0000') +
    field('Interleaved', width, 'No') +
    field('Authenticated', width, last && last[LastPacketField.Authenticated] ? 'Yes' : 'No') +
    field('TX timestamping', width, 'Daemon') +
    field('RX timestamping', width, 'Daemon') +
    field('Total TX', width, '' + state[SourceField.Sent]) +
    field('Total RX', width, '' + state[SourceField.Received]) +
    field('Total valid RX', width, '' + state[SourceField.Valid]) +
    field('Total good RX', width, '' + state[SourceField.Valid]) +
    field('Total kernel TX', width, '0') +
    field('Total kernel RX', width, '0') +
    field('Total HW TX', width, '0') +
    field('Total HW RX', width, '0');
}

/** `ntpdata [ADDR]`: one source's last reply, or every source's. */
function ntpdataCommand(app: Appliance, args: string[]): string | null {
  if (args.length > 1) return null;
  if (args.length === 1) {
    const index = sourceModule.find(app.sync.sources, args[0]);
    return index < 0 ? NO_SUCH_SOURCE : ntpdata(app, app.sync.sources[index]);
  }
  let text = '';
  for (let i = 0; i < app.sync.sources.length; i++) {
    if (app.sync.sources[i].address !== '') text += '\n' + ntpdata(app, app.sync.sources[i]);
  }
  return text;
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
    case 'ntpdata':
      return ntpdataCommand(app, args);
  }
  if (args.length !== 0) return null;
  switch (name) {
    case 'refclocks':
      return refclocks(app);
    case 'activity':
      return activity(app);
  }
  return null;
}

/** This group's commands: usage, tab, summary (commands.ts, Group). */
export function table(): string {
  return 'sources [-a] [-v]\tList the time sources and their last samples\n' +
    'sourcestats [-a] [-v]\tShow the fit of each source\'s samples\n' +
    'selectdata [-a] [-v]\tShow what the last selection made of each source\n' +
    'refclocks\tShow the GPS reference clock: fix, pulses, pairing\n' +
    'ntpdata [<address>]\tShow the last reply of a source (or of all)\n' +
    'activity\tCount sources online, offline, bursting\n';
}
