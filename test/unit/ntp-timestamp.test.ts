/**
 * 64-bit NTP timestamps (src/ntp/timestamp.ts).
 *
 * Known pairs were computed independently with Python 3.11:
 *   u = calendar.timegm(datetime.strptime(s, '%Y-%m-%dT%H:%M:%S').timetuple())
 *   ntp = (u + 2208988800) % 2**32;  struct.pack('!I', ntp).hex()
 *   1970-01-01T00:00:00  u=0           ntp=2208988800  83aa7e80
 *   2000-01-01T00:00:00  u=946684800   ntp=3155673600  bc17c200
 *   2036-02-07T06:28:15  u=2085978495  ntp=4294967295  ffffffff
 *   2036-02-07T06:28:16  u=2085978496  ntp=0           00000000   (era 1 begins)
 *   2036-02-07T06:28:21  u=2085978501  ntp=5           00000005
 *   2040-01-01T00:00:00  u=2208988800  ntp=123010304   0754fd00
 *   2100-01-01T00:00:00  u=4102444800  ntp=2016466304  7830d580
 *   2110-01-01T00:00:00  u=4417977600  ntp=2331999104  8aff7b80
 *   1900-01-01T00:00:00  u=-2208988800 ntp=0           00000000
 *   fraction of 0.1: struct.pack('!I', int(Fraction(0.1) * 2**32)).hex() = 19999999
 */
import { describe, expect, it } from 'vitest';
import * as ts from '../../src/ntp/timestamp';
import { fromHex, toHex, prng } from './ntp-bytes';

const ERA_WRAP_UNIX = 2085978496; // 2036-02-07T06:28:16Z, NTP seconds 2^32 ≡ 0
const Y2000 = 946684800;
const Y2024 = 1714564800; // 2024-05-01T12:00:00Z
const Y2040 = 2208988800;
const Y2100 = 4102444800;
const Y2110 = 4417977600;

/**
 * Independent reference for the wire bytes of a Unix time: decomposes the
 * double exactly (sign, exponent, mantissa) and works in BigInt, so it shares
 * no arithmetic with the code under test. Truncates toward −∞ (floor): the
 * timestamp is the largest 2^-32 s tick not after the instant.
 */
function referenceWire(unix: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, unix);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const negative = hi >>> 31 === 1;
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased !== 0) mantissa |= 1n << 52n;
  const shift = (biased === 0 ? 1 : biased) - 1075 + 32; // value·2^32 = mantissa·2^shift
  let ticks: bigint;
  if (shift >= 0) ticks = mantissa << BigInt(shift);
  else {
    const q = mantissa >> BigInt(-shift);
    const exact = q << BigInt(-shift) === mantissa;
    ticks = negative ? (exact ? q : q + 1n) : q; // floor of a negative = −ceil(|x|)
  }
  if (negative) ticks = -ticks;
  const mod = 1n << 64n;
  const wire = (((ticks + (2208988800n << 32n)) % mod) + mod) % mod;
  return wire.toString(16).padStart(16, '0');
}

describe('timestamp: constants', () => {
  it('NTP_UNIX_OFFSET is 70 years incl. 17 leap days', () => {
    expect(ts.NTP_UNIX_OFFSET).toBe(2208988800);
    expect(ts.NTP_UNIX_OFFSET).toBe((70 * 365 + 17) * 86400);
  });
  it('TWO_POW_32 is exactly 2^32', () => {
    expect(ts.TWO_POW_32).toBe(4294967296);
  });
});

