/**
 * The 48-byte NTP header (RFC 5905 figure 8): decode(bytes, offset) and
 * encode(header). Payloads are binary strings, as Espruino's dgram delivers them.
 */
import * as timestamp from './timestamp';
import type { NtpTime } from './timestamp';

export const HEADER_LENGTH = 48;

export const enum Mode {
  Reserved = 0,
  SymmetricActive = 1,
  SymmetricPassive = 2,
  Client = 3,
  Server = 4,
  Broadcast = 5,
  Control = 6,
  Private = 7,
}

export const enum Leap {
  None = 0,
  InsertSecond = 1,
  DeleteSecond = 2,
  Unsynchronised = 3,
}

export interface NtpHeader {
  leap: number;
  version: number;
  mode: number;
  stratum: number;
  pollLog2: number; // signed
  precisionLog2: number; // signed
  rootDelay: number; // seconds
  rootDispersion: number; // seconds
  referenceId: number; // uint32
  referenceTime: NtpTime;
  originTime: NtpTime;
  receiveTime: NtpTime;
  transmitTime: NtpTime;
}

function signedByte(value: number): number {
  return value > 127 ? value - 256 : value;
}

export function decode(bytes: string, offset: number): NtpHeader {
  const first = bytes.charCodeAt(offset);
  return {
    leap: first >> 6,
    version: (first >> 3) & 7,
    mode: first & 7,
    stratum: bytes.charCodeAt(offset + 1),
    pollLog2: signedByte(bytes.charCodeAt(offset + 2)),
    precisionLog2: signedByte(bytes.charCodeAt(offset + 3)),
    rootDelay: timestamp.decodeShort(bytes, offset + 4),
    rootDispersion: timestamp.decodeShort(bytes, offset + 8),
    referenceId: timestamp.readUint32(bytes, offset + 12),
    referenceTime: timestamp.decode(bytes, offset + 16),
    originTime: timestamp.decode(bytes, offset + 24),
    receiveTime: timestamp.decode(bytes, offset + 32),
    transmitTime: timestamp.decode(bytes, offset + 40),
  };
}

export function encode(header: NtpHeader): string {
  return String.fromCharCode(
    ((header.leap & 3) << 6) | ((header.version & 7) << 3) | (header.mode & 7),
    header.stratum & 255,
    header.pollLog2 & 255,
    header.precisionLog2 & 255,
  ) +
    timestamp.encodeShort(header.rootDelay) +
    timestamp.encodeShort(header.rootDispersion) +
    timestamp.writeUint32(header.referenceId) +
    timestamp.encode(header.referenceTime) +
    timestamp.encode(header.originTime) +
    timestamp.encode(header.receiveTime) +
    timestamp.encode(header.transmitTime);
}
