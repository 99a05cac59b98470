/**
 * NTP 64-bit timestamps as two unsigned 32-bit halves (seconds, fraction).
 * Espruino has no BigInt and its bitwise operators are int32, so every
 * conversion here stays within doubles and `>>> 0`.
 */

/** Seconds from the NTP prime epoch (1900) to the Unix epoch (1970). */
export const NTP_UNIX_OFFSET = 2208988800;
/** 2^32 written out: Math.pow(2, 32) is inexact on Espruino. */
export const TWO_POW_32 = 4294967296;

export interface NtpTime {
  seconds: number; // uint32, era-relative
  fraction: number; // uint32, units of 2^-32 s
}

/** Unix seconds (double) → NTP timestamp; wraps into the current era. */
export function fromUnix(unixSeconds: number): NtpTime {
  const whole = Math.floor(unixSeconds);
  const fraction = Math.floor((unixSeconds - whole) * TWO_POW_32);
  let seconds = (whole + NTP_UNIX_OFFSET) % TWO_POW_32;
  if (seconds < 0) seconds += TWO_POW_32; // before 1900: the previous era
  return { seconds: seconds, fraction: fraction };
}

/**
 * NTP timestamp → Unix seconds, choosing the era that puts the result within
 * ±68 years of `pivotUnix` (RFC 5905 section 6: the era is not on the wire).
 */
export function toUnix(time: NtpTime, pivotUnix: number): number {
  const pivotNtp = pivotUnix + NTP_UNIX_OFFSET;
  let seconds = time.seconds + Math.floor(pivotNtp / TWO_POW_32) * TWO_POW_32;
  if (seconds - pivotNtp > 2147483648) seconds -= TWO_POW_32;
  else if (pivotNtp - seconds > 2147483648) seconds += TWO_POW_32;
  return seconds - NTP_UNIX_OFFSET + time.fraction / TWO_POW_32;
}

/** a − b in seconds, exact to the double's precision for nearby times, across an era wrap. */
export function difference(a: NtpTime, b: NtpTime): number {
  let seconds = a.seconds - b.seconds;
  if (seconds > 2147483648) seconds -= TWO_POW_32;
  else if (seconds < -2147483648) seconds += TWO_POW_32;
  return seconds + (a.fraction - b.fraction) / TWO_POW_32;
}

export function isZero(time: NtpTime): boolean {
  return time.seconds === 0 && time.fraction === 0;
}

export function equal(a: NtpTime, b: NtpTime): boolean {
  return a.seconds === b.seconds && a.fraction === b.fraction;
}

/** Reads a 64-bit timestamp at `offset` of a binary string. */
export function decode(bytes: string, offset: number): NtpTime {
  return { seconds: readUint32(bytes, offset), fraction: readUint32(bytes, offset + 4) };
}

/** The 8-byte binary string of a timestamp. */
export function encode(time: NtpTime): string {
  return writeUint32(time.seconds) + writeUint32(time.fraction);
}

/**
 * Unix seconds → the 8 bytes on the wire, in one call. This is the reply hot
 * path: no object, one String.fromCharCode. `>>>` reduces the seconds modulo
 * 2^32, which is exactly the era wrap of 2036.
 */
export function encodeUnix(unixSeconds: number): string {
  const whole = Math.floor(unixSeconds);
  const seconds = whole + NTP_UNIX_OFFSET;
  const fraction = (unixSeconds - whole) * TWO_POW_32;
  return String.fromCharCode(
    seconds >>> 24, (seconds >>> 16) & 255, (seconds >>> 8) & 255, seconds & 255,
    fraction >>> 24, (fraction >>> 16) & 255, (fraction >>> 8) & 255, fraction & 255,
  );
}

export function readUint32(bytes: string, offset: number): number {
  return ((bytes.charCodeAt(offset) << 24) | (bytes.charCodeAt(offset + 1) << 16) |
    (bytes.charCodeAt(offset + 2) << 8) | bytes.charCodeAt(offset + 3)) >>> 0;
}

export function writeUint32(value: number): string {
  return String.fromCharCode(value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255);
}

export function readUint16(bytes: string, offset: number): number {
  return (bytes.charCodeAt(offset) << 8) | bytes.charCodeAt(offset + 1);
}

/** NTP short format (16.16 unsigned seconds), as used by root delay and dispersion. */
export function decodeShort(bytes: string, offset: number): number {
  return readUint32(bytes, offset) / 65536;
}

/** Rounds up so that a bound sent on the wire is never smaller than the true one; saturates. */
export function encodeShort(seconds: number): string {
  let units = Math.ceil(seconds * 65536);
  if (!(units > 0)) units = 0;
  else if (units > 4294967295) units = 4294967295;
  return writeUint32(units);
}
