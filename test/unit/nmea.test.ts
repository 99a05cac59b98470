import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as calendar from '../../src/clock/calendar';
import * as nmea from '../../src/refclock/nmea';
import { prng } from './ntp-bytes';

/** shared/ sits beside the repository (as CI checks it out); this machine also has it at /work/shared. */
const BESIDE = join(__dirname, '../../../shared/nmea');
const CAPTURES = existsSync(BESIDE) ? BESIDE : '/work/shared/nmea';

type Fix = nmea.Fix;

/** A reader that copies each fix (the reader reuses its result object). */
function collecting(options?: nmea.Options): { reader: nmea.Reader; fixes: Fix[] } {
  const fixes: Fix[] = [];
  const reader = nmea.create((fix) => { fixes.push({ ...fix }); }, options);
  return { reader, fixes };
}

function checksum(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i);
  return (sum < 16 ? '0' : '') + sum.toString(16).toUpperCase();
}

/** `$body*HH` */
function sentence(body: string): string {
  return '$' + body + '*' + checksum(body);
}

function one(line: string, options?: nmea.Options): { fix: Fix | undefined; counts: number[] } {
  const { reader, fixes } = collecting({ rolloverFloorUnix: 0, ...options });
  nmea.feed(reader, line + '\r\n');
  return { fix: fixes[0], counts: Array.from(reader.counts) };
}

const utc = (y: number, mo: number, d: number, h: number, mi: number, s: number) => Date.UTC(y, mo - 1, d, h, mi, 0) / 1000 + s;

/** Each capture: its lines as in the file (CR kept where the file has CRLF). */
const files = readdirSync(CAPTURES).filter((name) => name.endsWith('.log')).sort();
const text = (name: string) => readFileSync(join(CAPTURES, name), 'latin1');

function byLines(name: string, options?: nmea.Options) {
  const result = collecting(options);
  for (const line of text(name).split('\n')) nmea.feed(result.reader, line + '\n');
  return result;
}

function byChunks(name: string, seed: number, noise: boolean, options?: nmea.Options) {
  const random = prng(seed);
  let data = text(name);
  if (!data.endsWith('\n')) data += '\n';
  if (noise) {
    // Binary noise after each line end (never '$', CR or LF): the reader must skip it to the next '$'.
    const parts = data.split('\n');
    data = parts.map((part) => {
      let junk = '';
      const n = Math.floor(random() * 6);
      for (let i = 0; i < n; i++) {
        let c = Math.floor(random() * 256);
        if (c === 36 || c === 10 || c === 13) c = 0;
        junk += String.fromCharCode(c);
      }
      return junk + part;
    }).join('\n');
  }
  const result = collecting(options);
  for (let i = 0; i < data.length;) {
    const size = random() < 0.2 ? 1 : 1 + Math.floor(random() * 64);
    nmea.feed(result.reader, data.substring(i, i + size));
    expect(result.reader.line.length).toBeLessThanOrEqual(nmea.MAX_LINE_CHARS);
    i += size;
  }
  return result;
}

const NO_FLOOR = { rolloverFloorUnix: 0 };

