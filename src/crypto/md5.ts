/**
 * MD5 (RFC 1321) over a binary string. Espruino's crypto module has SHA only,
 * and NTP's oldest and still most common symmetric keys are MD5, so it lives
 * in the core.
 *
 * Written for a source interpreter: each round is a loop of four inline steps
 * (the four variables' roles rotate every step, so four steps bring them back),
 * which keeps both the text and the characters executed per block small.
 * All arithmetic is int32: `| 0` is addition modulo 2^32, rotations are two
 * shifts, and nothing multiplies (Espruino has no Math.imul).
 */

/**
 * floor(|sin(i + 1)| * 2^32) as signed int32, written out: Espruino's Math.sin
 * need not agree with the RFC's in the last bits. A typed array is a few
 * JsVars, where a plain array would be one per element.
 */
const K = new Int32Array([
  -680876936, -389564586, 606105819, -1044525330, -176418897, 1200080426, -1473231341, -45705983,
  1770035416, -1958414417, -42063, -1990404162, 1804603682, -40341101, -1502002290, 1236535329,
  -165796510, -1069501632, 643717713, -373897302, -701558691, 38016083, -660478335, -405537848,
  568446438, -1019803690, -187363961, 1163531501, -1444681467, -51403784, 1735328473, -1926607734,
  -378558, -2022574463, 1839030562, -35309556, -1530992060, 1272893353, -155497632, -1094730640,
  681279174, -358537222, -722521979, 76029189, -640364487, -421815835, 530742520, -995338651,
  -198630844, 1126891415, -1416354905, -57434055, 1700485571, -1894986606, -1051523, -2054922799,
  1873313359, -30611744, -1560198380, 1309151649, -145523070, -1120210379, 718787259, -343485551,
]);

/** Which message word each of the 64 steps reads: i, 5i+1, 3i+5, 7i (mod 16) by round. */
const M = new Uint8Array([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  1, 6, 11, 0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12,
  5, 8, 11, 14, 1, 4, 7, 10, 13, 0, 3, 6, 9, 12, 15, 2,
  0, 7, 14, 5, 12, 3, 10, 1, 8, 15, 6, 13, 4, 11, 2, 9,
]);

/** The block's 16 little-endian words; reused (no allocation per call, nothing re-enters). */
const w = new Int32Array(16);

let ZEROS = '\0\0\0\0\0\0\0\0';
ZEROS += ZEROS;
ZEROS += ZEROS;
ZEROS += ZEROS; // 64

/** The 16-byte MD5 digest of `data` (char codes 0-255), as a binary string. */
export function md5(data: string): string {
  const n = data.length;
  // 0x80, zeros to 56 mod 64, then the length in bits as 64-bit little-endian.
  const m = data + '\x80' + ZEROS.substring(0, (55 - n) & 63) +
    String.fromCharCode((n << 3) & 255, (n >>> 5) & 255, (n >>> 13) & 255, (n >>> 21) & 255, n >>> 29, 0, 0, 0);
  let h0 = 1732584193, h1 = -271733879, h2 = -1732584194, h3 = 271733878;
  let a: number, b: number, c: number, d: number, x: number, k: number, j: number;
  for (let o = 0; o < m.length;) {
    for (j = 0; j < 16; j++, o += 4) {
      w[j] = m.charCodeAt(o) | (m.charCodeAt(o + 1) << 8) | (m.charCodeAt(o + 2) << 16) | (m.charCodeAt(o + 3) << 24);
    }
    a = h0; b = h1; c = h2; d = h3;
    for (k = 0; k < 16;) { // F(x, y, z) = x & y | ~x & z
      x = a + (b & c | ~b & d) + K[k] + w[M[k++]] | 0; a = b + (x << 7 | x >>> 25) | 0;
      x = d + (a & b | ~a & c) + K[k] + w[M[k++]] | 0; d = a + (x << 12 | x >>> 20) | 0;
      x = c + (d & a | ~d & b) + K[k] + w[M[k++]] | 0; c = d + (x << 17 | x >>> 15) | 0;
      x = b + (c & d | ~c & a) + K[k] + w[M[k++]] | 0; b = c + (x << 22 | x >>> 10) | 0;
    }
    for (; k < 32;) { // G(x, y, z) = x & z | y & ~z
      x = a + (b & d | c & ~d) + K[k] + w[M[k++]] | 0; a = b + (x << 5 | x >>> 27) | 0;
      x = d + (a & c | b & ~c) + K[k] + w[M[k++]] | 0; d = a + (x << 9 | x >>> 23) | 0;
      x = c + (d & b | a & ~b) + K[k] + w[M[k++]] | 0; c = d + (x << 14 | x >>> 18) | 0;
      x = b + (c & a | d & ~a) + K[k] + w[M[k++]] | 0; b = c + (x << 20 | x >>> 12) | 0;
    }
    for (; k < 48;) { // H(x, y, z) = x ^ y ^ z
      x = a + (b ^ c ^ d) + K[k] + w[M[k++]] | 0; a = b + (x << 4 | x >>> 28) | 0;
      x = d + (a ^ b ^ c) + K[k] + w[M[k++]] | 0; d = a + (x << 11 | x >>> 21) | 0;
      x = c + (d ^ a ^ b) + K[k] + w[M[k++]] | 0; c = d + (x << 16 | x >>> 16) | 0;
      x = b + (c ^ d ^ a) + K[k] + w[M[k++]] | 0; b = c + (x << 23 | x >>> 9) | 0;
    }
    for (; k < 64;) { // I(x, y, z) = y ^ (x | ~z)
      x = a + (c ^ (b | ~d)) + K[k] + w[M[k++]] | 0; a = b + (x << 6 | x >>> 26) | 0;
      x = d + (b ^ (a | ~c)) + K[k] + w[M[k++]] | 0; d = a + (x << 10 | x >>> 22) | 0;
      x = c + (a ^ (d | ~b)) + K[k] + w[M[k++]] | 0; c = d + (x << 15 | x >>> 17) | 0;
      x = b + (d ^ (c | ~a)) + K[k] + w[M[k++]] | 0; b = c + (x << 21 | x >>> 11) | 0;
    }
    h0 = h0 + a | 0; h1 = h1 + b | 0; h2 = h2 + c | 0; h3 = h3 + d | 0;
  }
  return le(h0) + le(h1) + le(h2) + le(h3);
}

function le(v: number): string {
  return String.fromCharCode(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24);
}
