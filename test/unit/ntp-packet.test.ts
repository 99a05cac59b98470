/**
 * Whole datagrams (src/ntp/packet.ts): checkEnvelope and parseTrailer.
 *
 * Trailer vectors were made with Python 3.11 (struct + hashlib), independently
 * of our code. The header is the sntp-style client request of ntp-header.test.ts:
 *   hdr = bytes.fromhex('e30004fa0001000000010000...e9dcad40deadbeef')
 *   key = b'secret'                          # RFC 5905 MAC = H(key || packet)
 *   md5    = struct.pack('!I', 1)          + hashlib.md5(key + hdr).digest()      # 20 bytes
 *   sha1   = struct.pack('!I', 0xdeadbeef) + hashlib.sha1(key + hdr).digest()     # 24 bytes
 *   sha256 = struct.pack('!I', 1)          + hashlib.sha256(key + hdr).digest()   # 36 bytes
 *   sha512 = struct.pack('!I', 7)          + hashlib.sha512(key + hdr).digest()   # 68 bytes
 *   def ef(t, value, total):                 # RFC 7822 extension field, zero padded
 *       return struct.pack('!HH', t, total) + value + b'\0' * (total - 4 - len(value))
 *   uid    = ef(0x0104, bytes(range(1, 33)), 36)                       # NTS unique identifier
 *   cookie = ef(0x0204, bytes((i * 7) & 255 for i in range(100)), 104) # NTS cookie
 *   auth   = ef(0x0404, struct.pack('!HH', 16, 16) + bytes(range(0xa0, 0xb0))
 *                       + bytes(range(0xc0, 0xd0)), 40)               # NTS authenticator
 *   e28    = ef(0x0002, b'ABCDEFGHIJKLMNOPQRSTUVWX', 28)
 *   e16    = ef(0x0003, b'0123456789AB', 16)
 */
import { describe, expect, it } from 'vitest';
import * as packet from '../../src/ntp/packet';
import { ParseError } from '../../src/ntp/packet';
import { fromHex, filler } from './ntp-bytes';

const HEADER = fromHex(
  'e30004fa000100000001000000000000000000000000000000000000000000000000000000000000e9dcad40deadbeef',
);
const MD5_MAC = fromHex('00000001b736535ec531801957140891baa49bc0');
const SHA1_MAC = fromHex('deadbeef0bb0f3d745b49a23dddbb009e8c836b779eb1b97');
const SHA256_MAC = fromHex('0000000148134206ce33e3b35f01888d870384900b84a654e2ec28f1efef15f1acc28f8e');
const SHA512_MAC = fromHex(
  '00000007bff5bfeec5a14d24b3eb0bcd3de94873ef0c9d2da1dfd9690602414077a7bfa0' +
    '9bf6528d439010980749511aa209bab0a546ac2a421d96a7e4b87062598a909d',
);
const CRYPTO_NAK = fromHex('00000000');
const NTS_UID = fromHex('010400240102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20');
const NTS_COOKIE = fromHex(
  '0204006800070e151c232a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9e0e7eef5fc030a11181f' +
    '262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3eaf1f8ff060d141b222930373e454c535a61' +
    '686f767d848b9299a0a7aeb5',
);
const NTS_AUTH = fromHex('0404002800100010a0a1a2a3a4a5a6a7a8a9aaabacadaeafc0c1c2c3c4c5c6c7c8c9cacbcccdcecf');
const EF28 = fromHex('0002001c4142434445464748494a4b4c4d4e4f505152535455565758');
const EF16 = fromHex('00030010303132333435363738394142');

/** An extension field header (type, total length) followed by a non-zero body. */
function ef(type: number, total: number, bodyLength = total - 4): string {
  return String.fromCharCode(type >> 8, type & 255, total >> 8, total & 255) + filler(bodyLength, type & 255);
}

/** A header whose first byte carries LI/VN/mode. */
function withFirstByte(li: number, vn: number, mode: number): string {
  return String.fromCharCode((li << 6) | (vn << 3) | mode) + HEADER.substr(1);
}

