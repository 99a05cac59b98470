/**
 * Reference identifiers and kiss codes (RFC 5905 section 7.4, RFC 8633 5.4).
 * A kiss-o'-death is a packet with stratum 0 whose reference id is ASCII.
 */

export const KISS_RATE = 0x52415445; // "RATE"
export const KISS_DENY = 0x44454e59; // "DENY"
export const KISS_RSTR = 0x52535452; // "RSTR"
export const KISS_INIT = 0x494e4954; // "INIT"
export const KISS_STEP = 0x53544550; // "STEP"
export const KISS_CRYP = 0x43525950; // "CRYP"

/** chrony's reference id for `local` mode: 127.127.1.1. */
export const LOCAL_REFERENCE_ID = 0x7f7f0101;
/** What an unsynchronised server says instead of a reference. */
export const UNSYNCHRONISED_REFERENCE_ID = 0;

/** The ASCII text of a reference id or kiss code, up to its first NUL; '?' for unprintable bytes. */
export function toAscii(referenceId: number): string {
  let text = '';
  for (let shift = 24; shift >= 0; shift -= 8) {
    const code = (referenceId >>> shift) & 255;
    if (code === 0) break;
    text += code >= 32 && code < 127 ? String.fromCharCode(code) : '?';
  }
  return text;
}

export function fromAscii(text: string): number {
  let value = 0;
  for (let i = 0; i < 4; i++) value = value * 256 + (i < text.length ? text.charCodeAt(i) & 255 : 0);
  return value;
}

/** chronyc prints reference ids as 8 upper-case hex digits. */
export function toHex(referenceId: number): string {
  let hex = (referenceId >>> 0).toString(16).toUpperCase();
  while (hex.length < 8) hex = '0' + hex;
  return hex;
}
