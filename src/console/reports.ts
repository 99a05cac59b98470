/**
 * chronyc's sources table, in chronyc's layout (column widths, units, wording), so that
 * scripts and eyes trained on chronyc read it unchanged: the `sources` command, the
 * refclocks report and the status page show it. The other reports are the console's
 * (reportcmds.ts); what the status page also reads of the clock is in tracking.ts.
 */
import type { Appliance } from '../appliance';
import * as served from '../clock/served';
import * as sourcestats from '../sync/sourcestats';
import { StatsField } from '../sync/sourcestats';
import type { Source } from '../sync/source';
import { SourceField } from '../sync/source';
import { LastPacketField } from '../sync/lastpacket';
import { padLeft, padRight } from './fields';
import { age, duration, signedDuration } from './format';
import { referenceText } from './tracking';

export { referenceName, trackingValues } from './tracking';
export type { TrackingValues } from './tracking';

/** A line of '=' as long as the header above it. */
export function header(text: string): string {
  let rule = '';
  for (let i = 0; i < text.length; i++) rule += '=';
  return text + '\n' + rule + '\n';
}

/** A source's name in the tables: its address, or the configured name (cut to 25, as chronyc cuts names). */
export function sourceName(source: Source): string {
  // A reference clock goes by its reference id, as chronyc shows it.
  const name = source.refclock ? referenceText(source.state[SourceField.ReferenceId]) : source.address !== '' ? source.address : source.options.host;
  return name.length > 25 ? name.substring(0, 24) + '>' : name;
}

/** Sources listed by sources/sourcestats: with -a also those whose address is not known yet. */
export function listed(app: Appliance, all: boolean): Source[] {
  const result: Source[] = [];
  for (let i = 0; i < app.sync.sources.length; i++) {
    if (all || app.sync.sources[i].address !== '' || app.sync.sources[i].refclock) result.push(app.sync.sources[i]);
  }
  return result;
}

/** The sources table's header; a function, so that the text is made only when printed. */
export function sourcesHeader(): string {
  return header('MS Name/IP address         Stratum Poll Reach LastRx Last sample               ');
}

export function sources(app: Appliance, verbose: boolean, all: boolean): string {
  const now = served.now(app.clock);
  let text = (verbose ?
    '\n' +
    '  .- Source mode  \'^\' = server, \'=\' = peer, \'#\' = local clock.\n' +
    ' / .- State: * synchronised to, + combined with it, - not combined,\n' +
    '| /          x falseticker, ~ too variable, ? unusable or no samples\n' +
    '||                                                 .- ADJ [ MEAS ] +/- ERR\n' +
    '||      Reach: last 8 polls, octal ------.         |  ADJ: offset, corrected for\n' +
    '||      Poll: log2 of the interval --.   |         |       the clock\'s changes since\n' +
    '||                                    \\  |         |  MEAS: offset as measured\n' +
    '||                                    |  |         |  ERR: bound on its error\n' : '') + sourcesHeader();
  const list = listed(app, all);
  for (let i = 0; i < list.length; i++) text += sourceLine(list[i], now);
  return text;
}

/** One line of chronyc's sources table. */
export function sourceLine(source: Source, now: number): string {
  const stats = source.stats;
  const state = source.state;
  let ago = NaN;
  let adjusted = 0;
  let measured = 0;
  let error = 0;
  let stratum = 0;
  if (stats && stats[StatsField.Count] > 0) {
    // chrony shows "local minus source": the opposite sign of our offsets.
    adjusted = -sourcestats.sample(stats, stats[StatsField.Count] - 1).offset;
    const last = source.lastPacket;
    measured = last && last[LastPacketField.Arrival] === source.lastSampleTime ? -last[LastPacketField.Offset] : adjusted;
    error = (state[SourceField.RootDelay] + state[SourceField.Delay]) / 2 + state[SourceField.RootDispersion] + state[SourceField.Dispersion];
    ago = now - Math.floor(source.lastSampleTime);
    stratum = state[SourceField.Stratum];
  }
  return (source.refclock ? '#' : state[SourceField.PeerMode] !== 0 ? '=' : '^') + source.status + ' ' + padRight(sourceName(source), 27) + '  ' +
    padLeft('' + stratum, 2) + '  ' + padLeft('' + state[SourceField.PollLog2], 2) + '   ' + padLeft(state[SourceField.Reach].toString(8), 3) + '  ' + age(ago) + '  ' +
    signedDuration(adjusted) + '[' + signedDuration(measured) + '] +/- ' + duration(error) + '\n';
}
