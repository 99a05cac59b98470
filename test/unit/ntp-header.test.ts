/**
 * The 48-byte NTP header (src/ntp/header.ts) against byte vectors made
 * independently with Python 3.11 struct (RFC 5905 figure 8 layout):
 *
 *   def ntp(s, frac):  # UTC 'YYYY-mm-ddTHH:MM:SS' → 64-bit NTP value
 *       u = calendar.timegm(datetime.strptime(s, '%Y-%m-%dT%H:%M:%S').timetuple())
 *       return ((u + 2208988800) % 2**32 << 32) | frac
 *   struct.pack('!BBbbII4sQQQQ', li<<6|vn<<3|mode, stratum, poll, precision,
 *               root_delay_16_16, root_disp_16_16, refid, ref, org, rec, xmt).hex()
 */
import { describe, expect, it } from 'vitest';
import * as header from '../../src/ntp/header';
import * as ts from '../../src/ntp/timestamp';
import { fromHex, toHex, prng } from './ntp-bytes';

/**
 * Server reply, LI=0 VN=4 mode=4, stratum 2, poll 6, precision -23,
 * root delay 0x00000b21, root dispersion 0x00000c4b, refid 203.0.113.7,
 * ref = ntp('2024-05-01T11:58:07', 0x40000000), org = ntp('2024-05-01T12:00:00', 0xdeadbeef),
 * rec = ntp('2024-05-01T12:00:00', 0xe0000000), xmt = ntp('2024-05-01T12:00:01', 0x00000001).
 */
const SERVER_REPLY =
  '240206e9' + '00000b21' + '00000c4b' + 'cb007107' +
  'e9dcaccf40000000' + 'e9dcad40deadbeef' + 'e9dcad40e0000000' + 'e9dcad4100000001';

/**
 * Client request in the style of sntp/ntpdate: LI=3 (unsynchronised) VN=4 mode=3,
 * stratum 0, poll 4, precision -6, root delay 1.0, root dispersion 1.0, refid 0,
 * only xmt set = ntp('2024-05-01T12:00:00', 0xdeadbeef).
 */
const CLIENT_REQUEST =
  'e30004fa' + '00010000' + '00010000' + '00000000' +
  '0000000000000000' + '0000000000000000' + '0000000000000000' + 'e9dcad40deadbeef';

/**
 * Kiss-o'-death RATE: LI=3 VN=4 mode=4, stratum 0, poll 17, precision -20,
 * root delay/dispersion 0, refid b'RATE', org = the client's xmt, others 0.
 */
const KOD_RATE =
  'e40011ec' + '00000000' + '00000000' + '52415445' +
  '0000000000000000' + 'e9dcad40deadbeef' + '0000000000000000' + '0000000000000000';

/**
 * Edge values: LI=2 VN=3 mode=5 (broadcast), stratum 1, poll -1, precision -128,
 * root delay 0xffffffff, root dispersion 0x80000000, refid b'GPS\0',
 * ref = ntp('2040-01-01T00:00:00', 0xffffffff) (era 1), org = 0xffffffffffffffff,
 * rec = 0x0000000100000000, xmt = 0x8000000080000000.
 */
const EDGE =
  '9d01ff80' + 'ffffffff' + '80000000' + '47505300' +
  '0754fd00ffffffff' + 'ffffffffffffffff' + '0000000100000000' + '8000000080000000';

