/**
 * NTP symmetric-key MACs as ntpd and chrony compute them (RFC 5905 section 7.3,
 * not HMAC): digest = HASH(key ‖ packet), where the packet is every byte before
 * the MAC (header and any extension fields), and the trailer on the wire is the
 * key id (uint32, big-endian) followed by the digest.
 *
 * Digest length on the wire (RFC 7822 section 7.5.1.3 caps an NTPv4 MAC at 24
 * octets so that extension fields parse deterministically):
 * - NTPv4: the digest truncated to 20 bytes. MD5 (16) and SHA1 (20) are whole;
 *   SHA256 is cut to its first 20 bytes. chrony (ntp_auth.c, generate_symmetric_auth:
 *   NTP_MAX_V4_MAC_LENGTH - 4), ntpd 4.2.8 (a_md5encrypt.c, MAX_MDG_LEN) and
 *   ntpsec (macencrypt.c, MAX_BARE_MAC_LENGTH) agree.
 * - NTPv3 and older: chrony sends the whole digest (32 bytes for SHA256), and
 *   its clients fall back to NTPv3 by default for keys whose MAC would be cut
 *   (seen: chronyd 4.3 with a SHA256 key sends an 84-byte NTPv3 request), so this
 *   is what a chrony client with a SHA256 key sends and expects back. ntpd and
 *   ntpsec cut to 20 bytes whatever the version; replies here follow chrony.
 * The version is read from the packet's first byte, as chrony does.
 *
 * Verification accepts a digest of either length (whole, or cut to 20): that is
 * everything chrony's check_symmetric_auth accepts, plus ntpd's cut SHA256 MAC
 * in an NTPv3 packet. Both are prefixes of the one digest, so nothing weaker is
 * accepted than a 20-byte NTPv4 MAC, which both daemons accept.
 */
import { md5 } from '../crypto/md5';
import { HEADER_LENGTH } from './header';
import { readUint32, writeUint32 } from './timestamp';

export type MacAlgorithm = 'MD5' | 'SHA1' | 'SHA256';

/** The board's SHA (Espruino's crypto module): binary string in, binary digest out. */
export interface DigestProvider {
  (algorithm: 'SHA1' | 'SHA256', data: string): string;
}

/** NTP_MAX_V4_MAC_LENGTH (24) less the key id. */
export const MAX_V4_DIGEST_LENGTH = 20;

function digest(algorithm: MacAlgorithm, key: string, data: string, sha: DigestProvider): string {
  return algorithm === 'MD5' ? md5(key + data) : sha(algorithm, key + data);
}

/**
 * The digest bytes of the MAC for `data` (the packet before its MAC) as they go
 * on the wire: cut to 20 bytes in an NTPv4 packet, whole otherwise.
 */
export function computeMac(algorithm: MacAlgorithm, key: string, data: string, sha: DigestProvider): string {
  const full = digest(algorithm, key, data, sha);
  return ((data.charCodeAt(0) >> 3) & 7) === 4 ? full.substring(0, MAX_V4_DIGEST_LENGTH) : full;
}

/** The whole trailer to append to `data`: key id, then digest. */
export function macTrailer(keyId: number, algorithm: MacAlgorithm, key: string, data: string, sha: DigestProvider): string {
  return writeUint32(keyId) + computeMac(algorithm, key, data, sha);
}

/**
 * True when `packetBytes` carries, at `macOffset`, key id `keyId` and a valid
 * digest under `key` over the bytes before it, running to the end of the packet.
 * The digest comparison visits every byte whatever it finds (no early exit), so
 * its time depends on the length only, never on how much of a forgery matched.
 */
export function verifyMac(packetBytes: string, macOffset: number, keyId: number, algorithm: MacAlgorithm,
  key: string, sha: DigestProvider): boolean {
  // The MAC follows a whole header and 4-aligned extension fields.
  if (macOffset < HEADER_LENGTH || macOffset % 4 !== 0 || macOffset + 4 > packetBytes.length) return false;
  if (readUint32(packetBytes, macOffset) !== keyId >>> 0) return false;
  return digestMatches(packetBytes.substring(0, macOffset), packetBytes.substring(macOffset + 4), algorithm, key, sha);
}

/**
 * True when `received` is the digest of `data` under `key`, whole or cut to
 * 20 bytes. Also for mode-6 messages, whose MAC follows a 12-byte header.
 */
export function digestMatches(data: string, received: string, algorithm: MacAlgorithm, key: string, sha: DigestProvider): boolean {
  const length = received.length;
  const expected = digest(algorithm, key, data, sha);
  // Whole, or cut to 20 bytes (only SHA256 differs): everything else is refused.
  if (length !== expected.length && !(length === MAX_V4_DIGEST_LENGTH && expected.length > length)) return false;
  let difference = 0;
  for (let i = 0; i < length; i++) difference |= received.charCodeAt(i) ^ expected.charCodeAt(i);
  return difference === 0;
}
