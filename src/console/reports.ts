/**
 * chronyc's reports, in chronyc's layout (column widths, units, wording),
 * so that scripts and eyes trained on chronyc read them unchanged.
 */
import type { Appliance } from '../appliance';
import * as localClock from '../clock/local';
import { Leap } from '../ntp/header';
import * as refid from '../ntp/refid';
import * as gps from '../refclock/gps';
import * as nmea from '../refclock/nmea';
import * as clientLog from '../serve/clientlog';
import * as responderModule from '../serve/responder';
import { Counter } from '../serve/responder';
import * as sourcestats from '../sync/sourcestats';
import * as syncManager from '../sync/manager';
import type { Source } from '../sync/source';
import { age, duration, field, padLeft, padRight, ppm, signedDuration, signedFixed, utcDateTime } from './format';

const LEAP_STATUS = ['Normal', 'Insert second', 'Delete second', 'Not synchronised'];

/** Printable characters of a reference id, as chronyc shows a non-address reference ("" for local). */
function referenceText(referenceId: number): string {
  let text = '';
  for (let shift = 24; shift >= 0; shift -= 8) {
    const code = (referenceId >>> shift) & 255;
    if (code >= 32 && code < 127) text += String.fromCharCode(code);
  }
  return text;
}

/** The name in tracking's Reference ID line: the selected source's address, else the id's text. */
export function referenceName(app: Appliance): string {
  const clock = app.clock;
  if (!syncManager.synchronisedToSource(clock)) return referenceText(clock.referenceId);
  const sources = app.sync.sources;
  for (let i = 0; i < sources.length; i++) {
    if (sources[i].referenceId !== clock.referenceId) continue;
    // A reference clock's id is its name (chronyc: "50505300 (PPS)").
    if (sources[i].refclock) return referenceText(clock.referenceId);
    if (sources[i].address !== '') return sources[i].address;
  }
  return refid.toDottedQuad(clock.referenceId);
}

/** Our clock against true time, in chronyc's senses. */
export interface TrackingValues {
  /** What is still to be slewed in: positive when our clock is behind ("slow"). */
  correction: number;
  /** Crystal's frequency error in ppm: positive when the raw clock runs fast. */
  frequencyPpm: number;
  skewPpm: number;
}

export function trackingValues(app: Appliance): TrackingValues {
  const clock = app.clock;
  const base = clock.baseFreq;
  return {
    correction: localClock.pendingCorrection(clock, clock.readRaw()),
    frequencyPpm: -base / (1 + base) * 1e6,
    skewPpm: app.sync.discipline.freqSkew * 1e6,
  };
}

export function tracking(app: Appliance): string {
  const clock = app.clock;
  const discipline = app.sync.discipline;
  const now = localClock.now(clock);
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
    field('Root dispersion', width, localClock.rootDispersionAt(clock, now).toFixed(9) + ' seconds') +
    field('Update interval', width, discipline.updateInterval.toFixed(1) + ' seconds') +
    field('Leap status', width, LEAP_STATUS[clock.leap]);
}

/** A line of '=' as long as the header above it. */
function header(text: string): string {
  let rule = '';
  for (let i = 0; i < text.length; i++) rule += '=';
  return text + '\n' + rule + '\n';
}

/** A source's name in the tables: its address, or the configured name (cut to 25, as chronyc cuts names). */
function sourceName(source: Source): string {
  // A reference clock goes by its reference id, as chronyc shows it.
  const name = source.refclock ? referenceText(source.referenceId) : source.address !== '' ? source.address : source.options.host;
  return name.length > 25 ? name.substring(0, 24) + '>' : name;
}

/** Sources listed by sources/sourcestats: with -a also those whose address is not known yet. */
function listed(app: Appliance, all: boolean): Source[] {
  const result: Source[] = [];
  for (let i = 0; i < app.sync.sources.length; i++) {
    if (all || app.sync.sources[i].address !== '' || app.sync.sources[i].refclock) result.push(app.sync.sources[i]);
  }
  return result;
}

const SOURCES_LEGEND =
  '\n' +
  '  .- Source mode  \'^\' = server, \'=\' = peer, \'#\' = local clock.\n' +
  ' / .- State: * synchronised to, + combined with it, - not combined,\n' +
  '| /          x falseticker, ~ too variable, ? unusable or no samples\n' +
  '||                                                 .- ADJ [ MEAS ] +/- ERR\n' +
  '||      Reach: last 8 polls, octal ------.         |  ADJ: offset, corrected for\n' +
  '||      Poll: log2 of the interval --.   |         |       the clock\'s changes since\n' +
  '||                                    \\  |         |  MEAS: offset as measured\n' +
  '||                                    |  |         |  ERR: bound on its error\n';