describe('header: server reply vector', () => {
  const bytes = fromHex(SERVER_REPLY);
  const h = header.decode(bytes, 0);

  it('is 48 bytes', () => {
    expect(bytes.length).toBe(header.HEADER_LENGTH);
    expect(header.HEADER_LENGTH).toBe(48);
  });
  it('first byte: LI 0, VN 4, mode 4 (server)', () => {
    expect(h.leap).toBe(0);
    expect(h.version).toBe(4);
    expect(h.mode).toBe(4);
  });
  it('stratum 2, poll 6, precision -23 (signed)', () => {
    expect(h.stratum).toBe(2);
    expect(h.pollLog2).toBe(6);
    expect(h.precisionLog2).toBe(-23);
  });
  it('root delay and dispersion in 16.16 seconds', () => {
    expect(h.rootDelay).toBe(0x0b21 / 65536); // 0.04347...
    expect(h.rootDispersion).toBe(0x0c4b / 65536); // 0.04802...
  });
  it('reference id 203.0.113.7', () => {
    expect(h.referenceId).toBe(0xcb007107);
  });
  it('the four timestamps', () => {
    expect(h.referenceTime).toEqual({ seconds: 0xe9dcaccf, fraction: 0x40000000 });
    expect(h.originTime).toEqual({ seconds: 0xe9dcad40, fraction: 0xdeadbeef });
    expect(h.receiveTime).toEqual({ seconds: 0xe9dcad40, fraction: 0xe0000000 });
    expect(h.transmitTime).toEqual({ seconds: 0xe9dcad41, fraction: 1 });
    // And as Unix times (Python: calendar.timegm of the strings above).
    const pivot = 1714564800;
    expect(ts.toUnix(h.referenceTime, pivot)).toBe(1714564687.25);
    expect(ts.toUnix(h.receiveTime, pivot)).toBe(1714564800.875);
    expect(ts.toUnix(h.transmitTime, pivot)).toBe(1714564801 + Math.pow(2, -32));
  });
  it('encode(decode(x)) === x byte for byte', () => {
    expect(toHex(header.encode(h))).toBe(SERVER_REPLY);
  });
});

describe('header: client request vector', () => {
  const bytes = fromHex(CLIENT_REQUEST);
  const h = header.decode(bytes, 0);

  it('decodes every field', () => {
    expect(h).toEqual({
      leap: 3,
      version: 4,
      mode: 3,
      stratum: 0,
      pollLog2: 4,
      precisionLog2: -6,
      rootDelay: 1,
      rootDispersion: 1,
      referenceId: 0,
      referenceTime: { seconds: 0, fraction: 0 },
      originTime: { seconds: 0, fraction: 0 },
      receiveTime: { seconds: 0, fraction: 0 },
      transmitTime: { seconds: 0xe9dcad40, fraction: 0xdeadbeef },
    });
  });
  it('encode(decode(x)) === x byte for byte', () => {
    expect(toHex(header.encode(h))).toBe(CLIENT_REQUEST);
  });
});

describe('header: kiss-o\'-death vector', () => {
  const h = header.decode(fromHex(KOD_RATE), 0);
  it('decodes stratum 0 with ASCII refid RATE', () => {
    expect(h.leap).toBe(3);
    expect(h.version).toBe(4);
    expect(h.mode).toBe(4);
    expect(h.stratum).toBe(0);
    expect(h.pollLog2).toBe(17);
    expect(h.precisionLog2).toBe(-20);
    expect(h.rootDelay).toBe(0);
    expect(h.rootDispersion).toBe(0);
    expect(h.referenceId).toBe(0x52415445);
    expect(h.originTime).toEqual({ seconds: 0xe9dcad40, fraction: 0xdeadbeef });
    expect(ts.isZero(h.transmitTime)).toBe(true);
  });
  it('round-trips', () => {
    expect(toHex(header.encode(h))).toBe(KOD_RATE);
  });
});