describe('NMEA captures (gpsd test logs)', () => {
  it('has the five capture files', () => {
    expect(files).toEqual(['bu353-glonass.log', 'neo-m8n.log', 'nmea-fuzzy-cases.log', 'quectel.log', 'skytraq-dgps.log']);
  });

  for (const name of files) {
    it(`${name}: line by line and in random chunks give the same results`, () => {
      const lines = byLines(name, NO_FLOOR);
      const timeLines = text(name).split('\n').filter((line) => /^\$..(RMC|ZDA|GGA),/.test(line)).length;
      expect(lines.fixes.length).toBe(timeLines);
      expect(lines.reader.counts[nmea.ACCEPTED]).toBe(timeLines);
      for (const seed of [1, 2, 3]) {
        const chunks = byChunks(name, seed, false, NO_FLOOR);
        expect(chunks.fixes).toEqual(lines.fixes);
        expect(Array.from(chunks.reader.counts)).toEqual(Array.from(lines.reader.counts));
        const noisy = byChunks(name, seed + 100, true, NO_FLOOR);
        expect(noisy.fixes).toEqual(lines.fixes);
        expect(Array.from(noisy.reader.counts)).toEqual(Array.from(lines.reader.counts));
      }
      // Every sentence of these captures has a good checksum and fits MAX_LINE_CHARS. Two header
      // comments mention "$GPGGA" and the like: read as a stream, each '$' there starts a line
      // without checksum.
      const commentDollars = text(name).split('\n').filter((line) => line.startsWith('#')).join('').split('$').length - 1;
      expect(lines.reader.counts[nmea.NO_CHECKSUM]).toBe(commentDollars);
      for (const reason of [nmea.BAD_CHECKSUM, nmea.TOO_LONG, nmea.MALFORMED, nmea.INVALID_TIME]) {
        expect(lines.reader.counts[reason]).toBe(0);
      }
    });
  }

  it('bu353-glonass: GN RMC, GP ZDA, GP GGA, then loss of fix', () => {
    const { fixes } = byLines('bu353-glonass.log', NO_FLOOR);
    // $GNRMC,081411.000,A,5541.1955,N,03737.2872,E,0.60,301.29,260514,,,A*74
    expect(fixes[0]).toEqual({ kind: 'RMC', talker: 'GN', secondsOfDay: 8 * 3600 + 14 * 60 + 11, unixSeconds: utc(2014, 5, 26, 8, 14, 11), valid: true, fixQuality: -1, satellites: -1 });
    // $GPZDA,081411.000,26,05,2014,,*5D
    expect(fixes[1]).toEqual({ kind: 'ZDA', talker: 'GP', secondsOfDay: 29651, unixSeconds: 1401092051, valid: true, fixQuality: -1, satellites: -1 });
    // $GPGGA,081412.000,5541.1956,N,03737.2877,E,1,5,4.87,66.2,M,14.5,M,,*6A
    expect(fixes[2]).toEqual({ kind: 'GGA', talker: 'GP', secondsOfDay: 29652, unixSeconds: NaN, valid: true, fixQuality: 1, satellites: 5 });
    // $GNRMC,081420.000,V,,,,,0.00,340.16,260514,,,N*58 — fix lost, date still sent
    const lost = fixes.find((f) => f.kind === 'RMC' && f.secondsOfDay === 8 * 3600 + 14 * 60 + 20)!;
    expect(lost.valid).toBe(false);
    expect(lost.unixSeconds).toBe(utc(2014, 5, 26, 8, 14, 20));
    // $GPGGA,081420.000,,,,,0,0,,,M,,M,,*47
    const lostGga = fixes.find((f) => f.kind === 'GGA' && f.secondsOfDay === 29660)!;
    expect(lostGga).toMatchObject({ valid: false, fixQuality: 0, satellites: 0 });
    // $GPZDA,081429.000,26,05,2014,,*56 — ZDA keeps coming from the receiver's clock
    expect(fixes[fixes.length - 1]).toMatchObject({ kind: 'ZDA', unixSeconds: utc(2014, 5, 26, 8, 14, 29), valid: true });
  });

  it('neo-m8n: GN talker, hundredths of seconds', () => {
    const { fixes } = byLines('neo-m8n.log', NO_FLOOR);
    // $GNRMC,171926.00,A,4404.14063,N,12118.85478,W,0.117,,180315,,,A*76
    expect(fixes[0]).toMatchObject({ kind: 'RMC', talker: 'GN', unixSeconds: utc(2015, 3, 18, 17, 19, 26), valid: true });
    // $GNGGA,171926.00,4404.14063,N,12118.85478,W,1,12,0.91,1147.2,M,-21.3,M,,*44
    expect(fixes[1]).toMatchObject({ kind: 'GGA', secondsOfDay: 17 * 3600 + 19 * 60 + 26, fixQuality: 1, satellites: 12, valid: true });
    // last: $GNGGA,171948.00,...
    expect(fixes[fixes.length - 1]).toMatchObject({ kind: 'GGA', secondsOfDay: 17 * 3600 + 19 * 60 + 48 });
    expect(fixes.every((f) => f.valid)).toBe(true);
  });

  it('quectel: NMEA 4.1 RMC with navigational status, and empty sentences during signal loss', () => {
    const { fixes } = byLines('quectel.log', NO_FLOOR);
    // $GPGGA,022021.00,3644.759368,S,17444.072860,E,1,07,1.1,56.1,M,37.0,M,,*49
    expect(fixes[0]).toMatchObject({ kind: 'GGA', secondsOfDay: 2 * 3600 + 20 * 60 + 21, fixQuality: 1, satellites: 7, valid: true });
    // $GPRMC,022021.00,A,3644.759368,S,17444.072860,E,0.0,301.9,071020,18.3,E,A,V*6E (the final V is nav status, not validity)
    expect(fixes[1]).toMatchObject({ kind: 'RMC', unixSeconds: utc(2020, 10, 7, 2, 20, 21), valid: true });
    // $GPGGA,,,,,,0,,,,,,,,*66 and $GPRMC,,V,,,,,,,,,,N*53: delivered, with no time and not valid
    const empty = fixes.filter((f) => f.secondsOfDay !== f.secondsOfDay);
    expect(empty.length).toBeGreaterThan(0);
    expect(empty.every((f) => !f.valid && f.unixSeconds !== f.unixSeconds)).toBe(true);
    expect(empty.find((f) => f.kind === 'GGA')).toMatchObject({ fixQuality: 0, satellites: -1 });
    // $GPRMC,022102.00,A,...,071020,... is the last
    expect(fixes[fixes.length - 1]).toMatchObject({ kind: 'RMC', unixSeconds: utc(2020, 10, 7, 2, 21, 2), valid: true });
  });

  it('skytraq-dgps: DGPS quality 2 and ZDA with zone fields', () => {
    const { fixes, reader } = byLines('skytraq-dgps.log', NO_FLOOR);
    // $GPGGA,213121.000,4404.1295864,N,12118.8685453,W,2,07,1.2,1102.537,M,-20.300,M,,0000*5F (87 chars)
    expect(fixes[0]).toMatchObject({ kind: 'GGA', secondsOfDay: 21 * 3600 + 31 * 60 + 21, fixQuality: 2, satellites: 7, valid: true });
    // $GPRMC,213121.000,A,4404.1295864,N,12118.8685453,W,000.0,122.7,070416,,,D*72
    expect(fixes[1]).toMatchObject({ kind: 'RMC', unixSeconds: utc(2016, 4, 7, 21, 31, 21), valid: true });
    // $GPZDA,213121.000,07,04,2016,00,00*52
    expect(fixes[2]).toMatchObject({ kind: 'ZDA', unixSeconds: 1460064681, valid: true });
    // $GPZDA,213256.000,07,04,2016,00,00*51 is the last
    expect(fixes[fixes.length - 1]).toMatchObject({ kind: 'ZDA', unixSeconds: utc(2016, 4, 7, 21, 32, 56) });
    // PSTI (99 chars, proprietary), GSV, GSA, GLL, VTG, GST: counted as unknown, not as broken
    expect(reader.counts[nmea.UNKNOWN_TYPE]).toBeGreaterThan(0);
  });

  it('nmea-fuzzy-cases: RTK quality 4, tenths of seconds, over-length lines', () => {
    const { fixes } = byLines('nmea-fuzzy-cases.log', NO_FLOOR);
    // $GPGGA,132820.60,...,2,09,1.0,278.020,M,-31.442,M,7.6,0133*7E (90 chars: longer than NMEA's 82)
    expect(fixes[0]).toMatchObject({ kind: 'GGA', fixQuality: 2, satellites: 9, valid: true });
    expect(fixes[0].secondsOfDay).toBeCloseTo(13 * 3600 + 28 * 60 + 20.6, 9);
    // $GPRMC,132820.60,A,...,180320,11.5985,E,D*1A
    expect(fixes[1].unixSeconds).toBeCloseTo(utc(2020, 3, 18, 13, 28, 20.6), 6);
    // $GNGGA,133900.00,...,4,19,0.7,...
    expect(fixes.find((f) => f.kind === 'GGA' && f.fixQuality === 4)).toMatchObject({ talker: 'GN', satellites: 19, secondsOfDay: 13 * 3600 + 39 * 60 });
    // $GNRMC,133900.90,...,180320,...*37 is the last
    expect(fixes[fixes.length - 1].unixSeconds).toBeCloseTo(utc(2020, 3, 18, 13, 39, 0.9), 6);
  });

  it('counts the sentences of a capture corrupted in transit, and still reads the rest', () => {
    const random = prng(7);
    const lines = text('nmea-fuzzy-cases.log').split('\n').filter((line) => line.startsWith('$'));
    const { reader, fixes } = collecting(NO_FLOOR);
    let broken = 0;
    for (const line of lines) {
      let out = line;
      if (random() < 0.5) {
        // Change one character of the body to a different printable one: the checksum must catch it.
        const at = 1 + Math.floor(random() * (line.lastIndexOf('*') - 1));
        const c = line.charCodeAt(at) === 0x30 ? 0x31 : 0x30;
        out = line.substring(0, at) + String.fromCharCode(c) + line.substring(at + 1);
        broken++;
      }
      nmea.feed(reader, out + '\r\n');
    }
    expect(broken).toBeGreaterThan(0);
    expect(reader.counts[nmea.BAD_CHECKSUM]).toBe(broken);
    expect(fixes.length).toBe(lines.length - broken);
  });

  it('moves dates before the rollover floor on by 1024 weeks (default floor: 2025-01-01)', () => {
    const plain = byLines('bu353-glonass.log', NO_FLOOR).fixes;
    const shifted = byLines('bu353-glonass.log').fixes;
    for (let i = 0; i < plain.length; i++) {
      if (plain[i].unixSeconds === plain[i].unixSeconds) {
        expect(shifted[i].unixSeconds).toBe(plain[i].unixSeconds + nmea.GPS_ROLLOVER_SECONDS);
      }
    }
  });
});

