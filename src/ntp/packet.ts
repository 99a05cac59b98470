/**
 * A whole NTP datagram: header, RFC 7822 extension fields, and the optional
 * MAC trailer (key id + digest) or crypto-NAK, told apart by length.
 * parse() never throws: a malformed datagram yields a reason to count.
 */
import { HEADER_LENGTH } from './header';
import { readUint16, readUint32 } from './timestamp';

/** Espruino cuts datagrams above this size unless the receive buffer is raised. */
export const MAX_DATAGRAM = 528;
/** Key id + the longest digest we know (SHA-512). */
const MAX_MAC_LENGTH = 4 + 64;
/** RFC 7822: every extension field is at least 16 octets, padded to 4. */
const MIN_EXTENSION_LENGTH = 16;

export const enum ParseError {
  None = 0,
  Short = 1,
  Oversized = 2,
  Version = 3,
  Format = 4,
}

export interface ExtensionField {
  type: number;
  offset: number; // of the field's value within the datagram
  length: number; // of the value, excluding the 4-byte field header
}

export interface Trailer {
  extensions: ExtensionField[];
  /** Offset of the MAC (key id first), or -1 when there is none. */
  macOffset: number;
  macKeyId: number;
  /** Digest length in bytes; 0 for a crypto-NAK (key id only). */
  macDigestLength: number;
}

/** Valid MAC lengths: a crypto-NAK (4) or key id + 16..64 byte digest. */
function isMacLength(length: number): boolean {
  return length === 4 || (length >= 20 && length <= MAX_MAC_LENGTH && length % 4 === 0);
}

/** Checks length and version; returns ParseError.None for a usable datagram. */
export function checkEnvelope(bytes: string): ParseError {
  const length = bytes.length;
  if (length < HEADER_LENGTH) return ParseError.Short;
  if (length > MAX_DATAGRAM) return ParseError.Oversized;
  const version = (bytes.charCodeAt(0) >> 3) & 7;
  if (version < 1 || version > 4) return ParseError.Version;
  if (length % 4 !== 0) return ParseError.Format;
  return ParseError.None;
}

/**
 * Splits what follows the header into extension fields and a MAC.
 * Returns null if the trailer is malformed.
 *
 * Extension fields exist only in NTPv4 (RFC 7822): before version 4 everything
 * after the header is the MAC, whatever its key id looks like, as chrony and
 * ntpd read it (chronyd sends SHA256 keys' whole 32-byte digest in NTPv3).
 * In NTPv4 a remainder of at most 24 bytes is a MAC (RFC 7822 section 7.5);
 * a longer one that does not hold a well-formed extension field exactly may
 * still be a long (SHA-2) MAC.
 */
export function parseTrailer(bytes: string): Trailer | null {
  const trailer: Trailer = { extensions: [], macOffset: -1, macKeyId: 0, macDigestLength: 0 };
  const extensionsAllowed = ((bytes.charCodeAt(0) >> 3) & 7) >= 4;
  let position = HEADER_LENGTH;
  while (position < bytes.length) {
    const remaining = bytes.length - position;
    if (!extensionsAllowed || remaining <= 24 || (isMacLength(remaining) && !fitsExtension(bytes, position, remaining))) {
      if (!isMacLength(remaining)) return null;
      trailer.macOffset = position;
      trailer.macKeyId = readUint32(bytes, position);
      trailer.macDigestLength = remaining - 4;
      return trailer;
    }
    const fieldLength = readUint16(bytes, position + 2);
    if (fieldLength < MIN_EXTENSION_LENGTH || fieldLength % 4 !== 0 || fieldLength > remaining) return null;
    trailer.extensions.push({ type: readUint16(bytes, position), offset: position + 4, length: fieldLength - 4 });
    position += fieldLength;
  }
  return trailer;
}

/** True when an extension field starting at `position` is well formed and ends inside `remaining`. */
function fitsExtension(bytes: string, position: number, remaining: number): boolean {
  const fieldLength = readUint16(bytes, position + 2);
  return fieldLength >= MIN_EXTENSION_LENGTH && fieldLength % 4 === 0 && fieldLength <= remaining &&
    (fieldLength === remaining || isMacLength(remaining - fieldLength));
}
