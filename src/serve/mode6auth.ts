/**
 * Mode-6 requests and responses signed with a symmetric key (ntpq's `keyid`): the check of a
 * request's MAC and the MAC of each response fragment. Loaded only for a signed request, so
 * that ntpq's plain queries do not carry the MAC code.
 */
import * as control from '../ntp/control';
import type { ControlMessage } from '../ntp/control';
import * as keys from '../ntp/keys';
import type { Authenticator, Key } from '../ntp/keys';
import * as mac from '../ntp/mac';

/** The key a signed request's digest verifies under, or null (no such key, or a wrong digest). */
export function verifiedKey(auth: Authenticator, msg: string, request: ControlMessage): Key | null {
  const key = keys.findKey(auth.keys, control.macKeyId(msg, request));
  return key !== null && mac.digestMatches(msg.substring(0, request.macOffset), msg.substring(request.macOffset + 4), key.type,
    key.secret, auth.sha) ? key : null;
}

/** A response fragment padded to 8 bytes and signed under `key`, as ntpd signs them. */
export function sign(auth: Authenticator, key: Key, bytes: string): string {
  const padded = bytes + control.padding(bytes.length, 8);
  return padded + mac.macTrailer(key.id, key.type, key.secret, padded, auth.sha);
}
