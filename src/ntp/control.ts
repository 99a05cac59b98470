/**
 * NTP control messages (mode 6, RFC 9327; RFC 1305 appendix B): the 12-byte
 * header, the data, padding to 4 bytes, an optional MAC, and the splitting of
 * a long response into fragments. decode() never throws: a datagram that is
 * not a well-formed request yields null or a format error to answer with.
 */
import { Mode } from './header';
import { readUint16, readUint32 } from './timestamp';

export const CONTROL_HEADER_LENGTH = 12;
/** ntpd's CTL_MAX_DATA_LEN: the data of one response fragment. */
export const MAX_FRAGMENT_DATA = 468;

/** Byte 1: response, error and more bits above a 5-bit opcode. */
export const RESPONSE_BIT = 0x80;
export const ERROR_BIT = 0x40;
export const MORE_BIT = 0x20;
export const OPCODE_MASK = 0x1f;

export const enum Opcode {
  ReadStatus = 1,
  ReadVariables = 2,
}

/** Error codes, sent in the high byte of the status word. */
export const enum ControlError {
  Unspecified = 0,
  Permission = 1,
  BadFormat = 2,
  BadOpcode = 3,
  BadAssociation = 4,
  UnknownVariable = 5,
  BadValue = 6,
  Restricted = 7,
}

/** A request MAC: key id and digest from 20 (MD5) to 68 bytes (SHA-512) after the data, 8-aligned. */
const MIN_MAC_LENGTH = 20;
const MAX_MAC_LENGTH = 68;

export interface ControlMessage {
  leap: number;
  version: number;
  /** Byte 1 as the flag bits (RESPONSE_BIT, ERROR_BIT, MORE_BIT). */
  flags: number;
  opcode: number;
  sequence: number;
  status: number;
  associationId: number;
  offset: number;
  /** The count field as received (encode() writes data.length). */
  count: number;
  /** The data (up to count bytes, as many as arrived), without padding or MAC. */
  data: string;
  /** Where the MAC (key id first) starts, or -1 when there is none. */
  macOffset: number;
}

/** What is wrong with a datagram as a request: nothing, not one at all (drop it), or malformed (answer BadFormat). */
export const enum RequestCheck {
  Ok = 0,
  Drop = 1,
  BadFormat = 2,
}

/**
 * Decodes the datagram at `offset`. Returns null unless it holds a whole
 * mode-6 header; the count is clipped to what arrived (checkRequest says
 * whether that is acceptable).
 */
export function decode(bytes: string, offset: number): ControlMessage | null {
  const length = bytes.length - offset;
  if (length < CONTROL_HEADER_LENGTH) return null;
  const first = bytes.charCodeAt(offset);
  if ((first & 7) !== Mode.Control) return null;
  const second = bytes.charCodeAt(offset + 1);
  const count = readUint16(bytes, offset + 10);
  const dataEnd = CONTROL_HEADER_LENGTH + count;
  // The MAC begins on a 64-bit boundary after the data (ntpd's and ntpq's rule).
  const macStart = (dataEnd + 7) & ~7;
  const macLength = length - macStart;
  return {
    leap: first >> 6,
    version: (first >> 3) & 7,
    flags: second & ~OPCODE_MASK,
    opcode: second & OPCODE_MASK,
    sequence: readUint16(bytes, offset + 2),
    status: readUint16(bytes, offset + 4),
    associationId: readUint16(bytes, offset + 6),
    offset: readUint16(bytes, offset + 8),
    count: count,
    data: bytes.substr(offset + CONTROL_HEADER_LENGTH, count),
    macOffset: macLength >= MIN_MAC_LENGTH && macLength <= MAX_MAC_LENGTH && macLength % 4 === 0 ? offset + macStart : -1,
  };
}

/**
 * ntpd's checks on a request: a response, a fragment, an error or a non-zero
 * offset is silently dropped, as is a version outside 1-4; a count longer
 * than the data or a length that is not a multiple of 4 is answered BadFormat.
 */
export function checkRequest(message: ControlMessage, datagramLength: number): RequestCheck {
  if (message.flags !== 0 || message.offset !== 0 || message.version < 1 || message.version > 4) return RequestCheck.Drop;
  if (datagramLength % 4 !== 0 || message.data.length < message.count) return RequestCheck.BadFormat;
  return RequestCheck.Ok;
}

/** Zero bytes that bring `length` up to a multiple of `alignment`. */
export function padding(length: number, alignment: number): string {
  let pad = '';
  while ((length + pad.length) % alignment !== 0) pad += '\0';
  return pad;
}

/** The 12-byte header for `message`, with its data's length as count. */
export function encodeHeader(message: ControlMessage): string {
  const count = message.data.length;
  return String.fromCharCode(
    ((message.leap & 3) << 6) | ((message.version & 7) << 3) | Mode.Control,
    (message.flags & ~OPCODE_MASK) | (message.opcode & OPCODE_MASK),
    (message.sequence >> 8) & 255, message.sequence & 255,
    (message.status >> 8) & 255, message.status & 255,
    (message.associationId >> 8) & 255, message.associationId & 255,
    (message.offset >> 8) & 255, message.offset & 255,
    (count >> 8) & 255, count & 255,
  );
}

/** Header + data + padding to 4 bytes (no MAC). */
export function encode(message: ControlMessage): string {
  const body = encodeHeader(message) + message.data;
  return body + padding(body.length, 4);
}

/**
 * A response's fragments: `data` cut into pieces of at most `maxData` bytes,
 * each with its offset and count, the more bit on all but the last. Empty
 * data is one empty fragment. `template` gives the other header fields.
 */
export function fragment(template: ControlMessage, data: string, maxData: number): ControlMessage[] {
  const pieces: ControlMessage[] = [];
  let at = 0;
  do {
    const piece = data.substr(at, maxData);
    const last = at + piece.length >= data.length;
    pieces.push({
      leap: template.leap,
      version: template.version,
      flags: (template.flags & ~MORE_BIT) | (last ? 0 : MORE_BIT),
      opcode: template.opcode,
      sequence: template.sequence,
      status: template.status,
      associationId: template.associationId,
      offset: at,
      count: piece.length,
      data: piece,
      macOffset: -1,
    });
    at += piece.length;
  } while (at < data.length);
  return pieces;
}

/** The key id of a request's MAC (decode() found one at macOffset). */
export function macKeyId(bytes: string, message: ControlMessage): number {
  return readUint32(bytes, message.macOffset);
}