describe('vectors are the sizes they claim', () => {
  it.each([
    ['HEADER', HEADER, 48],
    ['MD5_MAC', MD5_MAC, 20],
    ['SHA1_MAC', SHA1_MAC, 24],
    ['SHA256_MAC', SHA256_MAC, 36],
    ['SHA512_MAC', SHA512_MAC, 68],
    ['NTS_UID', NTS_UID, 36],
    ['NTS_COOKIE', NTS_COOKIE, 104],
    ['NTS_AUTH', NTS_AUTH, 40],
    ['EF28', EF28, 28],
    ['EF16', EF16, 16],
  ])('%s is %d bytes', (_name, bytes, length) => {
    expect(bytes.length).toBe(length);
  });
});

describe('checkEnvelope', () => {
  it('MAX_DATAGRAM is 528', () => {
    expect(packet.MAX_DATAGRAM).toBe(528);
  });

  it('empty → Short', () => {
    expect(packet.checkEnvelope('')).toBe(ParseError.Short);
  });
  it('1 and 47 bytes → Short', () => {
    expect(packet.checkEnvelope('\x23')).toBe(ParseError.Short);
    expect(packet.checkEnvelope(HEADER.substr(0, 47))).toBe(ParseError.Short);
  });
  it('Short wins over a bad version', () => {
    expect(packet.checkEnvelope('\x03' + HEADER.substr(1, 46))).toBe(ParseError.Short);
  });

  it('48 bytes plain → None', () => {
    expect(packet.checkEnvelope(HEADER)).toBe(ParseError.None);
  });
  it('exactly 528 bytes → None', () => {
    expect(packet.checkEnvelope(HEADER + filler(480))).toBe(ParseError.None);
  });
  it('529 and 532 bytes → Oversized (before the alignment and version checks)', () => {
    expect(packet.checkEnvelope(HEADER + filler(481))).toBe(ParseError.Oversized);
    expect(packet.checkEnvelope(HEADER + filler(484))).toBe(ParseError.Oversized);
    expect(packet.checkEnvelope(withFirstByte(0, 0, 3) + filler(484))).toBe(ParseError.Oversized);
    expect(packet.checkEnvelope(HEADER + filler(65507 - 48))).toBe(ParseError.Oversized);
  });

  it.each([0, 5, 6, 7])('version %d → Version', (vn) => {
    for (let mode = 0; mode < 8; mode++) {
      expect(packet.checkEnvelope(withFirstByte(0, vn, mode))).toBe(ParseError.Version);
      expect(packet.checkEnvelope(withFirstByte(3, vn, mode) + MD5_MAC)).toBe(ParseError.Version);
    }
  });
  it.each([1, 2, 3, 4])('version %d → None', (vn) => {
    for (let li = 0; li < 4; li++) {
      expect(packet.checkEnvelope(withFirstByte(li, vn, 3))).toBe(ParseError.None);
    }
  });

  it.each([49, 50, 51, 53, 67, 527])('%d bytes (not a multiple of 4) → Format', (length) => {
    expect(packet.checkEnvelope(HEADER + filler(length - 48))).toBe(ParseError.Format);
  });
  it('a bad version is reported before bad alignment', () => {
    expect(packet.checkEnvelope(withFirstByte(0, 7, 3) + 'x')).toBe(ParseError.Version);
  });
  it('52, 68, 72 bytes → None', () => {
    expect(packet.checkEnvelope(HEADER + CRYPTO_NAK)).toBe(ParseError.None);
    expect(packet.checkEnvelope(HEADER + MD5_MAC)).toBe(ParseError.None);
    expect(packet.checkEnvelope(HEADER + SHA1_MAC)).toBe(ParseError.None);
  });
});

