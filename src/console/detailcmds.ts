/**
 * The console's detailed reports on one source (command group ntpd-cmd-details): chronyc's
 * ntpdata and the GPS's refclocks report, in chronyc's layout. A group of its own so that
 * these long reports are not in memory with the source tables' code (reportcmds.ts). Long
 * fixed texts are written inside the functions that print them.
 */
import type { Appliance } from '../appliance';
import * as served from '../clock/served';
import * as refid from '../ntp/refid';
import * as ipv4 from '../net/ipv4';
import * as gps from '../refclock/counters';
import * as sourceModule from '../sync/source';
import { SourceField } from '../sync/source';
import { LastPacketField, testsText } from '../sync/lastpacket';
import type { Source } from '../sync/source';
import type { Output } from './commands';
import { field } from './fields';
import { leapStatus, signedFixed, utcDateTime } from './format';
import { sourceLine, sourcesHeader } from './reports';
import { referenceText } from './tracking';

const NO_SUCH_SOURCE = '503 No such source\n';

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
  return sourcesHeader() + sourceLine(source, served.now(app.clock)) + '\n' +
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

/** Runs one of this group's commands (commands.ts, Group). */
export function run(app: Appliance, name: string, args: string[]): Output {
  if (name === 'ntpdata') return ntpdataCommand(app, args);
  return args.length === 0 ? refclocks(app) : null;
}

/** This group's commands: usage, tab, summary (commands.ts, Group). */
export function table(): string {
  return 'refclocks\tShow the GPS reference clock: fix, pulses, pairing\n' +
    'ntpdata [<address>]\tShow the last reply of a source (or of all)\n';
}