describe('timestamp: fromUnix known pairs', () => {
  it.each([
    [0, 2208988800, 0],
    [Y2000, 3155673600, 0],
    [ERA_WRAP_UNIX - 1, 4294967295, 0],
    [ERA_WRAP_UNIX, 0, 0],
    [ERA_WRAP_UNIX + 1, 1, 0],
    [ERA_WRAP_UNIX + 5, 5, 0],
    [Y2040, 123010304, 0],
    [Y2100, 2016466304, 0],
    [-2208988800, 0, 0], // 1900-01-01, start of era 0
    [-1, 2208988799, 0],
  ])('fromUnix(%d) = {%d, %d}', (unix, seconds, fraction) => {
    expect(ts.fromUnix(unix)).toEqual({ seconds, fraction });
  });

  it('just before and after the 2036 rollover, with fractions', () => {
    expect(ts.fromUnix(ERA_WRAP_UNIX - 0.5)).toEqual({ seconds: 4294967295, fraction: 0x80000000 });
    expect(ts.fromUnix(ERA_WRAP_UNIX - Math.pow(2, -20))).toEqual({ seconds: 4294967295, fraction: 0xfffff000 });
    expect(ts.fromUnix(ERA_WRAP_UNIX + 0.25)).toEqual({ seconds: 0, fraction: 0x40000000 });
  });

  it('fractions are exact powers of two', () => {
    expect(ts.fromUnix(0.5).fraction).toBe(0x80000000);
    expect(ts.fromUnix(0.25).fraction).toBe(0x40000000);
    expect(ts.fromUnix(0.75).fraction).toBe(0xc0000000);
    expect(ts.fromUnix(0.125).fraction).toBe(0x20000000);
    expect(ts.fromUnix(Math.pow(2, -32)).fraction).toBe(1);
    expect(ts.fromUnix(1 - Math.pow(2, -32))).toEqual({ seconds: 2208988800, fraction: 0xffffffff });
    expect(ts.fromUnix(Y2024 + 0.5)).toEqual({ seconds: 3923553600, fraction: 0x80000000 });
    // At 2024 a double's ulp is 2^-22 s = 1024 NTP fraction units.
    expect(ts.fromUnix(Y2024 + Math.pow(2, -22)).fraction).toBe(1024);
  });

  it('truncates (never rounds up) a fraction that is not a whole tick: 0.1 → 0x19999999', () => {
    expect(ts.fromUnix(0.1).fraction).toBe(0x19999999);
    expect(ts.fromUnix(0.1).fraction).toBe(parseInt(referenceWire(0.1).slice(8), 16));
  });

  it('negative Unix times (before 1970) borrow from the seconds', () => {
    expect(ts.fromUnix(-0.25)).toEqual({ seconds: 2208988799, fraction: 0xc0000000 });
  });

  it('fraction is always an integer in [0, 2^32) and seconds in [0, 2^32) for 1900..2100', () => {
    const rnd = prng(1);
    for (let i = 0; i < 2000; i++) {
      const unix = -2208988800 + rnd() * (Y2100 + 2208988800);
      const t = ts.fromUnix(unix);
      expect(Number.isInteger(t.fraction)).toBe(true);
      expect(t.fraction).toBeGreaterThanOrEqual(0);
      expect(t.fraction).toBeLessThan(4294967296);
      expect(Number.isInteger(t.seconds)).toBe(true);
      expect(t.seconds).toBeGreaterThanOrEqual(0);
      expect(t.seconds).toBeLessThan(4294967296);
    }
  });
});