describe('parseTrailer: valid datagrams', () => {
  it('48 bytes plain: no extensions, no MAC', () => {
    expect(packet.parseTrailer(HEADER)).toEqual({ extensions: [], macOffset: -1, macKeyId: 0, macDigestLength: 0 });
  });

  it('crypto-NAK (key id 0, no digest)', () => {
    expect(packet.parseTrailer(HEADER + CRYPTO_NAK)).toEqual({
      extensions: [], macOffset: 48, macKeyId: 0, macDigestLength: 0,
    });
  });
  it('a 4-byte trailer with a non-zero key id is still read as key id only', () => {
    const t = packet.parseTrailer(HEADER + fromHex('0000002a'));
    expect(t).toEqual({ extensions: [], macOffset: 48, macKeyId: 42, macDigestLength: 0 });
  });

  it('MD5 MAC (20 bytes): key id 1, 16-byte digest', () => {
    expect(packet.parseTrailer(HEADER + MD5_MAC)).toEqual({
      extensions: [], macOffset: 48, macKeyId: 1, macDigestLength: 16,
    });
  });
  it('SHA1 MAC (24 bytes): key id 0xdeadbeef read unsigned, 20-byte digest', () => {
    expect(packet.parseTrailer(HEADER + SHA1_MAC)).toEqual({
      extensions: [], macOffset: 48, macKeyId: 0xdeadbeef, macDigestLength: 20,
    });
  });
  it('SHA-256 MAC (36 bytes): key id 1, 32-byte digest', () => {
    expect(packet.parseTrailer(HEADER + SHA256_MAC)).toEqual({
      extensions: [], macOffset: 48, macKeyId: 1, macDigestLength: 32,
    });
  });
  it('SHA-512 MAC (68 bytes): key id 7, 64-byte digest', () => {
    expect(packet.parseTrailer(HEADER + SHA512_MAC)).toEqual({
      extensions: [], macOffset: 48, macKeyId: 7, macDigestLength: 64,
    });
  });
  it('long MACs with typical key ids (1..15, 65535, 0xffffffff) are MACs, never extension fields', () => {
    const keyIds = [1, 2, 3, 10, 15, 65535, 0x00010001, 0xffffffff];
    for (const digest of [28, 32, 48, 64]) {
      for (const keyId of keyIds) {
        const mac = String.fromCharCode(keyId >>> 24, (keyId >>> 16) & 255, (keyId >>> 8) & 255, keyId & 255) +
          filler(digest, 0x11);
        expect(packet.parseTrailer(HEADER + mac)).toEqual({
          extensions: [], macOffset: 48, macKeyId: keyId, macDigestLength: digest,
        });
      }
    }
  });

  it('one 28-byte extension field, no MAC', () => {
    expect(packet.parseTrailer(HEADER + EF28)).toEqual({
      extensions: [{ type: 0x0002, offset: 52, length: 24 }], macOffset: -1, macKeyId: 0, macDigestLength: 0,
    });
  });
  it('one 32- and one 100-byte extension field, no MAC', () => {
    expect(packet.parseTrailer(HEADER + ef(0x0104, 32))).toEqual({
      extensions: [{ type: 0x0104, offset: 52, length: 28 }], macOffset: -1, macKeyId: 0, macDigestLength: 0,
    });
    expect(packet.parseTrailer(HEADER + ef(0x8123, 100))).toEqual({
      extensions: [{ type: 0x8123, offset: 52, length: 96 }], macOffset: -1, macKeyId: 0, macDigestLength: 0,
    });
  });
  it('an extension field filling the datagram to 528 bytes', () => {
    expect(packet.parseTrailer(HEADER + ef(0x0204, 480))).toEqual({
      extensions: [{ type: 0x0204, offset: 52, length: 476 }], macOffset: -1, macKeyId: 0, macDigestLength: 0,
    });
  });

  it('16-byte extension field + MD5 MAC', () => {
    expect(packet.parseTrailer(HEADER + EF16 + MD5_MAC)).toEqual({
      extensions: [{ type: 0x0003, offset: 52, length: 12 }], macOffset: 64, macKeyId: 1, macDigestLength: 16,
    });
  });
  it('28-byte extension field + SHA1 MAC', () => {
    expect(packet.parseTrailer(HEADER + EF28 + SHA1_MAC)).toEqual({
      extensions: [{ type: 0x0002, offset: 52, length: 24 }], macOffset: 76, macKeyId: 0xdeadbeef, macDigestLength: 20,
    });
  });
  it('28-byte extension field + crypto-NAK', () => {
    expect(packet.parseTrailer(HEADER + EF28 + CRYPTO_NAK)).toEqual({
      extensions: [{ type: 0x0002, offset: 52, length: 24 }], macOffset: 76, macKeyId: 0, macDigestLength: 0,
    });
  });
  it('28-byte extension field + SHA-256 MAC', () => {
    expect(packet.parseTrailer(HEADER + EF28 + SHA256_MAC)).toEqual({
      extensions: [{ type: 0x0002, offset: 52, length: 24 }], macOffset: 76, macKeyId: 1, macDigestLength: 32,
    });
  });
  it('100-byte extension field + SHA-512 MAC', () => {
    expect(packet.parseTrailer(HEADER + ef(0x0009, 100) + SHA512_MAC)).toEqual({
      extensions: [{ type: 0x0009, offset: 52, length: 96 }], macOffset: 148, macKeyId: 7, macDigestLength: 64,
    });
  });

  it('two extension fields, no MAC (16 + 28)', () => {
    expect(packet.parseTrailer(HEADER + EF16 + EF28)).toEqual({
      extensions: [
        { type: 0x0003, offset: 52, length: 12 },
        { type: 0x0002, offset: 68, length: 24 },
      ],
      macOffset: -1, macKeyId: 0, macDigestLength: 0,
    });
  });
  it('two extension fields, no MAC (28 + 28)', () => {
    const t = packet.parseTrailer(HEADER + EF28 + ef(0x0005, 28));
    expect(t?.extensions).toEqual([
      { type: 0x0002, offset: 52, length: 24 },
      { type: 0x0005, offset: 80, length: 24 },
    ]);
    expect(t?.macOffset).toBe(-1);
  });
  it('two extension fields + MD5 MAC (16 + 16 + 20)', () => {
    expect(packet.parseTrailer(HEADER + EF16 + ef(0x0007, 16) + MD5_MAC)).toEqual({
      extensions: [
        { type: 0x0003, offset: 52, length: 12 },
        { type: 0x0007, offset: 68, length: 12 },
      ],
      macOffset: 80, macKeyId: 1, macDigestLength: 16,
    });
  });
  it('an NTS request (RFC 8915: unique id + cookie + authenticator)', () => {
    const datagram = HEADER + NTS_UID + NTS_COOKIE + NTS_AUTH;
    expect(datagram.length).toBe(228);
    expect(packet.checkEnvelope(datagram)).toBe(ParseError.None);
    expect(packet.parseTrailer(datagram)).toEqual({
      extensions: [
        { type: 0x0104, offset: 52, length: 32 },
        { type: 0x0204, offset: 88, length: 100 },
        { type: 0x0404, offset: 192, length: 36 },
      ],
      macOffset: -1, macKeyId: 0, macDigestLength: 0,
    });
  });
  it('extension offsets point at the field values', () => {
    const datagram = HEADER + NTS_UID + NTS_COOKIE + NTS_AUTH;
    const t = packet.parseTrailer(datagram)!;
    expect(datagram.substr(t.extensions[0].offset, t.extensions[0].length)).toBe(NTS_UID.substr(4));
    expect(datagram.substr(t.extensions[1].offset, t.extensions[1].length)).toBe(NTS_COOKIE.substr(4));
    expect(datagram.substr(t.extensions[2].offset, t.extensions[2].length)).toBe(NTS_AUTH.substr(4));
  });
  it('a MAC offset points at the key id', () => {
    const datagram = HEADER + EF28 + SHA1_MAC;
    const t = packet.parseTrailer(datagram)!;
    expect(datagram.substr(t.macOffset)).toBe(SHA1_MAC);
    expect(t.macOffset + 4 + t.macDigestLength).toBe(datagram.length);
  });
});

