/**
 * NTP symmetric-key MACs (src/ntp/mac.ts).
 *
 * References are computed independently with Node's crypto (OpenSSL):
 *   createHash(alg).update(key).update(packet).digest()
 *
 * REAL_CHRONY: client requests sent by chronyd 4.3 (Debian 12's chrony_4.3-2),
 * captured on 127.0.0.1 by a Node UDP socket, one chronyd run per line of
 *   keyfile KEYS;  server 127.0.0.1 port P key ID [version 4] minpoll -2 iburst
 * with this key file:
 *   1 MD5 HEX:6C1D5A4F93B2E8A0D7C3F1E26B4A9D08
 *   2 SHA1 HEX:B1E2C3D4A5F60718293A4B5C6D7E8F9012345678
 *   3 SHA256 HEX:00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF
 * They show chrony's rule: with a SHA256 key it sends NTPv3 (0x1b) and the whole
 * 32-byte digest; told `version 4`, it cuts the digest to 20 bytes.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { computeMac, DigestProvider, MacAlgorithm, macTrailer, MAX_V4_DIGEST_LENGTH, verifyMac } from '../../src/ntp/mac';
import { parseTrailer } from '../../src/ntp/packet';
import { filler, fromHex, prng, toHex } from './ntp-bytes';

const latin1 = (s: string) => Buffer.from(s, 'latin1');

/** The board's provider, played by Node: binary strings in and out. */
const sha: DigestProvider = (algorithm, data) =>
  createHash(algorithm === 'SHA1' ? 'sha1' : 'sha256').update(latin1(data)).digest().toString('latin1');

/** Independent reference: HASH(key || packet), whole. */
function reference(algorithm: MacAlgorithm, key: string, packet: string): string {
  return createHash(algorithm.toLowerCase()).update(latin1(key)).update(latin1(packet)).digest().toString('latin1');
}

const KEYS: { [id: number]: [MacAlgorithm, string] } = {
  1: ['MD5', fromHex('6C1D5A4F93B2E8A0D7C3F1E26B4A9D08')],
  2: ['SHA1', fromHex('B1E2C3D4A5F60718293A4B5C6D7E8F9012345678')],
  3: ['SHA256', fromHex('00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF')],
};

const ZERO_36 = '00'.repeat(36); // bytes 4-39: chronyd's request carries only its transmit time
const REAL_CHRONY: { name: string; hex: string }[] = [
  { name: 'MD5, NTPv4', hex: '23000020' + ZERO_36 + 'b4ca9c86ada3b605' + '00000001' + '21f17b695d74d7fc6aaede169397cfd3' },
  { name: 'MD5, NTPv4 (second)', hex: '23000020' + ZERO_36 + '23921bc4f6ab636b' + '00000001' + 'c657bc0e09d330f6be50bd9479f9c7ad' },
  { name: 'SHA1, NTPv4', hex: '23000020' + ZERO_36 + 'cb0404944940886f' + '00000002' + '804475213df9d0f9454ebfe33db7c792a9935be9' },
  {
    name: 'SHA256, NTPv3 (whole digest)',
    hex: '1b000020' + ZERO_36 + '514aa9383875c7ee' + '00000003' + '8a32a1e6de88194f504c429e4c26f0b36df339246ea176d07aa29175a560753a',
  },
  { name: 'SHA256, NTPv4 (cut to 20)', hex: '23000020' + ZERO_36 + '0d5e5d3d76478f7d' + '00000003' + '6da72d783693638e29fbda7e4f78f22963ebf544' },
];

/** An NTPv4 (or v3) header with a made-up transmit time. */
function header(version: number, seed = 7): string {
  return String.fromCharCode((version << 3) | 3) + filler(47, seed);
}

/** An RFC 7822 extension field: type, length, value padded to 4. */
function extension(type: number, value: string): string {
  let padded = value;
  while (padded.length % 4 !== 0 || padded.length < 12) padded += '\0';
  const total = padded.length + 4;
  return String.fromCharCode(type >> 8, type & 255, total >> 8, total & 255) + padded;
}

function flipBit(bytes: string, bit: number): string {
  const i = bit >> 3;
  return bytes.substring(0, i) + String.fromCharCode(bytes.charCodeAt(i) ^ (1 << (bit & 7))) + bytes.substring(i + 1);
}