describe('timestamp: toUnix era selection (±68 years of the pivot)', () => {
  it('Unix 0 and 2000-01-01 read back with a present-day pivot', () => {
    expect(ts.toUnix({ seconds: 2208988800, fraction: 0 }, Y2024)).toBe(0);
    expect(ts.toUnix({ seconds: 3155673600, fraction: 0 }, Y2024)).toBe(Y2000);
    expect(ts.toUnix({ seconds: 3923553600, fraction: 0x80000000 }, Y2024)).toBe(Y2024 + 0.5);
  });

  it('seconds=5 read with a pivot at/after the 2036 rollover means 2036-02-07T06:28:21', () => {
    const t = { seconds: 5, fraction: 0 };
    expect(ts.toUnix(t, ERA_WRAP_UNIX)).toBe(ERA_WRAP_UNIX + 5);
    expect(ts.toUnix(t, ERA_WRAP_UNIX + 10)).toBe(ERA_WRAP_UNIX + 5);
    expect(ts.toUnix(t, Y2040)).toBe(ERA_WRAP_UNIX + 5);
    expect(ts.toUnix(t, Y2100)).toBe(ERA_WRAP_UNIX + 5);
  });

  it('seconds=5 read with a pivot in 1970..2035 also means 2036 (2036 is < 68 years ahead; 1900 is > 68 years back)', () => {
    const t = { seconds: 5, fraction: 0 };
    expect(ts.toUnix(t, 0)).toBe(ERA_WRAP_UNIX + 5);
    expect(ts.toUnix(t, Y2000)).toBe(ERA_WRAP_UNIX + 5);
    expect(ts.toUnix(t, Y2024)).toBe(ERA_WRAP_UNIX + 5);
    expect(ts.toUnix(t, ERA_WRAP_UNIX - 1)).toBe(ERA_WRAP_UNIX + 5);
  });

  it('seconds=5 means 1900 only for a pivot before 1968-01-20T03:14:13; the exact 2^31 tie stays in the pivot era', () => {
    const t = { seconds: 5, fraction: 0 };
    // pivot + 2208988800 = 2^31 + 5 → equidistant (2^31 s) from 1900+5 s and 2036+5 s.
    const tie = 2147483648 + 5 - 2208988800; // -61505147
    expect(ts.toUnix(t, tie)).toBe(5 - 2208988800);
    expect(ts.toUnix(t, tie + 1)).toBe(ERA_WRAP_UNIX + 5);
    expect(ts.toUnix(t, -2208988800)).toBe(5 - 2208988800);
    expect(ts.toUnix(t, -1e9)).toBe(5 - 2208988800); // 1938
  });

  it('the tie on the other side also stays in the pivot era', () => {
    // seconds 2^31 (1968-01-20T03:14:08) read with a pivot of 1900-01-01: exactly 2^31 s ahead.
    const t = { seconds: 2147483648, fraction: 0 };
    expect(ts.toUnix(t, -2208988800)).toBe(2147483648 - 2208988800);
    expect(ts.toUnix(t, -2208988800 - 1)).toBe(2147483648 - 2208988800 - 4294967296);
  });

  it('seconds=0xffffffff (2036-02-07T06:28:15) read with pivots on both sides of the rollover', () => {
    const t = { seconds: 4294967295, fraction: 0x80000000 };
    expect(ts.toUnix(t, Y2024)).toBe(ERA_WRAP_UNIX - 0.5);
    expect(ts.toUnix(t, ERA_WRAP_UNIX)).toBe(ERA_WRAP_UNIX - 0.5);
    expect(ts.toUnix(t, Y2040)).toBe(ERA_WRAP_UNIX - 0.5);
    expect(ts.toUnix(t, Y2100)).toBe(ERA_WRAP_UNIX - 0.5);
    // From 2110 the window is 2042..2178, so the same bits mean era 1's end (2172).
    expect(ts.toUnix(t, Y2110)).toBe(ERA_WRAP_UNIX - 0.5 + 4294967296);
  });

  it('2040 is within 68 years of a 2024 pivot (era 1); 2100 is not (era 0, 1963)', () => {
    expect(ts.toUnix({ seconds: 123010304, fraction: 0 }, Y2024)).toBe(Y2040);
    // 2100 is 76 years after 2024: outside the window, so the era-0 reading (1963) wins.
    expect(ts.toUnix({ seconds: 2016466304, fraction: 0 }, Y2024)).toBe(Y2100 - 4294967296);
    expect(ts.toUnix({ seconds: 2016466304, fraction: 0 }, Y2040)).toBe(Y2100);
  });

  it('round-trips fromUnix for random times and any pivot within ±(2^31 − 1) s', () => {
    const rnd = prng(2);
    for (let i = 0; i < 5000; i++) {
      // 1900..2200, quantised to 2^-20 s so the double is exact in every era used here.
      const whole = Math.floor(-2208988800 + rnd() * 9.5e9);
      const unix = whole + Math.floor(rnd() * 1048576) / 1048576;
      const pivot = unix + Math.floor((rnd() * 2 - 1) * 2147483647);
      expect(ts.toUnix(ts.fromUnix(unix), pivot)).toBe(unix);
    }
  });

  it('a fractional pivot works', () => {
    expect(ts.toUnix({ seconds: 5, fraction: 0x40000000 }, ERA_WRAP_UNIX + 0.9)).toBe(ERA_WRAP_UNIX + 5.25);
  });
});