describe('parseTrailer: malformed → null', () => {
  it.each([1, 2, 3, 5, 8, 12, 16])('%d stray bytes after the header (not a MAC length)', (n) => {
    expect(packet.parseTrailer(HEADER + filler(n))).toBeNull();
  });
  it('a lone 16-byte extension field (too short to stand without a MAC)', () => {
    expect(packet.parseTrailer(HEADER + EF16)).toBeNull();
  });
  it.each([0, 4, 8, 12])('extension field with length %d < 16 (in a trailer longer than any MAC)', (len) => {
    // 100 bytes: longer than the longest MAC (68), so it can only be extension fields.
    expect(packet.parseTrailer(HEADER + ef(0x0002, len, 96))).toBeNull();
  });
  it.each([17, 18, 30, 98, 99])('extension field length %d not a multiple of 4', (len) => {
    expect(packet.parseTrailer(HEADER + ef(0x0002, len, 96))).toBeNull();
  });
  it.each([104, 200, 0xfffc])('extension field length %d overrunning a 100-byte trailer', (len) => {
    expect(packet.parseTrailer(HEADER + ef(0x0002, len, 96))).toBeNull();
  });
  it('a good extension field followed by one overrunning the datagram', () => {
    expect(packet.parseTrailer(HEADER + EF28 + ef(0x0003, 80, 68))).toBeNull();
  });
  it('a good extension field followed by one with length < 16', () => {
    expect(packet.parseTrailer(HEADER + EF28 + ef(0x0003, 8, 68))).toBeNull();
  });
  it('a good extension field followed by 8 stray bytes (longer field, so no MAC reading)', () => {
    expect(packet.parseTrailer(HEADER + ef(0x0002, 100) + filler(8))).toBeNull();
  });
  it('a good extension field followed by a lone 16-byte one', () => {
    expect(packet.parseTrailer(HEADER + ef(0x0002, 100) + EF16)).toBeNull();
  });
  it('a 72-byte "MAC" (digest longer than SHA-512) with a small key id', () => {
    expect(packet.parseTrailer(HEADER + fromHex('00000001') + filler(68))).toBeNull();
  });
  it('a trailer that is not 4-aligned (checkEnvelope would have said Format)', () => {
    expect(packet.parseTrailer(HEADER + EF28 + 'xy')).toBeNull();
  });
  it('never loops forever on a zero-length field', () => {
    expect(packet.parseTrailer(HEADER + fromHex('00000000') + filler(476))).toBeNull();
  });
});