const SOURCES_HEADER = 'MS Name/IP address         Stratum Poll Reach LastRx Last sample               ';

export function sources(app: Appliance, verbose: boolean, all: boolean): string {
  const now = localClock.now(app.clock);
  let text = (verbose ? SOURCES_LEGEND : '') + header(SOURCES_HEADER);
  const list = listed(app, all);
  for (let i = 0; i < list.length; i++) text += sourceLine(list[i], now);
  return text;
}

/** One line of chronyc's sources table. */
function sourceLine(source: Source, now: number): string {
  const stats = source.stats;
  let ago = NaN;
  let adjusted = 0;
  let measured = 0;
  let error = 0;
  let stratum = 0;
  if (stats.count > 0) {
    // chrony shows "local minus source": the opposite sign of our offsets.
    adjusted = -sourcestats.sample(stats, stats.count - 1).offset;
    const last = source.lastPacket;
    measured = last !== null && last.arrival === source.lastSampleTime ? -last.offset : adjusted;
    error = (source.rootDelay + source.delay) / 2 + source.rootDispersion + source.dispersion;
    ago = now - Math.floor(source.lastSampleTime);
    stratum = source.stratum;
  }
  return (source.refclock ? '#' : source.peerMode !== 0 ? '=' : '^') + source.status + ' ' + padRight(sourceName(source), 27) + '  ' +
    padLeft('' + stratum, 2) + '  ' + padLeft('' + source.pollLog2, 2) + '   ' + padLeft(source.reach.toString(8), 3) + '  ' + age(ago) + '  ' +
    signedDuration(adjusted) + '[' + signedDuration(measured) + '] +/- ' + duration(error) + '\n';
}

const SELECTDATA_LEGEND =
  '  . State: N - noselect, M - missing samples, S - stale (unreachable, offline),\n' +
  ' /         L - peer not closer to a reference than we are, D - not combined,\n' +
  '|          x - falseticker (or no majority), + - combined, * - best.\n' +
  '|   Effective options   ---------.  (N - noselect, P - prefer)\n' +
  '|   Configured options  ----.     \\  Score: root distance / the best one\'s\n' +
  '|   Auth. enabled (Y/N) -.   \\     \\     Offset interval --.\n' +
  '|                        |    |     |                       |\n';

const LEAP_CHARACTERS = 'N+-?';

/** "N----" / "-P---": noselect and prefer (this box has no trust/require). */
function selectOptions(source: Source): string {
  return (source.options.noselect ? 'N' : '-') + (source.options.prefer ? 'P' : '-') + '---';
}

/** chronyc's selectdata: what the last selection made of each source. */
export function selectdata(app: Appliance, verbose: boolean, all: boolean): string {
  const now = localClock.now(app.clock);
  let text = (verbose ? SELECTDATA_LEGEND : '') + header('S Name/IP Address        Auth COpts EOpts Last Score     Interval  Leap');
  const list = listed(app, all);
  for (let i = 0; i < list.length; i++) {
    const source = list[i];
    const options = selectOptions(source);
    const ago = source.stats.count > 0 ? now - Math.floor(source.lastSampleTime) : 0;
    text += source.selectState + ' ' + padRight(sourceName(source), 25) + ' ' + (source.options.keyId > 0 ? 'Y' : 'N') + ' ' +
      options + ' ' + options + ' ' + age(ago) + ' ' + padLeft(source.selectScore.toFixed(1), 5) + ' ' +
      signedDuration(source.selectLow) + ' ' + signedDuration(source.selectHigh) + '  ' + LEAP_CHARACTERS.charAt(source.leap & 3) + '\n';
  }
  return text;
}

/** Seconds since a raw time, for the refclock report ("never" for 0). */
function rawAge(app: Appliance, raw: number): string {
  return raw === 0 ? 'never' : (app.clock.readRaw() - raw).toFixed(1) + ' seconds ago';
}