describe('NMEA line assembly', () => {
  const rmc = '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A';

  it('reads the textbook RMC: 1994-03-23T12:35:19Z', () => {
    const { fix } = one(rmc);
    expect(fix).toEqual({ kind: 'RMC', talker: 'GP', secondsOfDay: 45319, unixSeconds: utc(1994, 3, 23, 12, 35, 19), valid: true, fixQuality: -1, satellites: -1 });
  });

  it('accepts CR, LF or CRLF line ends, and a `$` ending an unterminated line', () => {
    for (const end of ['\r', '\n', '\r\n', '\n\r']) {
      const { reader, fixes } = collecting(NO_FLOOR);
      nmea.feed(reader, 'garbage\u0000\u00ff' + rmc + end + rmc + end);
      expect(fixes.length).toBe(2);
    }
    const { reader, fixes } = collecting(NO_FLOOR);
    nmea.feed(reader, rmc + rmc + '\n');
    expect(fixes.length).toBe(2);
    nmea.feed(reader, '$GPRMC,1235' + rmc + '\n'); // a line cut short by a restart: its checksum is absent
    expect(fixes.length).toBe(3);
    expect(reader.counts[nmea.NO_CHECKSUM]).toBe(1);
  });

  it('checks the checksum case-insensitively, and rejects a wrong or malformed one', () => {
    const body = 'GPZDA,201530.00,04,07,2002,00,00';
    expect(checksum(body)).toBe('60');
    expect(one('$' + body + '*60').fix).toMatchObject({ kind: 'ZDA', unixSeconds: utc(2002, 7, 4, 20, 15, 30) });
    const mixed = 'GNZDA,000000.00,01,01,2000,00,00';
    const hex = checksum(mixed);
    expect(/[A-F]/.test(hex)).toBe(true);
    expect(one('$' + mixed + '*' + hex.toLowerCase()).fix).toBeDefined();
    for (const bad of ['*61', '*6', '*600', '*6G', '* 60', '*']) {
      expect(one('$' + body + bad).counts[nmea.BAD_CHECKSUM]).toBe(1);
    }
  });

  it('rejects a sentence without checksum unless told to accept it', () => {
    const line = '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W';
    expect(one(line).fix).toBeUndefined();
    expect(one(line).counts[nmea.NO_CHECKSUM]).toBe(1);
    const accepted = one(line, { acceptNoChecksum: true });
    expect(accepted.fix).toMatchObject({ unixSeconds: utc(1994, 3, 23, 12, 35, 19) });
    expect(accepted.counts[nmea.NO_CHECKSUM]).toBe(1);
  });

  it('drops lines longer than MAX_LINE_CHARS, once each, and keeps its buffer bounded', () => {
    const { reader, fixes } = collecting(NO_FLOOR);
    const long = '$GPGSV,' + 'x'.repeat(5000);
    for (let i = 0; i < long.length; i += 7) {
      nmea.feed(reader, long.substring(i, i + 7));
      expect(reader.line.length).toBeLessThanOrEqual(nmea.MAX_LINE_CHARS);
    }
    nmea.feed(reader, '\r\n' + rmc + '\r\n');
    expect(reader.counts[nmea.TOO_LONG]).toBe(1);
    expect(fixes.length).toBe(1);
    // Exactly at the bound is still read.
    const body = 'GPGGA,000000.' + '0'.repeat(nmea.MAX_LINE_CHARS - 3 - 'GPGGA,000000.,,,,,1,08'.length) + ',,,,,1,08';
    expect(body.length + 3).toBe(nmea.MAX_LINE_CHARS);
    expect(one(sentence(body)).fix).toMatchObject({ kind: 'GGA', secondsOfDay: 0, satellites: 8 });
    expect(one(sentence(body + '0')).counts[nmea.TOO_LONG]).toBe(1);
  });

  it('drops a line holding a byte outside printable ASCII', () => {
    const { counts, fix } = one(rmc.substring(0, 20) + '\u0080' + rmc.substring(20));
    expect(fix).toBeUndefined();
    expect(counts[nmea.MALFORMED]).toBe(1);
  });
});