describe('timestamp: difference', () => {
  it('within an era, with a fraction borrow', () => {
    expect(ts.difference({ seconds: 10, fraction: 0x80000000 }, { seconds: 5, fraction: 0xc0000000 })).toBe(4.75);
    expect(ts.difference({ seconds: 1, fraction: 0 }, { seconds: 0, fraction: 0xffffffff })).toBe(Math.pow(2, -32));
    expect(ts.difference({ seconds: 7, fraction: 9 }, { seconds: 7, fraction: 9 })).toBe(0);
  });

  it('across the 2036 era wrap, both directions', () => {
    const after = { seconds: 0, fraction: 0 }; // 2036-02-07T06:28:16
    const before = { seconds: 4294967295, fraction: 0x80000000 }; // half a second earlier
    expect(ts.difference(after, before)).toBe(0.5);
    expect(ts.difference(before, after)).toBe(-0.5);
    expect(ts.difference({ seconds: 100, fraction: 0 }, { seconds: 4294967196, fraction: 0 })).toBe(200);
    expect(ts.difference({ seconds: 4294967196, fraction: 0 }, { seconds: 100, fraction: 0 })).toBe(-200);
  });

  it('at the ±2^31 s limit', () => {
    expect(ts.difference({ seconds: 2147483648, fraction: 0 }, { seconds: 0, fraction: 0 })).toBe(2147483648);
    expect(ts.difference({ seconds: 2147483649, fraction: 0 }, { seconds: 0, fraction: 0 })).toBe(-2147483647);
    expect(ts.difference({ seconds: 0, fraction: 0 }, { seconds: 2147483648, fraction: 0 })).toBe(-2147483648);
    expect(ts.difference({ seconds: 0, fraction: 0 }, { seconds: 2147483649, fraction: 0 })).toBe(2147483647);
  });

  it('matches the Unix difference for nearby random times straddling 2036', () => {
    const rnd = prng(3);
    for (let i = 0; i < 2000; i++) {
      const a = ERA_WRAP_UNIX + Math.floor((rnd() * 2 - 1) * 1e6 * 1048576) / 1048576;
      const b = a + Math.floor((rnd() * 2 - 1) * 1e4 * 1048576) / 1048576;
      expect(ts.difference(ts.fromUnix(a), ts.fromUnix(b))).toBe(a - b);
    }
  });
});

describe('timestamp: isZero / equal', () => {
  it('isZero only for 0.0', () => {
    expect(ts.isZero({ seconds: 0, fraction: 0 })).toBe(true);
    expect(ts.isZero({ seconds: 0, fraction: 1 })).toBe(false);
    expect(ts.isZero({ seconds: 1, fraction: 0 })).toBe(false);
    expect(ts.isZero(ts.fromUnix(ERA_WRAP_UNIX))).toBe(true); // the rollover instant encodes as zero
  });
  it('equal compares both halves', () => {
    expect(ts.equal({ seconds: 1, fraction: 2 }, { seconds: 1, fraction: 2 })).toBe(true);
    expect(ts.equal({ seconds: 1, fraction: 2 }, { seconds: 1, fraction: 3 })).toBe(false);
    expect(ts.equal({ seconds: 1, fraction: 2 }, { seconds: 2, fraction: 2 })).toBe(false);
  });
});

