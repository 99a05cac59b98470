/**
 * chronyc's reports, in chronyc's layout (column widths, units, wording),
 * so that scripts and eyes trained on chronyc read them unchanged.
 */
import type { Appliance } from '../appliance';
import * as localClock from '../clock/local';
import { Leap } from '../ntp/header';
import * as refid from '../ntp/refid';
import * as clientLog from '../serve/clientlog';
import * as responderModule from '../serve/responder';
import { Counter } from '../serve/responder';
import { age, field, padLeft, padRight, signedFixed, utcDateTime } from './format';

const LEAP_STATUS = ['Normal', 'Insert second', 'Delete second', 'Not synchronised'];

function referenceName(referenceId: number): string {
  if (referenceId === refid.LOCAL_REFERENCE_ID || referenceId === 0) return '';
  return refid.toDottedQuad(referenceId);
}

export function tracking(app: Appliance): string {
  const clock = app.clock;
  const now = localClock.now(clock);
  const synchronised = clock.leap !== Leap.Unsynchronised;
  const freqPpm = clock.freq * 1e6;
  const width = 16;
  return field('Reference ID', width, refid.toHex(clock.referenceId) + ' (' + referenceName(clock.referenceId) + ')') +
    field('Stratum', width, '' + (synchronised ? clock.stratum : 0)) +
    field('Ref time (UTC)', width, utcDateTime(clock.referenceTime)) +
    field('System time', width, '0.000000000 seconds fast of NTP time') +
    field('Last offset', width, signedFixed(0, 9) + ' seconds') +
    field('RMS offset', width, '0.000000000 seconds') +
    field('Frequency', width, Math.abs(freqPpm).toFixed(3) + ' ppm ' + (freqPpm > 0 ? 'slow' : 'fast')) +
    field('Residual freq', width, signedFixed(0, 3) + ' ppm') +
    field('Skew', width, '0.000 ppm') +
    field('Root delay', width, clock.rootDelay.toFixed(9) + ' seconds') +
    field('Root dispersion', width, localClock.rootDispersionAt(clock, now).toFixed(9) + ' seconds') +
    field('Update interval', width, '0.0 seconds') +
    field('Leap status', width, LEAP_STATUS[clock.leap]);
}

export function serverstats(app: Appliance): string {
  const counters = app.responder.counters;
  const width = 27;
  return field('NTP packets received', width, '' + counters[Counter.Received]) +
    field('NTP packets dropped', width, '' + responderModule.dropped(app.responder)) +
    field('Command packets received', width, '0') +
    field('Command packets dropped', width, '0') +
    field('Client log records dropped', width, '' + app.responder.clients.evicted) +
    field('Authenticated NTP packets', width, '0') +
    field('NTP replies sent', width, '' + counters[Counter.Replied]) +
    field('Dropped: too short', width, '' + counters[Counter.DropShort]) +
    field('Dropped: oversized', width, '' + counters[Counter.DropOversized]) +
    field('Dropped: bad version', width, '' + counters[Counter.DropVersion]) +
    field('Dropped: not a request', width, '' + counters[Counter.DropMode]) +
    field('Dropped: malformed', width, '' + counters[Counter.DropFormat]) +
    field('Dropped: not serving', width, '' + counters[Counter.DropNotServing]);
}

/** log2 of an interval, rounded, as chronyc's Int/IntL columns; "-" when unknown. */
function intervalLog2(seconds: number): string {
  if (!(seconds > 0)) return '-';
  return '' + Math.round(Math.log(seconds) / Math.LN2);
}

export function clients(app: Appliance): string {
  const log = app.responder.clients;
  const now = localClock.now(app.clock);
  let text = 'Hostname                      NTP   Drop Int IntL Last     Cmd   Drop Int  Last\n' +
    '===============================================================================\n';
  const slots = clientLog.listSlots(log);
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i];
    text += padRight(log.addresses[slot], 25) + '  ' + padLeft('' + log.ntpHits[slot], 6) + '  ' +
      padLeft('' + log.ntpDrops[slot], 5) + ' ' + padLeft(intervalLog2(log.averageInterval[slot]), 3) + ' ' +
      padLeft(intervalLog2(log.lastInterval[slot]), 4) + ' ' + age(now - log.lastSeen[slot]) + '  ' +
      padLeft('0', 6) + '  ' + padLeft('0', 5) + ' ' + padLeft('-', 3) + '  ' + padLeft('-', 4) + '\n';
  }
  return text;
}

export function configuration(app: Appliance): string {
  const lines = app.configText.split('\n');
  let text = '';
  for (let i = 0; i < lines.length; i++) {
    if (i === lines.length - 1 && lines[i] === '') break;
    text += padLeft('' + (i + 1), 3) + '  ' + lines[i] + '\n';
  }
  return text === '' ? '(empty configuration: built-in defaults)\n' : text;
}