describe('computeMac', () => {
  it('is HASH(key || packet) for MD5, SHA1 and SHA256 (NTPv3: whole digest)', () => {
    const random = prng(5905);
    for (let trial = 0; trial < 50; trial++) {
      const key = filler(1 + Math.floor(random() * 40), trial);
      const data = header(3, trial) + filler(Math.floor(random() * 5) * 4, trial + 1);
      for (const algorithm of ['MD5', 'SHA1', 'SHA256'] as MacAlgorithm[]) {
        expect(toHex(computeMac(algorithm, key, data, sha))).toBe(toHex(reference(algorithm, key, data)));
      }
    }
  });

  it('cuts the digest to 20 bytes in an NTPv4 packet: only SHA256 changes', () => {
    const key = 'secret key';
    const data = header(4);
    expect(computeMac('MD5', key, data, sha)).toBe(reference('MD5', key, data));
    expect(computeMac('MD5', key, data, sha).length).toBe(16);
    expect(computeMac('SHA1', key, data, sha)).toBe(reference('SHA1', key, data));
    expect(computeMac('SHA1', key, data, sha).length).toBe(20);
    expect(computeMac('SHA256', key, data, sha)).toBe(reference('SHA256', key, data).substring(0, 20));
    expect(computeMac('SHA256', key, data, sha).length).toBe(MAX_V4_DIGEST_LENGTH);
    expect(computeMac('SHA256', key, header(3), sha).length).toBe(32);
  });

  it('covers extension fields: everything before the MAC', () => {
    const data = header(4) + extension(0x0002, 'ABCDEFGHIJKLMNOPQRSTUVWX') + extension(0x0003, '0123456789AB');
    expect(data.length).toBe(48 + 28 + 16);
    for (const algorithm of ['MD5', 'SHA1', 'SHA256'] as MacAlgorithm[]) {
      expect(computeMac(algorithm, 'k', data, sha)).toBe(reference(algorithm, 'k', data).substring(0, 20));
    }
  });

  it('asks the board for SHA only, with key || packet, and never for MD5', () => {
    const spy = vi.fn(sha);
    computeMac('MD5', 'key', header(4), spy);
    expect(spy).not.toHaveBeenCalled();
    computeMac('SHA256', 'key', header(4), spy);
    expect(spy).toHaveBeenCalledWith('SHA256', 'key' + header(4));
  });
});

describe('macTrailer', () => {
  it('is the big-endian key id then the digest, for any uint32 key id', () => {
    const data = header(4);
    expect(toHex(macTrailer(1, 'MD5', 'k', data, sha))).toBe('00000001' + toHex(reference('MD5', 'k', data)));
    expect(toHex(macTrailer(0xdeadbeef, 'SHA1', 'k', data, sha))).toBe('deadbeef' + toHex(reference('SHA1', 'k', data)));
    expect(toHex(macTrailer(4294967295, 'SHA256', 'k', data, sha))).toBe('ffffffff' + toHex(reference('SHA256', 'k', data)).substring(0, 40));
  });

  it('reproduces the trailers real chronyd sent, byte for byte', () => {
    for (const { name, hex } of REAL_CHRONY) {
      const bytes = fromHex(hex);
      const keyId = bytes.charCodeAt(51);
      const [algorithm, key] = KEYS[keyId];
      expect(toHex(macTrailer(keyId, algorithm, key, bytes.substring(0, 48), sha)), name).toBe(hex.substring(96));
    }
  });
});

