/**
 * MD5 (src/crypto/md5.ts) against RFC 1321's test suite (appendix A.5) and
 * against Node's crypto (OpenSSL) for thousands of random binary strings,
 * covering every padding case: lengths 0..300 take in 55 (the last that pads
 * within one block), 56 and 63 (padding spills into a second block), 64, 119, 120.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { md5 } from '../../src/crypto/md5';
import { prng, toHex } from './ntp-bytes';

function nodeMd5(data: string): string {
  return createHash('md5').update(Buffer.from(data, 'latin1')).digest('hex');
}

function randomBytes(random: () => number, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String.fromCharCode(Math.floor(random() * 256));
  return out;
}

function repeat(ch: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += ch;
  return out;
}

describe('md5', () => {
  it('matches the RFC 1321 test suite', () => {
    const suite: [string, string][] = [
      ['', 'd41d8cd98f00b204e9800998ecf8427e'],
      ['a', '0cc175b9c0f1b6a831c399e269772661'],
      ['abc', '900150983cd24fb0d6963f7d28e17f72'],
      ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
      ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
      ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
      ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', '57edf4a22be3c955ac49da2e2107b67a'],
    ];
    for (const [input, digest] of suite) expect(toHex(md5(input)), JSON.stringify(input)).toBe(digest);
  });

  it('returns 16 bytes as a binary string', () => {
    for (const input of ['', 'x', repeat('\xff', 200)]) {
      const digest = md5(input);
      expect(digest.length).toBe(16);
      for (let i = 0; i < 16; i++) expect(digest.charCodeAt(i)).toBeLessThan(256);
    }
  });

  it('matches Node crypto for 10 random strings of every length 0..300 (3010 strings)', () => {
    const random = prng(1321);
    let checked = 0;
    for (let n = 0; n <= 300; n++) {
      for (let k = 0; k < 10; k++) {
        const data = randomBytes(random, n);
        const ours = toHex(md5(data));
        if (ours !== nodeMd5(data)) expect(ours, `length ${n}: ${toHex(data)}`).toBe(nodeMd5(data));
        checked++;
      }
    }
    expect(checked).toBe(3010);
  });

  it('pads correctly at the block edges, for all-zero, all-0xff and 0x80 bytes', () => {
    for (const n of [0, 1, 54, 55, 56, 57, 63, 64, 65, 118, 119, 120, 121, 127, 128, 129]) {
      for (const ch of ['\0', '\xff', '\x80']) {
        const data = repeat(ch, n);
        expect(toHex(md5(data)), `${n} x ${ch.charCodeAt(0)}`).toBe(nodeMd5(data));
      }
    }
  });

  it('matches the standard million-a vector (15625 blocks)', () => {
    expect(toHex(md5(repeat('a', 1000000)))).toBe('7707d6ae4e027c70eea2a935c2296f21');
  });

  it('keeps no state between calls', () => {
    const first = toHex(md5('abc'));
    md5(repeat('\xff', 300));
    expect(toHex(md5('abc'))).toBe(first);
  });
});