/**
 * RFC 7822 section 7.5 leaves MAC vs extension field to a length heuristic.
 * These pin down the choices the parser makes where the bytes are ambiguous.
 */
describe('parseTrailer: documented ambiguities', () => {
  it('a 20- or 24-byte remainder is always a MAC, even if it looks like an extension field', () => {
    expect(packet.parseTrailer(HEADER + ef(0x0002, 20))).toEqual({
      extensions: [], macOffset: 48, macKeyId: 0x00020014, macDigestLength: 16,
    });
    expect(packet.parseTrailer(HEADER + ef(0x0002, 24))).toEqual({
      extensions: [], macOffset: 48, macKeyId: 0x00020018, macDigestLength: 20,
    });
  });
  it('a MAC-length remainder (28..68) that is not a well-formed extension field is a MAC', () => {
    // Length 12 < 16: cannot be an extension field, so 28 bytes = key id + 24-byte digest.
    expect(packet.parseTrailer(HEADER + ef(0x0002, 12, 24))).toEqual({
      extensions: [], macOffset: 48, macKeyId: 0x0002000c, macDigestLength: 24,
    });
    // A 28-byte field + 8 stray bytes = 36: read as a 36-byte MAC.
    expect(packet.parseTrailer(HEADER + EF28 + filler(8))?.macDigestLength).toBe(32);
  });
  it('a long MAC whose key id low 16 bits equal the remainder is read as an extension field', () => {
    // Key id 36 with a SHA-256 digest: bytes 00 00 00 24 = type 0, length 36 — a valid field.
    const t = packet.parseTrailer(HEADER + fromHex('00000024') + filler(32));
    expect(t).toEqual({ extensions: [{ type: 0, offset: 52, length: 32 }], macOffset: -1, macKeyId: 0, macDigestLength: 0 });
  });
});

/**
 * Issue 16: before NTPv4 there are no extension fields; everything after the
 * header is the MAC. chronyd 4.3 sends SHA256-keyed requests as NTPv3 with the
 * whole 32-byte digest, so key ids whose low 16 bits look like a field length
 * (16, 32, 36, …) must still be read as MACs. The first vector is the request
 * quoted in the issue (key 36 = "HEX:" + 32 × "24"); its digest is
 * SHA256(32 × 0x24 ‖ first 48 bytes), checked with Python's hashlib.
 */