describe('verifyMac', () => {
  it('accepts the real chronyd requests, at the offset parseTrailer finds', () => {
    for (const { name, hex } of REAL_CHRONY) {
      const bytes = fromHex(hex);
      const trailer = parseTrailer(bytes)!;
      expect(trailer.macOffset, name).toBe(48);
      const [algorithm, key] = KEYS[trailer.macKeyId];
      expect(verifyMac(bytes, trailer.macOffset, trailer.macKeyId, algorithm, key, sha), name).toBe(true);
    }
  });

  it('rejects every one-bit flip, in the packet, the key id and the digest', () => {
    for (const { name, hex } of REAL_CHRONY) {
      const bytes = fromHex(hex);
      const keyId = bytes.charCodeAt(51);
      const [algorithm, key] = KEYS[keyId];
      for (let bit = 0; bit < bytes.length * 8; bit++) {
        if (verifyMac(flipBit(bytes, bit), 48, keyId, algorithm, key, sha)) {
          throw new Error(`${name}: accepted with bit ${bit} flipped`);
        }
      }
    }
  });

  it('rejects a wrong key, algorithm, expected key id, or a one-bit change of the key', () => {
    const bytes = fromHex(REAL_CHRONY[2].hex);
    const key = KEYS[2][1];
    expect(verifyMac(bytes, 48, 2, 'SHA1', key, sha)).toBe(true);
    expect(verifyMac(bytes, 48, 2, 'SHA1', key + '\0', sha)).toBe(false);
    expect(verifyMac(bytes, 48, 2, 'SHA1', flipBit(key, 77), sha)).toBe(false);
    expect(verifyMac(bytes, 48, 2, 'SHA256', key, sha)).toBe(false);
    expect(verifyMac(bytes, 48, 2, 'MD5', key, sha)).toBe(false);
    expect(verifyMac(bytes, 48, 3, 'SHA1', key, sha)).toBe(false);
  });

  it('rejects bad offsets and truncated or extended digests', () => {
    const bytes = fromHex(REAL_CHRONY[0].hex);
    const key = KEYS[1][1];
    const ok = (b: string, offset = 48) => verifyMac(b, offset, 1, 'MD5', key, sha);
    expect(ok(bytes)).toBe(true);
    expect(ok(bytes, 44)).toBe(false); // inside the header
    expect(ok(bytes, 50)).toBe(false); // not 4-aligned
    expect(ok(bytes, 52)).toBe(false);
    expect(ok(bytes, 68)).toBe(false); // past the end
    expect(ok(bytes, -4)).toBe(false);
    expect(ok(bytes.substring(0, 64))).toBe(false);
    expect(ok(bytes.substring(0, 52))).toBe(false); // key id alone (a crypto-NAK shape)
    expect(ok(bytes + '\0\0\0\0')).toBe(false); // an MD5 "digest" of 20 bytes
    expect(ok(bytes + '\0')).toBe(false);
  });

  it('accepts SHA256 whole or cut to 20 in either version, and nothing else', () => {
    const key = 'sha256 key';
    for (const version of [3, 4]) {
      const data = header(version);
      const full = reference('SHA256', key, data);
      const packet = (digest: string) => data + '\0\0\0\x09' + digest;
      expect(verifyMac(packet(full), 48, 9, 'SHA256', key, sha)).toBe(true); // chrony NTPv3
      expect(verifyMac(packet(full.substring(0, 20)), 48, 9, 'SHA256', key, sha)).toBe(true); // NTPv4; ntpd always
      for (const length of [0, 4, 16, 24, 28]) {
        expect(verifyMac(packet(full.substring(0, length)), 48, 9, 'SHA256', key, sha), `${version} ${length}`).toBe(false);
      }
    }
  });

  it('round-trips with macTrailer, with and without extension fields', () => {
    const random = prng(7822);
    for (let trial = 0; trial < 200; trial++) {
      const algorithm = (['MD5', 'SHA1', 'SHA256'] as MacAlgorithm[])[trial % 3];
      const version = trial % 2 === 0 ? 4 : 3;
      let data = header(version, trial);
      if (version === 4 && random() < 0.5) data += extension(0x0002, filler(Math.floor(random() * 40), trial));
      const key = filler(1 + Math.floor(random() * 32), trial * 3);
      const keyId = Math.floor(random() * 4294967296);
      const packet = data + macTrailer(keyId, algorithm, key, data, sha);
      expect(verifyMac(packet, data.length, keyId, algorithm, key, sha)).toBe(true);
      const trailer = parseTrailer(packet)!;
      expect(trailer.macOffset).toBe(data.length);
      expect(trailer.macKeyId).toBe(keyId);
      expect(verifyMac(packet, data.length, (keyId + 1) >>> 0, algorithm, key, sha)).toBe(false);
    }
  });
});
