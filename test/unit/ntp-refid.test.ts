/**
 * Reference identifiers and kiss codes (src/ntp/refid.ts).
 * Expected constants made by hand / with Python 3.11:
 *   b'RATE'.hex() = 52415445, b'DENY'.hex() = 44454e59, b'RSTR'.hex() = 52535452,
 *   b'INIT'.hex() = 494e4954, b'STEP'.hex() = 53544550, b'CRYP'.hex() = 43525950,
 *   b'GPS\0'.hex() = 47505300, socket.inet_aton('203.0.113.7').hex() = cb007107.
 */
import { describe, expect, it } from 'vitest';
import * as refid from '../../src/ntp/refid';
import * as ipv4 from '../../src/net/ipv4';
import * as header from '../../src/ntp/header';
import { fromHex, prng } from './ntp-bytes';

describe('refid: kiss codes', () => {
  it.each([
    ['RATE', refid.KISS_RATE, 0x52415445],
    ['DENY', refid.KISS_DENY, 0x44454e59],
    ['RSTR', refid.KISS_RSTR, 0x52535452],
    ['INIT', refid.KISS_INIT, 0x494e4954],
    ['STEP', refid.KISS_STEP, 0x53544550],
    ['CRYP', refid.KISS_CRYP, 0x43525950],
  ])('%s: constant, fromAscii and toAscii agree', (name, constant, value) => {
    expect(constant).toBe(value);
    expect(refid.fromAscii(name)).toBe(value);
    expect(refid.toAscii(value)).toBe(name);
    expect(refid.toAscii(refid.fromAscii(name))).toBe(name);
  });

  it('the kiss code of a RATE kiss-o\'-death on the wire (bytes 12..15)', () => {
    const kod = fromHex('e40011ec000000000000000052415445' + '00'.repeat(32));
    const h = header.decode(kod, 0);
    expect(h.stratum).toBe(0);
    expect(h.referenceId).toBe(refid.KISS_RATE);
    expect(refid.toAscii(h.referenceId)).toBe('RATE');
  });

  it('other special constants', () => {
    expect(refid.LOCAL_REFERENCE_ID).toBe(0x7f7f0101);
    expect(refid.UNSYNCHRONISED_REFERENCE_ID).toBe(0);
  });
});

describe('refid: toAscii / fromAscii', () => {
  it('short names are NUL-padded on the wire and read back without the padding', () => {
    expect(refid.fromAscii('GPS')).toBe(0x47505300);
    expect(refid.fromAscii('PPS')).toBe(0x50505300);
    expect(refid.fromAscii('')).toBe(0);
    expect(refid.toAscii(0x47505300)).toBe('GPS');
    // Note: the doc comment says "space-padded", but toAscii returns the text
    // up to the first NUL, unpadded (as chronyc does). These pin that behaviour.
    expect(refid.toAscii(0)).toBe('');
  });
  it('stops at the first NUL even if printable bytes follow', () => {
    expect(refid.toAscii(0x41004243)).toBe('A');
  });
  it('non-printable bytes read as "?"', () => {
    expect(refid.toAscii(0x7f7f0101)).toBe('????');
    expect(refid.toAscii(0x41ff1f42)).toBe('A??B');
    expect(refid.toAscii(0x20414220)).toBe(' AB '); // space is printable
  });
  it('longer text is cut to four characters; char codes are taken mod 256', () => {
    expect(refid.fromAscii('GOOGLE')).toBe(refid.fromAscii('GOOG'));
    expect(refid.fromAscii('\u0141BCD')).toBe(0x41424344);
  });
  it('accepts a negative (int32) reference id', () => {
    expect(refid.toAscii(0xcb007107 | 0)).toBe(refid.toAscii(0xcb007107));
  });
  it('fromAscii always returns a uint32', () => {
    expect(refid.fromAscii('\xff\xff\xff\xff')).toBe(0xffffffff);
  });
});

describe('refid: toHex (chronyc style)', () => {
  it.each([
    [0, '00000000'],
    [1, '00000001'],
    [0xabc, '00000ABC'],
    [0x0fffffff, '0FFFFFFF'],
    [0x7f7f0101, '7F7F0101'],
    [0xcb007107, 'CB007107'],
    [0xffffffff, 'FFFFFFFF'],
    [-1, 'FFFFFFFF'], // int32 from a bitwise op
    [0xcb007107 | 0, 'CB007107'],
    [refid.KISS_RATE, '52415445'],
  ])('toHex(%d) = %s', (value, hex) => {
    expect(refid.toHex(value)).toBe(hex);
  });
});

describe('refid: toDottedQuad', () => {
  it.each([
    [0, '0.0.0.0'],
    [0xffffffff, '255.255.255.255'],
    [0xcb007107, '203.0.113.7'],
    [0xcb007107 | 0, '203.0.113.7'],
    [refid.LOCAL_REFERENCE_ID, '127.127.1.1'],
    [0x01020304, '1.2.3.4'],
    [0x0a000001, '10.0.0.1'],
  ])('toDottedQuad(%d) = %s', (value, text) => {
    expect(ipv4.toDottedQuad(value)).toBe(text);
  });
});

describe('refid: parseIpv4', () => {
  it.each([
    ['0.0.0.0', 0],
    ['255.255.255.255', 0xffffffff],
    ['203.0.113.7', 0xcb007107],
    ['127.127.1.1', 0x7f7f0101],
    ['192.168.1.1', 0xc0a80101],
    ['1.2.3.4', 0x01020304],
  ])('%s → %d', (text, value) => {
    expect(ipv4.parseIpv4(text)).toBe(value);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.',
    '.1.2.3',
    '1..2.3',
    '...',
    '256.0.0.1',
    '1.2.3.256',
    '999.0.0.1',
    'a.b.c.d',
    '1.2.3.x',
    '1234.0.0.1',
    '0001.2.3.4',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '1.2.3.4\n',
    '+1.2.3.4',
    '-1.2.3.4',
    '1.2.3.0x4',
    '1e2.0.0.1',
    '1,2,3,4',
    '\u0661.2.3.4', // Arabic-Indic digit one
    '16909060', // the integer form inet_aton would accept
    '1.2.3.4/24',
  ])('%j → -1', (text) => {
    expect(ipv4.parseIpv4(text)).toBe(-1);
  });

  // Leading zeros are refused, as glibc inet_pton and Node's net.isIPv4 do:
  // "010.0.0.1" is 8.0.0.1 to inet_aton and 10.0.0.1 to others, so neither guess is safe.
  it('refuses leading zeros: "01.2.3.4", "010.0.0.1"', () => {
    expect(ipv4.parseIpv4('01.2.3.4')).toBe(-1);
    expect(ipv4.parseIpv4('010.0.0.1')).toBe(-1);
    expect(ipv4.parseIpv4('001.002.003.004')).toBe(-1);
    expect(ipv4.parseIpv4('0.0.0.0')).toBe(0);
  });

  it('parseIpv4(toDottedQuad(x)) === x for random uint32 x', () => {
    const rnd = prng(21);
    for (let i = 0; i < 2000; i++) {
      const x = Math.floor(rnd() * 4294967296);
      expect(ipv4.parseIpv4(ipv4.toDottedQuad(x))).toBe(x);
    }
  });

  it('returns a uint32 (never negative) for every valid address', () => {
    expect(ipv4.parseIpv4('128.0.0.0')).toBe(0x80000000);
    expect(ipv4.parseIpv4('255.255.255.254')).toBe(4294967294);
  });
});
