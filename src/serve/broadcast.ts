/**
 * The broadcast/multicast server (RFC 5905 mode 5): at each interval, the
 * current clock state to a broadcast or multicast address. Only while the
 * clock is synchronised or serving `local`: an unsynchronised board stays quiet.
 *
 * A client calibrates its delay with a few mode-3 requests sent to the
 * broadcast's source address and port (ntpd's broadcastclient does), so the
 * port mode-5 packets leave from must answer mode 3. Multicasts leave from the
 * NTP port itself, as chronyd's and ntpd's do. Broadcasts cannot: Espruino
 * gives SO_BROADCAST only to a socket it never bound, so they leave from such
 * a socket's ephemeral port, and that socket answers mode-3 requests through
 * the same responder (access rules, rate limit, counters) as the NTP port
 * (app.ts opens it; serve/request.ts answers there).
 * An on-demand module (ntpd-broadcast), loaded for each round.
 */
import type { BroadcastTarget } from '../config/types';
import * as served from '../clock/served';
import { Leap, Mode } from '../ntp/header';
import * as timestamp from '../ntp/timestamp';
import type { UdpSocket } from '../platform';
import { refresh } from './replyheader';
import type { Responder } from './responder';

/** ntpd's broadcast clients refuse a poll field under 3 (8 s). */
const MIN_POLL_LOG2 = 3;

/** The poll field for an interval: its log2, rounded down, at least 3. */
export function pollLog2(interval: number): number {
  let log2 = 0;
  while (Math.pow(2, log2 + 1) <= interval) log2++;
  return log2 < MIN_POLL_LOG2 ? MIN_POLL_LOG2 : log2;
}

/** One mode-5 packet: the reply header's fields, no origin or receive time, transmit time now. */
export function packet(responder: Responder, target: BroadcastTarget): string {
  const clock = responder.clock;
  if (served.now(clock) > responder.validUntil) refresh(responder);
  const first = String.fromCharCode((clock.leap << 6) | (4 << 3) | Mode.Broadcast);
  const body = first + responder.stratumByte + String.fromCharCode(pollLog2(target.interval)) + responder.headerTail +
    '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0';
  return body + timestamp.encodeUnix(served.now(clock));
}

/** Sends one round to every target; returns how many packets went out. */
export function send(responder: Responder, socket: UdpSocket, target: BroadcastTarget): number {
  if (responder.clock.leap === Leap.Unsynchronised) return 0;
  socket.send(packet(responder, target), target.port, target.address);
  return 1;
}

/** True for a multicast group (224.0.0.0/4): those need no SO_BROADCAST, so they can leave from the NTP port. */
export function isMulticast(address: string): boolean {
  const first = parseInt(address, 10);
  return first >= 224 && first <= 239;
}
