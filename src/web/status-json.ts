/**
 * The status page's data as JSON, written out key by key (property names in
 * the bundle get mangled; these keys are the page's contract and stay put).
 */
import type { Appliance } from '../appliance';
import * as served from '../clock/served';
import { referenceName, trackingValues } from '../console/tracking';
import { Leap } from '../ntp/header';
import * as refid from '../ntp/refid';
import { Counter } from '../serve/responder';

/** A JSON string literal: quotes, backslashes and control characters escaped. */
export function jsonString(text: string): string {
  let result = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    const code = text.charCodeAt(i);
    if (c === '"' || c === '\\') result += '\\' + c;
    else if (code < 32 || code > 126) result += '\\u' + ('000' + code.toString(16)).slice(-4);
    else result += c;
  }
  return result + '"';
}

/** A JSON number; null for NaN and infinities, which JSON cannot say. */
export function jsonNumber(value: number): string {
  return isFinite(value) ? '' + value : 'null';
}

/**
 * Synchronisation state as the console's `tracking` shows it (chrony's
 * signs: offset is local minus true), and how many clients were served. The
 * `sources` table is /sources (web/sources.ts).
 */
export function statusJson(app: Appliance): string {
  const clock = app.clock;
  const now = served.now(clock);
  const values = trackingValues(app);
  const synchronised = clock.leap !== Leap.Unsynchronised;
  const distance = clock.rootDelay / 2 + served.rootDispersionAt(clock, now);
  return '{"time":' + jsonNumber(now) +
    ',"uptime":' + jsonNumber(now - app.startTime) +
    ',"synchronised":' + synchronised +
    ',"stratum":' + (synchronised ? clock.stratum : 0) +
    ',"referenceId":' + jsonString(refid.toHex(clock.referenceId)) +
    ',"reference":' + jsonString(referenceName(app)) +
    ',"lastOffset":' + jsonNumber(-app.sync.discipline.lastOffset) +
    ',"rmsOffset":' + jsonNumber(app.sync.discipline.rmsOffset) +
    ',"frequencyPpm":' + jsonNumber(values.frequencyPpm) +
    ',"skewPpm":' + jsonNumber(values.skewPpm) +
    ',"rootDelay":' + jsonNumber(clock.rootDelay) +
    ',"rootDistance":' + jsonNumber(distance) +
    ',"leap":' + clock.leap +
    ',"requests":' + app.responder.counters[Counter.Received] +
    ',"replies":' + app.responder.counters[Counter.Replied] +
    ',"clients":' + app.responder.clients.used + '}';
}