describe('timestamp: readUint32 / writeUint32 / readUint16', () => {
  it.each([
    [0, '00000000'],
    [1, '00000001'],
    [0x12345678, '12345678'],
    [0x7fffffff, '7fffffff'],
    [0x80000000, '80000000'],
    [0xdeadbeef, 'deadbeef'],
    [0xffffffff, 'ffffffff'],
  ])('%d ↔ %s', (value, hex) => {
    expect(toHex(ts.writeUint32(value))).toBe(hex);
    expect(ts.readUint32(fromHex(hex), 0)).toBe(value);
  });

  it('readUint32 is unsigned and honours the offset', () => {
    const bytes = fromHex('00 ff ff ff ff 01 02 03 04');
    expect(ts.readUint32(bytes, 1)).toBe(4294967295);
    expect(ts.readUint32(bytes, 5)).toBe(0x01020304);
  });

  it('writeUint32 reduces modulo 2^32 (so an era-1 seconds value ≥ 2^32 wraps) and writes only bytes 0-255', () => {
    expect(toHex(ts.writeUint32(4294967296 + 5))).toBe('00000005');
    expect(toHex(ts.writeUint32(-1))).toBe('ffffffff');
    expect(ts.writeUint32(0xffffffff).length).toBe(4);
  });

  it('readUint16', () => {
    const bytes = fromHex('ab cd ef 01');
    expect(ts.readUint16(bytes, 0)).toBe(0xabcd);
    expect(ts.readUint16(bytes, 2)).toBe(0xef01);
  });
});

describe('timestamp: encode / decode', () => {
  it('known bytes (struct.pack("!II", 0xe9dcad40, 0xdeadbeef))', () => {
    const bytes = fromHex('e9dcad40deadbeef');
    expect(ts.decode(bytes, 0)).toEqual({ seconds: 0xe9dcad40, fraction: 0xdeadbeef });
    expect(toHex(ts.encode({ seconds: 0xe9dcad40, fraction: 0xdeadbeef }))).toBe('e9dcad40deadbeef');
  });

  it('decode at an offset', () => {
    const bytes = fromHex('0102 ffffffff 00000001 99');
    expect(ts.decode(bytes, 2)).toEqual({ seconds: 0xffffffff, fraction: 1 });
  });

  it('encode(decode(x)) === x for random 8-byte strings', () => {
    const rnd = prng(4);
    for (let i = 0; i < 500; i++) {
      let s = '';
      for (let j = 0; j < 8; j++) s += String.fromCharCode(Math.floor(rnd() * 256));
      expect(ts.encode(ts.decode(s, 0))).toBe(s);
    }
  });
});

describe('timestamp: encodeUnix (reply hot path)', () => {
  it.each([
    [0, '83aa7e8000000000'],
    [Y2000, 'bc17c20000000000'],
    [ERA_WRAP_UNIX - 1, 'ffffffff00000000'],
    [ERA_WRAP_UNIX - 0.25, 'ffffffffc0000000'],
    [ERA_WRAP_UNIX, '0000000000000000'],
    [ERA_WRAP_UNIX + 5.5, '0000000580000000'],
    [Y2040, '0754fd0000000000'],
    [Y2100, '7830d58000000000'],
    [0.1, '83aa7e8019999999'],
    [-0.25, '83aa7e7fc0000000'],
  ])('encodeUnix(%d) = %s', (unix, hex) => {
    expect(toHex(ts.encodeUnix(unix))).toBe(hex);
    expect(referenceWire(unix)).toBe(hex); // the reference agrees with the hand-made constant
  });

  // Both paths truncate the exact fraction. For |t| ≥ 2^20 s (after 1970-01-13) a
  // double's ulp is ≥ 2^-32 s, so t·2^32 has no bits below the NTP tick and there
  // is no rounding at all: the bytes must be identical, not merely within one LSB.
  it('agrees byte-for-byte with encode(fromUnix(t)) and with an exact BigInt reference, 1970..2100', () => {
    const rnd = prng(5);
    for (let i = 0; i < 20000; i++) {
      const unix = rnd() * Y2100;
      const hot = toHex(ts.encodeUnix(unix));
      expect(hot).toBe(toHex(ts.encode(ts.fromUnix(unix))));
      expect(hot).toBe(referenceWire(unix));
    }
  });

  it('agrees for times near the era wrap and near whole seconds', () => {
    const rnd = prng(6);
    for (let i = 0; i < 5000; i++) {
      const base = i % 2 ? ERA_WRAP_UNIX : Math.floor(rnd() * Y2100);
      const unix = base + (rnd() < 0.5 ? -1 : 1) * rnd() * rnd() * 4;
      expect(toHex(ts.encodeUnix(unix))).toBe(referenceWire(unix));
      expect(toHex(ts.encode(ts.fromUnix(unix)))).toBe(referenceWire(unix));
    }
  });

  it('agrees for tiny times where the fraction must be truncated (t < 2^20)', () => {
    const rnd = prng(7);
    for (let i = 0; i < 2000; i++) {
      const unix = rnd() * 1048576 * Math.pow(2, -Math.floor(rnd() * 40));
      expect(toHex(ts.encodeUnix(unix))).toBe(referenceWire(unix));
      expect(toHex(ts.encode(ts.fromUnix(unix)))).toBe(referenceWire(unix));
    }
  });

  it('returns 8 chars all within 0..255', () => {
    const s = ts.encodeUnix(ERA_WRAP_UNIX - 1e-6);
    expect(s.length).toBe(8);
    expect(() => toHex(s)).not.toThrow();
  });
});

