/**
 * Our clock against true time, as chronyc's tracking report names it: what the reports, the
 * clock commands (settime, waitsync), rtcdata and the status page all read. Kept apart from
 * the reports so that a module needing only these does not load the reports with them.
 */
import type { Appliance } from '../appliance';
import { frequencyPpm, pendingCorrection } from '../clock/served';
import { synchronisedToSource } from '../clock/synchronised';
import * as ipv4 from '../net/ipv4';
import { SourceField } from '../sync/source';

/** Printable characters of a reference id, as chronyc shows a non-address reference ("" for local). */
export function referenceText(referenceId: number): string {
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
  if (!synchronisedToSource(clock)) return referenceText(clock.referenceId);
  const sources = app.sync.sources;
  for (let i = 0; i < sources.length; i++) {
    if (sources[i].state[SourceField.ReferenceId] !== clock.referenceId) continue;
    // A reference clock's id is its name (chronyc: "50505300 (PPS)").
    if (sources[i].refclock) return referenceText(clock.referenceId);
    if (sources[i].address !== '') return sources[i].address;
  }
  return ipv4.toDottedQuad(clock.referenceId);
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
  return {
    correction: pendingCorrection(clock, clock.readRaw()),
    frequencyPpm: frequencyPpm(clock),
    skewPpm: app.sync.discipline.freqSkew * 1e6,
  };
}
