/**
 * The reply header the responder's hot path copies (serve/responder.ts), rebuilt from the clock
 * state every REFRESH_INTERVAL and after a clock change; and the same header for the packets
 * symmetric peers send. An on-demand module (ntpd-replyheader), loaded through
 * Responder.headers: a refresh loads only this, not the general request path.
 */
import * as served from '../clock/served';
import { Leap, Mode } from '../ntp/header';
import * as timestamp from '../ntp/timestamp';
import { REFRESH_VALIDITY } from './responder';
import type { Responder } from './responder';

/** Rebuilds the precomputed header from the clock state. */
export function refresh(responder: Responder): void {
  const clock = responder.clock;
  const now = served.now(clock);
  const leap = clock.leap;
  if (leap !== responder.firstByteLeap) {
    let table = '';
    for (let request = 0; request < 64; request++) {
      const version = (request >> 3) & 7;
      const isClient = (request & 7) === Mode.Client && version >= 1 && version <= 4;
      table += String.fromCharCode(isClient ? (leap << 6) | (version << 3) | Mode.Server : 0);
    }
    responder.firstByteTable = table;
    responder.firstByteLeap = leap;
  }
  const synchronised = leap !== Leap.Unsynchronised;
  responder.stratumByte = String.fromCharCode(synchronised ? clock.stratum : served.STRATUM_UNSYNCHRONISED);
  responder.validUntil = now + REFRESH_VALIDITY;
  responder.headerTail = String.fromCharCode(clock.precisionLog2 & 255) +
    timestamp.encodeShort(synchronised ? clock.rootDelay : 0) +
    timestamp.encodeShort(served.rootDispersionAt(clock, responder.validUntil)) +
    timestamp.writeUint32(clock.referenceId) +
    (clock.referenceTime > 0 ? timestamp.encodeUnix(clock.referenceTime) : '\0\0\0\0\0\0\0\0');
}

/** The first 24 bytes of a packet in `mode` with our clock state: what symmetric peers send. */
export function header(responder: Responder, mode: number, pollLog2: number): string {
  if (served.now(responder.clock) > responder.validUntil) refresh(responder);
  return String.fromCharCode((responder.clock.leap << 6) | (4 << 3) | mode) + responder.stratumByte +
    String.fromCharCode(pollLog2 & 255) + responder.headerTail;
}