describe('timestamp: NTP short format (16.16)', () => {
  it('decodeShort known values', () => {
    expect(ts.decodeShort(fromHex('00010000'), 0)).toBe(1);
    expect(ts.decodeShort(fromHex('00008000'), 0)).toBe(0.5);
    expect(ts.decodeShort(fromHex('00000001'), 0)).toBe(1 / 65536);
    expect(ts.decodeShort(fromHex('00000b21'), 0)).toBe(2849 / 65536);
    expect(ts.decodeShort(fromHex('ffffffff'), 0)).toBe(4294967295 / 65536);
    expect(ts.decodeShort(fromHex('aa 00010000'), 1)).toBe(1);
  });

  it.each([
    [1, '00010000'],
    [0.5, '00008000'],
    [1 / 65536, '00000001'],
    [1.5 / 65536, '00000002'], // rounds up
    [1e-12, '00000001'], // any positive bound is at least one unit
    [0.0400390625, '00000a40'], // exactly 2624/65536
    [0.04, '00000a3e'], // 2621.44 units → 2622
    [65535, 'ffff0000'],
    [4294967295 / 65536, 'ffffffff'],
  ])('encodeShort(%d) = %s', (seconds, hex) => {
    expect(toHex(ts.encodeShort(seconds))).toBe(hex);
  });

  it.each([
    [65536, 'ffffffff'],
    [65535.999999, 'ffffffff'],
    [1e10, 'ffffffff'],
    [Infinity, 'ffffffff'],
  ])('saturates instead of wrapping: encodeShort(%d) = %s', (seconds, hex) => {
    expect(toHex(ts.encodeShort(seconds))).toBe(hex);
  });

  it.each([[0], [-0], [-1e-9], [-1], [-Infinity], [NaN]])('encodeShort(%d) = 0', (seconds) => {
    expect(toHex(ts.encodeShort(seconds))).toBe('00000000');
  });

  it('decodeShort(encodeShort(x)) is the smallest 16.16 value ≥ x', () => {
    const rnd = prng(8);
    for (let i = 0; i < 5000; i++) {
      const x = rnd() * Math.pow(2, Math.floor(rnd() * 32) - 16);
      const back = ts.decodeShort(ts.encodeShort(x), 0);
      expect(back).toBeGreaterThanOrEqual(x);
      expect(back - x).toBeLessThan(1 / 65536);
    }
  });

  it('encodeShort(decodeShort(x)) === x for any 4 bytes', () => {
    const rnd = prng(9);
    for (let i = 0; i < 2000; i++) {
      const s = ts.writeUint32(Math.floor(rnd() * 4294967296));
      expect(ts.encodeShort(ts.decodeShort(s, 0))).toBe(s);
    }
  });
});