describe('NMEA fields', () => {
  it('reads any talker', () => {
    for (const talker of ['GP', 'GN', 'GL', 'GA', 'BD', 'GB', 'GQ', 'GI']) {
      expect(one(sentence(talker + 'ZDA,120000,01,06,2024,,')).fix).toMatchObject({ talker, kind: 'ZDA', unixSeconds: utc(2024, 6, 1, 12, 0, 0) });
    }
    expect(one(sentence('gpZDA,120000,01,06,2024,,')).counts[nmea.MALFORMED]).toBe(1);
    expect(one(sentence('PUBX,04,120000.00,010624,')).counts[nmea.UNKNOWN_TYPE]).toBe(1);
    expect(one(sentence('GPGSV,1,1,00')).counts[nmea.UNKNOWN_TYPE]).toBe(1);
    expect(one(sentence('GPRMCX,120000,A,,,,,,,010624,,')).counts[nmea.UNKNOWN_TYPE]).toBe(1);
  });

  it('reads two-digit years in 1980-2079, and fixes a week-number rollover with the floor', () => {
    const at = (date: string, options?: nmea.Options) => one(sentence('GPRMC,000000,A,,,,,,,' + date + ',,'), options).fix!.unixSeconds;
    expect(at('010100')).toBe(utc(2000, 1, 1, 0, 0, 0));
    expect(at('311279')).toBe(utc(2079, 12, 31, 0, 0, 0));
    expect(at('010180')).toBe(utc(1980, 1, 1, 0, 0, 0));
    expect(at('290224')).toBe(utc(2024, 2, 29, 0, 0, 0));
    // A receiver hit by the April 2019 rollover shows 1999-08-22 on 2019-04-07.
    expect(at('220899')).toBe(utc(1999, 8, 22, 0, 0, 0));
    expect(at('220899', { rolloverFloorUnix: utc(2019, 1, 1, 0, 0, 0) })).toBe(utc(2019, 4, 7, 0, 0, 0));
    // A date after the floor is left alone; one 2 rollovers early moves on by two.
    expect(at('010624', { rolloverFloorUnix: utc(2019, 1, 1, 0, 0, 0) })).toBe(utc(2024, 6, 1, 0, 0, 0));
    expect(at('010180', { rolloverFloorUnix: utc(2019, 1, 1, 0, 0, 0) })).toBe(utc(1980, 1, 1, 0, 0, 0) + 2 * nmea.GPS_ROLLOVER_SECONDS);
  });

  it('agrees with Date on daysFromCivil over four centuries', () => {
    for (let days = -200000; days <= 200000; days += 97) {
      const date = new Date(days * 86400000);
      expect(calendar.daysFromCivil(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate())).toBe(days);
    }
  });

  it('accepts the leap second 23:59:60 and fractions of any length', () => {
    expect(one(sentence('GPZDA,235960,31,12,2016,,')).fix).toMatchObject({ secondsOfDay: 86400, unixSeconds: utc(2017, 1, 1, 0, 0, 0) });
    expect(one(sentence('GPGGA,010203.,,,,,1,04')).fix!.secondsOfDay).toBe(3723);
    expect(one(sentence('GPGGA,010203.125,,,,,1,04')).fix!.secondsOfDay).toBe(3723.125);
    expect(one(sentence('GPGGA,010203.123456789,,,,,1,04')).fix!.secondsOfDay).toBeCloseTo(3723.123456789, 9);
  });

  it('counts times and dates out of range as invalid, and bad digits as malformed', () => {
    const reason = (body: string) => {
      const counts = one(sentence(body)).counts;
      return counts.findIndex((count, index) => index !== nmea.ACCEPTED && count > 0);
    };
    expect(reason('GPRMC,240000,A,,,,,,,010624,,')).toBe(nmea.INVALID_TIME);
    expect(reason('GPRMC,126000,A,,,,,,,010624,,')).toBe(nmea.INVALID_TIME);
    expect(reason('GPRMC,120061,A,,,,,,,010624,,')).toBe(nmea.INVALID_TIME);
    expect(reason('GPRMC,120000,A,,,,,,,300223,,')).toBe(nmea.INVALID_TIME);
    expect(reason('GPRMC,120000,A,,,,,,,001323,,')).toBe(nmea.INVALID_TIME);
    expect(reason('GPZDA,120000,29,02,2100,,')).toBe(nmea.INVALID_TIME);
    expect(reason('GPZDA,120000,29,02,2000,,')).toBe(-1);
    expect(reason('GPRMC,12a000,A,,,,,,,010624,,')).toBe(nmea.MALFORMED);
    expect(reason('GPRMC,1200,A,,,,,,,010624,,')).toBe(nmea.MALFORMED);
    expect(reason('GPRMC,120000.1.2,A,,,,,,,010624,,')).toBe(nmea.MALFORMED);
    expect(reason('GPRMC,120000,A,,,,,,,01062,,')).toBe(nmea.MALFORMED);
    expect(reason('GPRMC,120000,X,,,,,,,010624,,')).toBe(nmea.MALFORMED);
    expect(reason('GPRMC,120000,A,,,')).toBe(nmea.MALFORMED);
    expect(reason('GPZDA,120000,1,6,2024,,')).toBe(nmea.MALFORMED);
    expect(reason('GPZDA,120000,01,06,24,,')).toBe(nmea.MALFORMED);
    expect(reason('GPGGA,120000,,,,,9,04')).toBe(nmea.MALFORMED);
    expect(reason('GPGGA,120000,,,,,1,x')).toBe(nmea.MALFORMED);
    expect(reason('GPGGA,120000,,,,,1,100')).toBe(nmea.MALFORMED);
    expect(reason('GPGGA,120000,,,,')).toBe(nmea.MALFORMED);
  });

  it('sets valid from RMC status and mode, GGA quality, and ZDA date presence', () => {
    const valid = (body: string) => one(sentence(body)).fix!.valid;
    expect(valid('GPRMC,120000,A,,,,,,,010624,,')).toBe(true);
    expect(valid('GPRMC,120000,V,,,,,,,010624,,')).toBe(false);
    expect(valid('GPRMC,120000,A,,,,,,,010624,,,N')).toBe(false);
    expect(valid('GPRMC,120000,A,,,,,,,010624,,,A,V')).toBe(true);
    expect(valid('GPRMC,120000,A,,,,,,,,,')).toBe(false); // no date: not a complete time
    for (let q = 0; q <= 8; q++) expect(valid('GPGGA,120000,,,,,' + q + ',08')).toBe(q >= 1 && q <= 5);
    expect(valid('GPZDA,120000,01,06,2024,,')).toBe(true);
    expect(valid('GPZDA,120000,,,,,')).toBe(false);
    expect(one(sentence('GPZDA,120000,,,,,')).fix).toMatchObject({ secondsOfDay: 43200, unixSeconds: NaN });
  });
});