describe('parseTrailer: NTPv3 trailers are MACs only', () => {
  const ISSUE_REQUEST = fromHex(
    '1b000600000000000000000000000000000000000000000000000000000000000000000000000000965f640a062fe209' +
      '00000024a57e2d5147f49f18d1b03d6a8fca43df2eeaee73f07f8896e4f3910da0903376',
  );
  const V3 = withFirstByte(0, 3, 3);
  const V4 = withFirstByte(0, 4, 3);
  const keyIdBytes = (keyId: number) =>
    String.fromCharCode(keyId >>> 24, (keyId >>> 16) & 255, (keyId >>> 8) & 255, keyId & 255);

  it("the issue's chronyd request: NTPv3, key 36, a 32-byte SHA256 digest", () => {
    expect(ISSUE_REQUEST.length).toBe(84);
    expect(packet.checkEnvelope(ISSUE_REQUEST)).toBe(ParseError.None);
    expect(packet.parseTrailer(ISSUE_REQUEST)).toEqual({ extensions: [], macOffset: 48, macKeyId: 36, macDigestLength: 32 });
  });

  // Every legal NTPv3 shape, with key ids that read as extension-field lengths and ones that do not.
  const V3_DIGESTS: [string, number][] = [['MD5', 16], ['SHA1', 20], ['SHA256 cut to 20', 20], ['SHA256', 32], ['SHA512', 64]];
  for (const [name, digestLength] of V3_DIGESTS) {
    it.each([1, 16, 20, 24, 28, 32, 36, 40, 52, 68, 0x00010024, 0xffffffff])(`NTPv3 ${name} (${digestLength}-byte digest), key id %d`, (keyId) => {
      expect(packet.parseTrailer(V3 + keyIdBytes(keyId) + filler(digestLength, 0x5a))).toEqual({
        extensions: [], macOffset: 48, macKeyId: keyId, macDigestLength: digestLength,
      });
    });
  }
  it('NTPv3 crypto-NAK (key id only)', () => {
    expect(packet.parseTrailer(V3 + CRYPTO_NAK)).toEqual({ extensions: [], macOffset: 48, macKeyId: 0, macDigestLength: 0 });
  });
  it('NTPv1 and NTPv2 are read the same way (no extension fields either)', () => {
    for (const version of [1, 2]) {
      expect(packet.parseTrailer(withFirstByte(0, version, 3) + keyIdBytes(32) + filler(32, 1))?.macKeyId).toBe(32);
    }
  });
  it('NTPv3: what would be extension fields in NTPv4 is refused, not parsed', () => {
    // 180 bytes: no MAC is that long, and NTPv3 has no extension fields.
    expect(packet.parseTrailer(V3 + NTS_UID + NTS_COOKIE + NTS_AUTH)).toBeNull();
    expect(packet.parseTrailer(V3 + ef(0x0002, 100))).toBeNull();
    expect(packet.parseTrailer(V3 + filler(12))).toBeNull();
  });

  // NTPv4: digests are cut to 20 bytes (RFC 7822 section 7.5.1.3), so MACs are 4, 20 or 24 bytes;
  // whole long digests stay readable where they cannot be an extension field.
  it.each([16, 20, 24, 32, 36])('NTPv4 MD5 / SHA1 / cut SHA256 MACs with key id %d', (keyId) => {
    for (const digestLength of [16, 20]) {
      expect(packet.parseTrailer(V4 + keyIdBytes(keyId) + filler(digestLength, 0x33))).toEqual({
        extensions: [], macOffset: 48, macKeyId: keyId, macDigestLength: digestLength,
      });
    }
  });
  it('NTPv4: extension fields followed by each MAC shape', () => {
    for (const digestLength of [0, 16, 20]) {
      const t = packet.parseTrailer(V4 + EF28 + NTS_UID + keyIdBytes(16) + filler(digestLength, 0x44));
      expect(t).toEqual({
        extensions: [{ type: 0x0002, offset: 52, length: 24 }, { type: 0x0104, offset: 80, length: 32 }],
        macOffset: 112, macKeyId: 16, macDigestLength: digestLength,
      });
    }
  });
  it('the same 36-byte trailer is a field in NTPv4 and a MAC in NTPv3', () => {
    const trailer = keyIdBytes(36) + filler(32, 0x24);
    expect(packet.parseTrailer(V4 + trailer)?.extensions).toHaveLength(1);
    expect(packet.parseTrailer(V3 + trailer)?.macKeyId).toBe(36);
  });
});
