/**
 * Symmetric-key authentication of the sources' packets (RFC 5905 test 5): signing our
 * requests and checking the MACs of replies and of unknown symmetric peers. Loaded only
 * for a source configured with `key N` (an on-demand module of its own), so that the
 * sample path of unauthenticated sources carries no MAC code.
 */
import * as keys from '../ntp/keys';
import type { Authenticator } from '../ntp/keys';
import * as mac from '../ntp/mac';
import * as packet from '../ntp/packet';
import type { Source } from './source';

/** The request with a MAC under the source's key appended (unchanged when the key store lacks it). */
export function sign(source: Source, auth: Authenticator, request: string): string {
  const key = keys.findKey(auth.keys, source.options.keyId);
  return key ? request + mac.macTrailer(key.id, key.type, key.secret, request, auth.sha) : request;
}

/** Whether a reply carries a valid MAC under the source's key (a crypto-NAK does not). */
export function verify(source: Source, auth: Authenticator, msg: string): boolean {
  const key = keys.findKey(auth.keys, source.options.keyId);
  const trailer = key === null ? null : macTrailer(msg);
  return key !== null && trailer !== null && mac.verifyMac(msg, trailer.macOffset, key.id, key.type, key.secret, auth.sha);
}

/** The key id a packet is validly signed with, or -1. */
export function authenticatedKey(auth: Authenticator, msg: string): number {
  const trailer = macTrailer(msg);
  const key = trailer === null ? null : keys.findKey(auth.keys, trailer.macKeyId);
  return key && trailer && mac.verifyMac(msg, trailer.macOffset, key.id, key.type, key.secret, auth.sha) ? key.id : -1;
}

/** A packet's trailer when it carries a MAC with a digest (not a crypto-NAK), else null. */
function macTrailer(msg: string): packet.Trailer | null {
  if (msg.length <= 48) return null;
  const trailer = packet.parseTrailer(msg);
  return trailer !== null && trailer.macOffset >= 0 && trailer.macDigestLength > 0 ? trailer : null;
}