/** Random and mutated lines, with their line ends, from a seeded generator. */
function fuzzSource(seed: number): () => string {
  const random = prng(seed);
  const seeds = files.flatMap((name) => text(name).split('\n').map((line) => line.replace(/\r$/, '')).filter((line) => line.startsWith('$')));
  const randomBytes = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(random() * 256));
    return s;
  };
  const printable = '0123456789,.*$ABCDEFGHIJKLMNOPQRSTUVWXYZ-';
  return () => {
    let line = seeds[Math.floor(random() * seeds.length)];
    const kind = random();
    if (kind < 0.25) {
      // Bit flips anywhere: the checksum then usually fails.
      const flips = 1 + Math.floor(random() * 3);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(random() * line.length);
        line = line.substring(0, at) + String.fromCharCode(line.charCodeAt(at) ^ (1 << Math.floor(random() * 8))) + line.substring(at + 1);
      }
    } else if (kind < 0.5) {
      // Field-level edits with the checksum recomputed, so the field parsers see them.
      const star = line.lastIndexOf('*');
      let body = line.substring(1, star < 0 ? line.length : star);
      const edits = 1 + Math.floor(random() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * (body.length + 1));
        const op = random();
        const c = printable.charAt(Math.floor(random() * printable.length));
        if (op < 0.4) body = body.substring(0, at) + c + body.substring(at + 1);
        else if (op < 0.7) body = body.substring(0, at) + c + body.substring(at);
        else body = body.substring(0, at) + body.substring(at + 1);
      }
      line = sentence(body);
      if (random() < 0.1) line = line.toLowerCase();
    } else if (kind < 0.65) {
      line = line.substring(0, Math.floor(random() * line.length)); // truncation
    } else if (kind < 0.8) {
      line = randomBytes(Math.floor(random() * 100)); // noise
    } else if (kind < 0.8005) {
      line = '$' + randomBytes(2000 + Math.floor(random() * 20000)).replace(/[\r\n$]/g, 'x'); // huge
    } else if (kind < 0.85) {
      line = line + line.substring(0, Math.floor(random() * line.length)); // doubled, with a second '$'
    }
    const end = random();
    return line + (end < 0.6 ? '\r\n' : end < 0.8 ? '\n' : end < 0.9 ? '\r' : '');
  };
}