/** `refclocks`: the GPS source's sources line, then the receiver's and the pairing's state. */
export function refclocks(app: Appliance): string {
  const driver = app.sync.refclock;
  const source = app.sync.refclockSource;
  if (driver === null || source === null) return 'No reference clock (add a refclock GPS line to the configuration)\n';
  const options = driver.options;
  const counts = driver.counts;
  const width = 16;
  const pins = (options.rxPin || 'board RX') + '/' + (options.txPin || 'board TX');
  const pps = options.ppsPin === 'none' ? 'no PPS' : 'PPS on ' + (options.ppsPin || 'board pin') + ' (' + options.ppsEdge + ' edge)';
  let sentences = '';
  for (let i = 0; i < nmea.COUNTERS; i++) sentences += (i > 0 ? ', ' : '') + driver.reader.counts[i] + ' ' + nmea.COUNTER_NAMES[i];
  return header(SOURCES_HEADER) + sourceLine(source, localClock.now(app.clock)) + '\n' +
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

const SOURCESTATS_LEGEND =
  '                             .- Samples in the regression window\n' +
  '                            /    .- Runs of residuals of one sign\n' +
  '                           |    /    .- Time spanned by the samples\n' +
  '                           |   |    /      .- Our clock\'s frequency error (ppm)\n' +
  '                           |   |   |      /           .- Its standard error (ppm)\n' +
  '                           |   |   |     |           /         .- Offset now\n' +
  '                           |   |   |     |          |          |   Sample  -.\n' +
  '                           |   |   |     |          |          |   std dev. \\\n' +
  '                           |   |   |     |          |          |             |\n';

/** Runs of equal-signed residuals about the fit (chrony's NR); 0 below three samples. */
function residualRuns(stats: sourcestats.SourceStats): number {
  if (stats.count < 3) return 0;
  let runs = 0;
  let previous = false;
  for (let i = 0; i < stats.count; i++) {
    const point = sourcestats.sample(stats, i);
    const positive = point.offset - sourcestats.predictOffset(stats, point.time) >= 0;
    if (i === 0 || positive !== previous) runs++;
    previous = positive;
  }
  return runs;
}

export function sourcestatsReport(app: Appliance, verbose: boolean, all: boolean): string {
  const now = localClock.idealTime(app.clock, app.clock.readRaw());
  let text = (verbose ? SOURCESTATS_LEGEND : '') + header('Name/IP Address            NP  NR  Span  Frequency  Freq Skew  Offset  Std Dev');
  const list = listed(app, all);
  for (let i = 0; i < list.length; i++) {
    const stats = list[i].stats;
    const n = stats.count;
    let span = 0;
    let offset = 0;
    if (n > 1) {
      span = Math.floor(sourcestats.lastTime(stats) - sourcestats.sample(stats, 0).time + 0.5);
      offset = n > 3 ? sourcestats.predictOffset(stats, now) : sourcestats.sample(stats, n - 1).offset;
    }
    // Signs as chrony's: offset is local minus source, frequency is how fast our clock runs against it.
    // (An empty window's slope only carries the clock's corrections since: shown as 0, as chrony does.)
    text += padRight(sourceName(list[i]), 25) + ' ' + padLeft('' + n, 3) + ' ' + padLeft('' + residualRuns(stats), 3) + '  ' +
      age(span) + ' ' + ppm(n > 0 ? -stats.slope * 1e6 : 0, true) + ' ' + ppm(stats.skew * 1e6, false) + '  ' +
      signedDuration(-offset) + '  ' + duration(stats.stdDev) + '\n';
  }
  return text;
}

export function activity(app: Appliance): string {
  let online = 0;
  let offline = 0;
  let burst = 0;
  let unresolved = 0;
  for (let i = 0; i < app.sync.sources.length; i++) {
    const source = app.sync.sources[i];
    if (source.refclock) continue;
    if (source.address === '') unresolved++;
    else if (source.offline || source.stoppedBy !== '') offline++;
    else if (source.burstLeft > 0) burst++;
    else online++;
  }
  return '200 OK\n' + online + ' sources online\n' + offline + ' sources offline\n' +
    burst + ' sources doing burst (return to online)\n0 sources doing burst (return to offline)\n' +
    unresolved + ' sources with unknown address\n';
}

const MODE_NAMES = ['Invalid', 'Symmetric active', 'Symmetric passive', 'Invalid', 'Server'];

/** chronyc's ntpdata for one source: what its last reply said and how it was judged. */
export function ntpdata(app: Appliance, source: Source): string {
  const last = source.lastPacket;
  const width = 16;
  const remote = refid.parseIpv4(source.address);
  const leap = last ? last.leap : 0;
  const poll = last ? last.pollLog2 : 0;
  const precision = last ? last.precisionLog2 : 0;
  const stratum = last ? last.stratum : 0;
  const referenceId = last ? last.referenceId : 0;
  return field('Remote address', width, source.address + ' (' + refid.toHex(remote < 0 ? 0 : remote) + ')') +
    field('Remote port', width, '' + source.options.port) +
    field('Local address', width, '0.0.0.0 (00000000)') +
    field('Leap status', width, LEAP_STATUS[leap]) +
    field('Version', width, '' + (last ? last.version : 0)) +
    field('Mode', width, last && last.mode < MODE_NAMES.length ? MODE_NAMES[last.mode] : 'Invalid') +
    field('Stratum', width, '' + stratum) +
    field('Poll interval', width, poll + ' (' + Math.pow(2, poll).toFixed(0) + ' seconds)') +
    field('Precision', width, precision + ' (' + Math.pow(2, precision).toFixed(9) + ' seconds)') +
    field('Root delay', width, (last ? last.rootDelay : 0).toFixed(6) + ' seconds') +
    field('Root dispersion', width, (last ? last.rootDispersion : 0).toFixed(6) + ' seconds') +
    field('Reference ID', width, refid.toHex(referenceId) + ' (' + (stratum <= 1 ? referenceText(referenceId) : '') + ')') +
    field('Reference time', width, utcDateTime(last ? last.referenceTime : 0)) +
    field('Offset', width, signedFixed(last ? last.offset : 0, 9) + ' seconds') +
    field('Peer delay', width, (last ? last.delay : 0).toFixed(9) + ' seconds') +
    field('Peer dispersion', width, (last ? last.dispersion : 0).toFixed(9) + ' seconds') +
    field('Response time', width, (last ? last.transmitTime - last.receiveTime : 0).toFixed(9) + ' seconds') +
    'Jitter asymmetry: +0.00\n' +
    field('NTP tests', width, last ? last.tests : '000 000 0000') +
    field('Interleaved', width, 'No') +
    field('Authenticated', width, last && last.authenticated ? 'Yes' : 'No') +
    field('TX timestamping', width, 'Daemon') +
    field('RX timestamping', width, 'Daemon') +
    field('Total TX', width, '' + source.sent) +
    field('Total RX', width, '' + source.received) +
    field('Total valid RX', width, '' + source.valid) +
    field('Total good RX', width, '' + source.valid) +
    field('Total kernel TX', width, '0') +
    field('Total kernel RX', width, '0') +
    field('Total HW TX', width, '0') +
    field('Total HW RX', width, '0');
}

/** Our own counters after chronyc's lines: label, counter; in the order they print. */
const SERVER_COUNTERS = [
  'NTP replies sent', Counter.Replied,
  'Dropped: too short', Counter.DropShort,
  'Dropped: oversized', Counter.DropOversized,
  'Dropped: bad version', Counter.DropVersion,
  'Dropped: not a request', Counter.DropMode,
  'Dropped: malformed', Counter.DropFormat,
  'Dropped: not serving', Counter.DropNotServing,
  'Dropped: access denied', Counter.DropDenied,
  'Dropped: rate limited', Counter.DropRateLimited,
  'Kiss-o\'-death RATE sent', Counter.KissRate,
  'Kiss-o\'-death DENY sent', Counter.KissDeny,
  'Over limit, answered', Counter.Leaked,
  'Crypto-NAKs sent', Counter.CryptoNak,
  'Broadcasts received', Counter.Broadcasts,
  'Broadcasts sent', Counter.BroadcastsSent,
  'Symmetric packets received', Counter.Symmetric,
];

export function serverstats(app: Appliance): string {
  const counters = app.responder.counters;
  const width = 27;
  let text = field('NTP packets received', width, '' + counters[Counter.Received]) +
    field('NTP packets dropped', width, '' + responderModule.dropped(app.responder)) +
    field('Command packets received', width, '' + counters[Counter.Control]) +
    field('Command packets dropped', width, '' + counters[Counter.ControlDropped]) +
    field('Client log records dropped', width, '' + app.responder.clients.evicted) +
    field('Requests on shared record', width, '' + app.responder.clients.sharedRequests) +
    field('Authenticated NTP packets', width, '' + counters[Counter.Authenticated]);
  for (let i = 0; i < SERVER_COUNTERS.length; i += 2) {
    text += field(SERVER_COUNTERS[i] as string, width, '' + counters[SERVER_COUNTERS[i + 1] as number]);
  }
  return text;
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
    text += padRight(clientLog.address(log, slot), 25) + '  ' + padLeft('' + log.ntpHits[slot], 6) + '  ' +
      padLeft('' + log.ntpDrops[slot], 5) + ' ' + padLeft(intervalLog2(log.averageInterval[slot]), 3) + ' ' +
      padLeft(intervalLog2(log.lastInterval[slot]), 4) + ' ' + age(now - log.lastSeen[slot]) + '  ' +
      padLeft('0', 6) + '  ' + padLeft('0', 5) + ' ' + padLeft('-', 3) + '  ' + padLeft('-', 4) + '\n';
  }
  return text;
}