describe('header: edge values vector', () => {
  const h = header.decode(fromHex(EDGE), 0);
  it('decodes extremes (negative poll, precision -128, max root delay, unsigned halves)', () => {
    expect(h.leap).toBe(2);
    expect(h.version).toBe(3);
    expect(h.mode).toBe(5);
    expect(h.stratum).toBe(1);
    expect(h.pollLog2).toBe(-1);
    expect(h.precisionLog2).toBe(-128);
    expect(h.rootDelay).toBe(4294967295 / 65536);
    expect(h.rootDispersion).toBe(32768);
    expect(h.referenceId).toBe(0x47505300);
    expect(h.referenceTime).toEqual({ seconds: 0x0754fd00, fraction: 0xffffffff });
    expect(h.originTime).toEqual({ seconds: 0xffffffff, fraction: 0xffffffff });
    expect(h.receiveTime).toEqual({ seconds: 1, fraction: 0 });
    expect(h.transmitTime).toEqual({ seconds: 0x80000000, fraction: 0x80000000 });
    // ref is 2040-01-01 (era 1): read with a 2030 pivot.
    expect(ts.toUnix(h.referenceTime, 1893456000)).toBe(2208988800 + 4294967295 / 4294967296);
  });
  it('round-trips', () => {
    expect(toHex(header.encode(h))).toBe(EDGE);
  });
});

describe('header: decode at an offset', () => {
  it('reads a header embedded after other bytes', () => {
    const bytes = fromHex('ff00ff' + SERVER_REPLY + 'aabb');
    const h = header.decode(bytes, 3);
    expect(h).toEqual(header.decode(fromHex(SERVER_REPLY), 0));
    expect(toHex(header.encode(h))).toBe(SERVER_REPLY);
  });
});

describe('header: every first byte and signed bytes', () => {
  it('all 256 first bytes split into LI/VN/mode and recombine', () => {
    const rest = fromHex(SERVER_REPLY).substr(1);
    for (let b = 0; b < 256; b++) {
      const bytes = String.fromCharCode(b) + rest;
      const h = header.decode(bytes, 0);
      expect(h.leap).toBe(b >> 6);
      expect(h.version).toBe((b >> 3) & 7);
      expect(h.mode).toBe(b & 7);
      expect(header.encode(h)).toBe(bytes);
    }
  });
  it('poll and precision bytes 0..255 read as int8 and encode back', () => {
    const base = fromHex(SERVER_REPLY);
    for (let b = 0; b < 256; b++) {
      const bytes = base.substr(0, 2) + String.fromCharCode(b, 255 - b) + base.substr(4);
      const h = header.decode(bytes, 0);
      expect(h.pollLog2).toBe(b > 127 ? b - 256 : b);
      expect(h.precisionLog2).toBe(255 - b > 127 ? 255 - b - 256 : 255 - b);
      expect(header.encode(h)).toBe(bytes);
    }
  });
  it('random 48-byte strings round-trip exactly', () => {
    const rnd = prng(11);
    for (let i = 0; i < 1000; i++) {
      let s = '';
      for (let j = 0; j < 48; j++) s += String.fromCharCode(Math.floor(rnd() * 256));
      expect(toHex(header.encode(header.decode(s, 0)))).toBe(toHex(s));
    }
  });
});

describe('header: encode from values', () => {
  it('builds the server reply vector from plain fields', () => {
    const bytes = header.encode({
      leap: 0,
      version: 4,
      mode: 4,
      stratum: 2,
      pollLog2: 6,
      precisionLog2: -23,
      rootDelay: 0x0b21 / 65536,
      rootDispersion: 0x0c4b / 65536,
      referenceId: 0xcb007107,
      referenceTime: { seconds: 0xe9dcaccf, fraction: 0x40000000 },
      originTime: { seconds: 0xe9dcad40, fraction: 0xdeadbeef },
      receiveTime: { seconds: 0xe9dcad40, fraction: 0xe0000000 },
      transmitTime: { seconds: 0xe9dcad41, fraction: 1 },
    });
    expect(bytes.length).toBe(48);
    expect(toHex(bytes)).toBe(SERVER_REPLY);
  });
  it('rounds root delay/dispersion up to the next 16.16 unit', () => {
    const h = header.decode(fromHex(SERVER_REPLY), 0);
    h.rootDelay = 0.04; // 2621.44 units → 2622 = 0x0a3e
    h.rootDispersion = 1e-9; // → 1 unit
    const bytes = header.encode(h);
    expect(toHex(bytes.substr(4, 8))).toBe('00000a3e00000001');
  });
});