/** Whatever gets through is a sane value. */
function checkFix(fix: Fix): void {
  if (fix.kind !== 'RMC' && fix.kind !== 'ZDA' && fix.kind !== 'GGA') throw new Error('kind ' + fix.kind);
  if (!(fix.secondsOfDay >= 0 && fix.secondsOfDay < 86401) && fix.secondsOfDay === fix.secondsOfDay) throw new Error('time ' + fix.secondsOfDay);
  if (fix.unixSeconds === fix.unixSeconds && !(fix.unixSeconds >= utc(1980, 1, 1, 0, 0, 0))) throw new Error('date ' + fix.unixSeconds);
  if (fix.valid && fix.kind !== 'GGA' && fix.unixSeconds !== fix.unixSeconds) throw new Error('valid without date');
  if (fix.kind === 'GGA' && !(fix.fixQuality >= 0 && fix.fixQuality <= 8 && fix.satellites >= -1 && fix.satellites <= 99)) throw new Error('gga');
}

describe('NMEA fuzz', () => {
  it('survives 1,000,000 random and mutated lines with a bounded buffer', () => {
    const random = prng(54321);
    const next = fuzzSource(12345);
    let delivered = 0;
    const reader = nmea.create((fix) => {
      delivered++;
      checkFix(fix);
    }, { rolloverFloorUnix: 0, acceptNoChecksum: true });
    let maxLine = 0;
    let pending = '';
    const LINES = 1_000_000;
    for (let n = 0; n < LINES; n++) {
      pending += next();
      if (pending.length > 4096 || n === LINES - 1) {
        for (let i = 0; i < pending.length;) {
          const size = 1 + Math.floor(random() * 300);
          nmea.feed(reader, pending.substring(i, i + size));
          if (reader.line.length > maxLine) maxLine = reader.line.length;
          i += size;
        }
        pending = '';
      }
    }
    const counts = Array.from(reader.counts);
    expect(maxLine).toBeLessThanOrEqual(nmea.MAX_LINE_CHARS);
    expect(delivered).toBe(counts[nmea.ACCEPTED]);
    // Every reason was exercised.
    for (let i = 0; i < nmea.COUNTERS; i++) expect(counts[i], nmea.COUNTER_NAMES[i]).toBeGreaterThan(0);
    console.log('fuzz counts: ' + nmea.COUNTER_NAMES.map((name, i) => name + ' ' + counts[i]).join(', '));
  }, 60_000);

  it('gives the same results for fuzzed input however it is split', () => {
    for (const seed of [1, 2]) {
      const next = fuzzSource(seed);
      let data = '';
      for (let n = 0; n < 3000; n++) data += next();
      const whole = collecting({ rolloverFloorUnix: 0 });
      nmea.feed(whole.reader, data);
      const bytes = collecting({ rolloverFloorUnix: 0 });
      for (let i = 0; i < data.length; i++) nmea.feed(bytes.reader, data.charAt(i));
      const random = prng(seed + 1000);
      const pieces = collecting({ rolloverFloorUnix: 0 });
      for (let i = 0; i < data.length;) {
        const size = 1 + Math.floor(random() * 200);
        nmea.feed(pieces.reader, data.substring(i, i + size));
        i += size;
      }
      expect(whole.fixes.length).toBeGreaterThan(100);
      for (const other of [bytes, pieces]) {
        expect(other.fixes).toEqual(whole.fixes);
        expect(Array.from(other.reader.counts)).toEqual(Array.from(whole.reader.counts));
      }
    }
  });
});
