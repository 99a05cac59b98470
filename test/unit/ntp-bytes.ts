/**
 * Test helpers for the NTP unit tests: binary strings (char codes 0-255, as
 * Espruino's dgram delivers datagrams) to and from hex.
 */

/** Hex (whitespace ignored) → binary string. */
export function fromHex(hex: string): string {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error('bad hex: ' + hex);
  let out = '';
  for (let i = 0; i < clean.length; i += 2) out += String.fromCharCode(parseInt(clean.substr(i, 2), 16));
  return out;
}

/** Binary string → lower-case hex; throws if a char code is above 255. */
export function toHex(bytes: string): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const code = bytes.charCodeAt(i);
    if (code > 255) throw new Error('not a binary string at ' + i + ': ' + code);
    out += (code < 16 ? '0' : '') + code.toString(16);
  }
  return out;
}

/** n bytes of a repeating, non-zero pattern (so nothing accidentally reads as a zero length). */
export function filler(n: number, seed = 0xa5): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String.fromCharCode((seed + i * 37) & 255);
  return out;
}

/** Deterministic PRNG (mulberry32) so random-looking tests are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
