// The simulated GPS receiver (board/virtual/gps-receiver.mjs): its sentences
// must be what the firmware's NMEA reader accepts, stating exactly the right
// second; its pulses, delays, pacing and chunking must have the statistics
// asked for; and each fault must do what it says and nothing else.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createGpsReceiver, ESP32_GPS_WIRING, GPS_WEEK_ROLLOVER_SECONDS, nmeaLine, uartRead,
} from '../../board/virtual/gps-receiver.mjs';
import type { GpsEdgeEvent, GpsEvent, GpsReceiverOptions, GpsSerialEvent } from '../../board/virtual/gps-receiver.mjs';
import * as nmea from '../../src/refclock/nmea';

/** 2025-12-31T23:50:00Z: runs of more than 600 s cross a day, a month and a year. */
const EPOCH = 1767225000;

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function std(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((a, b) => a + (b - m) * (b - m), 0) / (values.length - 1));
}

function events(options: GpsReceiverOptions, seconds: number): GpsEvent[] {
  return createGpsReceiver({ epoch: EPOCH, ...options }).eventsUntil(seconds);
}

const edges = (list: GpsEvent[]) => list.filter((e): e is GpsEdgeEvent => e.kind === 'edge');
const chunks = (list: GpsEvent[]) => list.filter((e): e is GpsSerialEvent => e.kind === 'serial');

interface Heard {
  /** The second whose chunk completed the sentence. */
  second: number;
  kind: nmea.Kind;
  unixSeconds: number;
  secondsOfDay: number;
  valid: boolean;
  fixQuality: number;
  satellites: number;
}

/** Feeds every chunk to the firmware's reader; each fix is labelled with the second its bytes belong to. */
function read(list: GpsEvent[], options?: nmea.Options) {
  const heard: Heard[] = [];
  let second = NaN;
  const reader = nmea.create((fix) => {
    heard.push({ second, kind: fix.kind, unixSeconds: fix.unixSeconds, secondsOfDay: fix.secondsOfDay, valid: fix.valid, fixQuality: fix.fixQuality, satellites: fix.satellites });
  }, options);
  for (const event of chunks(list)) {
    second = event.second;
    nmea.feed(reader, event.chunk);
  }
  return { heard, counts: reader.counts };
}

function noBadCounts(counts: Uint32Array): void {
  for (const index of [nmea.BAD_CHECKSUM, nmea.NO_CHECKSUM, nmea.TOO_LONG, nmea.MALFORMED, nmea.INVALID_TIME]) {
    expect(counts[index], nmea.COUNTER_NAMES[index]).toBe(0);
  }
}

describe('simulated GPS receiver: sentences', () => {
  it('sends sentences the firmware reader accepts, each stating the second of the pulse before it', () => {
    const seconds = 1300;
    const list = events({ sentences: ['RMC', 'VTG', 'GGA', 'GSA', 'GSV', 'GLL', 'ZDA'] }, seconds);
    const { heard, counts } = read(list);
    noBadCounts(counts);
    expect(counts[nmea.ACCEPTED]).toBe(3 * seconds);
    // VTG, GSA, three or four GSV (11-13 in view), GLL: not time sentences to the reader.
    const lines = chunks(list).map((e) => e.chunk).join('').split('\r\n');
    expect(lines.filter((line) => /^\$GPGSV,[34],/.test(line)).length).toBeGreaterThan(3 * seconds);
    expect(counts[nmea.UNKNOWN_TYPE]).toBe(lines.filter((line) => /^\$G[NP](VTG|GSA|GSV|GLL),/.test(line)).length);
    expect(counts[nmea.UNKNOWN_TYPE]).toBeGreaterThan(6 * seconds);
    expect(heard.map((fix) => fix.kind).slice(0, 6)).toEqual(['RMC', 'GGA', 'ZDA', 'RMC', 'GGA', 'ZDA']);
    for (const fix of heard) {
      const unix = EPOCH + fix.second;
      expect(fix.valid).toBe(true);
      expect(fix.secondsOfDay).toBe(unix % 86400);
      if (fix.kind === 'GGA') {
        expect(fix.unixSeconds).toBeNaN();
        expect(fix.fixQuality).toBe(1);
        expect(fix.satellites).toBeGreaterThanOrEqual(8);
        expect(fix.satellites).toBeLessThanOrEqual(10);
      } else {
        expect(fix.unixSeconds).toBe(unix);
      }
    }
    // Every second was stated once per kind, across the new year.
    const rmcSeconds = heard.filter((fix) => fix.kind === 'RMC').map((fix) => fix.unixSeconds);
    expect(rmcSeconds).toEqual(Array.from({ length: seconds }, (_, k) => EPOCH + k));
    expect(new Date(rmcSeconds[seconds - 1] * 1000).toISOString()).toBe('2026-01-01T00:11:39.000Z');
  });

  it('writes fields as receivers do, with *HH checksums and CR LF', () => {
    const text = chunks(events({ sentences: ['RMC', 'GGA', 'ZDA'] }, 0.99)).map((e) => e.chunk).join('');
    const lines = text.split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\$GNRMC,235000\.00,A,4807\.03800,N,01131\.00000,E,0\.\d{3},,311225,,,A,V\*[0-9A-F]{2}$/);
    expect(lines[1]).toMatch(/^\$GNGGA,235000\.00,4807\.03800,N,01131\.00000,E,1,(08|09|10),\d\.\d\d,545\.4,M,46\.9,M,,\*[0-9A-F]{2}$/);
    expect(lines[2]).toMatch(/^\$GNZDA,235000\.00,31,12,2025,00,00\*[0-9A-F]{2}$/);
    // The checksum of a known sentence (NMEA's own example).
    expect(nmeaLine('GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,')).toBe(
      '$GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,*76\r\n');
    expect(lines.some((line) => line.length + 2 > 82)).toBe(false);
  });

  it('labels the second before the pulse while stale', () => {
    const list = events({ sentences: ['RMC', 'ZDA'], stale: [{ from: 100, to: 200 }] }, 300);
    const { heard, counts } = read(list);
    noBadCounts(counts);
    expect(heard).toHaveLength(600);
    for (const fix of heard) {
      const lag = fix.second >= 100 && fix.second < 200 ? 1 : 0;
      expect(fix.unixSeconds, `second ${fix.second}`).toBe(EPOCH + fix.second - lag);
    }
    // The pulses do not move.
    expect(edges(list).filter((e) => e.level === 1).map((e) => e.second)).toEqual(Array.from({ length: 301 }, (_, k) => k));
  });

  it('shifts the stated date by whole days, keeping the time of day', () => {
    for (const error of [86400, -GPS_WEEK_ROLLOVER_SECONDS]) {
      const { heard, counts } = read(events({ sentences: ['RMC', 'GGA', 'ZDA'], dateErrorSeconds: error }, 20), { rolloverFloorUnix: 0 });
      noBadCounts(counts);
      for (const fix of heard) {
        expect(fix.secondsOfDay).toBe((EPOCH + fix.second) % 86400);
        if (fix.kind !== 'GGA') expect(fix.unixSeconds).toBe(EPOCH + fix.second + error);
      }
    }
    // With the reader's default floor, the week rollover is undone; a day off is not.
    const rollover = read(events({ sentences: ['RMC'], dateErrorSeconds: -GPS_WEEK_ROLLOVER_SECONDS }, 5));
    expect(rollover.heard.map((fix) => fix.unixSeconds - fix.second)).toEqual(Array(5).fill(EPOCH));
    expect(() => createGpsReceiver({ dateErrorSeconds: 3600 })).toThrow(/whole days/);
  });
});

describe('simulated GPS receiver: timing', () => {
  const bytePeriod = 10 / 9600;

  it('pulses at each second with the jitter asked for, for pulseWidth', () => {
    for (const [ppsJitter, ppsInverted] of [[1e-6, false], [2e-4, true]] as const) {
      const list = edges(events({ ppsJitter, ppsInverted }, 3000.5));
      expect(list).toHaveLength(2 * 3001);
      const active = ppsInverted ? 0 : 1;
      const errors: number[] = [];
      for (let k = 0; k < list.length; k += 2) {
        expect(list[k].level).toBe(active);
        expect(list[k + 1].level).toBe(1 - active);
        expect(list[k].second).toBe(k / 2);
        expect(list[k + 1].time - list[k].time).toBeCloseTo(0.1, 9);
        errors.push(list[k].time - list[k].second);
      }
      expect(Math.abs(mean(errors))).toBeLessThan(5 * ppsJitter / Math.sqrt(errors.length));
      expect(std(errors) / ppsJitter).toBeGreaterThan(0.9);
      expect(std(errors) / ppsJitter).toBeLessThan(1.1);
    }
  });

  it('starts each second\'s sentences nmeaDelay ± nmeaJitter after the pulse, never before 5 ms nor after 0.95 s', () => {
    const delays = (options: GpsReceiverOptions) => {
      const list = events({ ...options, ppsJitter: 1e-3 }, 3000);
      const pulses = new Map(edges(list).filter((e) => e.level === 1).map((e) => [e.second, e.time]));
      const firsts = new Map<number, GpsSerialEvent>();
      for (const event of chunks(list)) if (!firsts.has(event.second)) firsts.set(event.second, event);
      return [...firsts.values()].map((e) => e.time - e.chunk.length * bytePeriod - pulses.get(e.second)!);
    };
    const usual = delays({});
    expect(usual.length).toBeGreaterThan(2990);
    expect(mean(usual)).toBeCloseTo(0.35, 2);
    expect(std(usual)).toBeGreaterThan(0.045);
    expect(std(usual)).toBeLessThan(0.055);
    const wild = delays({ nmeaDelay: 0.5, nmeaJitter: 0.5 });
    expect(Math.min(...wild)).toBeGreaterThanOrEqual(0.005 - 1e-9);
    expect(Math.max(...wild)).toBeLessThanOrEqual(0.95 + 1e-9);
    expect(wild.filter((d) => d < 0.01).length).toBeGreaterThan(100); // clamped, not rare
    const steady = delays({ nmeaDelay: 0.2, nmeaJitter: 0 });
    for (const delay of steady) expect(delay).toBeCloseTo(0.2, 9);
  });

  it('paces bytes at baud/10 a second and hands them over in chunks of 1-32 bytes', () => {
    for (const baud of [9600, 4800, 115200]) {
      const list = chunks(events({ baud, sentences: ['RMC', 'GGA', 'GSV'] }, 600));
      const sizes = list.map((e) => e.chunk.length);
      expect(Math.min(...sizes)).toBe(1);
      expect(Math.max(...sizes)).toBe(32);
      expect(new Set(sizes).size).toBe(32);
      for (let i = 1; i < list.length; i++) {
        if (list[i].second !== list[i - 1].second) continue;
        // Back to back within a second's burst: one chunk's bytes after the other's.
        expect(list[i].time - list[i - 1].time).toBeCloseTo((list[i].chunk.length * 10) / baud, 9);
      }
    }
    // Random sizes: mean of a uniform 1-32 where the end of a burst does not cut it.
    const sizes = chunks(events({ sentences: ['GSV', 'GSV', 'GSV'] }, 600)).map((e) => e.chunk.length);
    expect(mean(sizes)).toBeGreaterThan(14.5);
    expect(mean(sizes)).toBeLessThan(16.5);
  });

  it('drops a second\'s sentences rather than start them more than a second late on a line too slow for them', () => {
    // About 580 bytes a second on a line that carries 480.
    const list = chunks(events({ baud: 4800, sentences: ['RMC', 'VTG', 'GGA', 'GSA', 'GSV', 'GLL', 'ZDA'] }, 300.99));
    const { heard, counts } = read(list);
    noBadCounts(counts);
    const stated = new Set(heard.map((fix) => fix.second));
    expect(stated.size).toBeGreaterThan(200);
    expect(stated.size).toBeLessThan(300);
    const bytes = list.reduce((sum, e) => sum + e.chunk.length, 0);
    expect(bytes / 300).toBeGreaterThan(0.9 * 480);
    expect(bytes / 300).toBeLessThanOrEqual(480);
    const firsts = list.filter((e, i) => i === 0 || list[i - 1].second !== e.second);
    for (const e of firsts) expect(e.time - (e.chunk.length * 10) / 4800 - e.second).toBeLessThan(1 + 4e-6);
  });
});

describe('simulated GPS receiver: outages', () => {
  const outages = [
    { from: 10, to: 20, what: 'all' as const },
    { from: 30, to: 40, what: 'pps' as const },
    { from: 50, to: 60, what: 'nmea' as const },
    { from: 70, to: 80, what: 'fix' as const },
  ];
  const list = events({ sentences: ['RMC', 'GGA', 'ZDA'], outages }, 100.99);
  const { heard, counts } = read(list);
  const within = (second: number, from: number) => second >= from && second < from + 10;

  it('suppresses what each says, in its interval only', () => {
    noBadCounts(counts);
    const pulsed = new Set(edges(list).map((e) => e.second));
    const stated = new Set(heard.map((fix) => fix.second));
    for (let second = 0; second <= 100; second++) {
      const noPulse = within(second, 10) || within(second, 30) || within(second, 70);
      const noSentences = within(second, 10) || within(second, 50);
      expect(pulsed.has(second), `pulse at ${second}`).toBe(!noPulse);
      expect(stated.has(second), `sentences at ${second}`).toBe(!noSentences);
    }
  });

  it('says there is no fix while the fix is lost, still stating its clock\'s time', () => {
    for (const fix of heard) {
      const lost = within(fix.second, 70);
      if (fix.kind === 'ZDA') {
        expect(fix.valid).toBe(true); // ZDA has no flag: receivers keep sending it from their own clock
      } else {
        expect(fix.valid, `${fix.kind} at ${fix.second}`).toBe(!lost);
      }
      if (fix.kind === 'GGA') {
        expect(fix.fixQuality).toBe(lost ? 0 : 1);
        if (lost) expect(fix.satellites).toBe(0);
      }
      expect(fix.secondsOfDay).toBe((EPOCH + fix.second) % 86400);
    }
  });

  it('changes nothing outside its intervals (each second draws on its own)', () => {
    const clean = events({ sentences: ['RMC', 'GGA', 'ZDA'] }, 100.99);
    const outside = (e: GpsEvent) => ![10, 30, 50, 70].some((from) => within(e.second, from));
    expect(list.filter(outside)).toEqual(clean.filter(outside));
  });

  it('refuses a kind of outage it does not know', () => {
    expect(() => createGpsReceiver({ outages: [{ from: 0, to: 1, what: 'gone' as 'all' }] })).toThrow(/what must be/);
  });
});

describe('simulated GPS receiver: driving it', () => {
  it('gives the same events asked for in small steps as all at once, and in time order', () => {
    const options = { seed: 9, sentences: ['RMC', 'GGA', 'ZDA'] as const, nmeaDelay: 0.9, nmeaJitter: 0.2, ppsJitter: 0.01 };
    const whole = events({ ...options, sentences: [...options.sentences] }, 200);
    const receiver = createGpsReceiver({ epoch: EPOCH, ...options, sentences: [...options.sentences] });
    const stepped: GpsEvent[] = [];
    for (let t = -1; t <= 200; t += 0.0371) stepped.push(...receiver.eventsUntil(t));
    stepped.push(...receiver.eventsUntil(200));
    expect(stepped).toEqual(whole);
    for (let i = 1; i < whole.length; i++) expect(whole[i].time).toBeGreaterThanOrEqual(whole[i - 1].time);
    // Late sentences overlap the next pulse, yet come in time order.
    expect(whole.some((e, i) => i > 0 && e.kind === 'edge' && whole[i - 1].kind === 'serial' && whole[i + 1]?.kind === 'serial')).toBe(true);
  });

  it('says when its next event is, and does not hang through a long outage', () => {
    const receiver = createGpsReceiver({ epoch: EPOCH, outages: [{ from: 5, to: Infinity, what: 'all' }] });
    let count = 0;
    for (let i = 0; i < 1000; i++) {
      const next = receiver.nextTime();
      if (next > 5) break;
      expect(receiver.eventsUntil(next - 1e-9)).toEqual([]);
      const got = receiver.eventsUntil(next);
      expect(got.length).toBeGreaterThan(0);
      expect(got[0].time).toBe(next);
      count += got.length;
    }
    expect(count).toBe(events({ outages: [{ from: 5, to: Infinity, what: 'all' }] }, 100).length);
    // Nothing more: each answer is a time to ask again, further on, found in bounded work.
    let asked = 5;
    for (let i = 0; i < 100; i++) {
      const later = receiver.nextTime();
      expect(later).toBeGreaterThan(asked);
      expect(later).toBeLessThan(asked + 20);
      expect(receiver.eventsUntil(later)).toEqual([]);
      asked = later;
    }
    expect(asked).toBeGreaterThan(100);
  });

  it('skips a backlog', () => {
    const receiver = createGpsReceiver({ epoch: EPOCH });
    receiver.eventsUntil(3);
    receiver.skipTo(1000.2);
    const got = receiver.eventsUntil(1002);
    expect(got[0].time).toBeGreaterThanOrEqual(1000.2);
    expect(got.filter((e) => e.kind === 'edge' && e.level === 1).map((e) => e.second)).toEqual([1001, 1002]);
    expect(got).toEqual(events({}, 1002).filter((e) => e.time >= 1000.2));
  });

  it('is reproducible from its seed', () => {
    expect(events({ seed: 4 }, 30)).toEqual(events({ seed: 4 }, 30));
    expect(events({ seed: 4 }, 30)).not.toEqual(events({ seed: 5 }, 30));
  });

  it('is wired where board/espruino/ESP32.json says', () => {
    const board = JSON.parse(fs.readFileSync(path.join(__dirname, '../../board/espruino/ESP32.json'), 'utf8'));
    const { uart, rx, tx, baud, pps } = board.ntpAppliance.gps;
    expect(ESP32_GPS_WIRING).toEqual({ uart, rx, tx, baud, pps });
  });
});

describe('UART at the wrong speed', () => {
  const text = chunks(events({ sentences: ['RMC', 'GGA', 'ZDA'] }, 60)).map((e) => e.chunk);

  it('reads the bytes unchanged when the speeds agree to a fraction of a bit', () => {
    for (const chunk of text) {
      expect(uartRead(chunk, 9600, 9600)).toBe(chunk);
      expect(uartRead(chunk, 9600, 9600 * 1.002)).toBe(chunk);
      expect(uartRead(chunk, 9600, 9600 / 1.002)).toBe(chunk);
    }
  });

  it('reads garbage the NMEA reader rejects at another speed', () => {
    for (const uartBaud of [4800, 19200, 38400, 115200, 9600 * 1.1]) {
      const reader = nmea.create(() => {});
      let bytes = 0;
      let sent = 0;
      for (const chunk of text) {
        const got = uartRead(chunk, 9600, uartBaud);
        bytes += got.length;
        sent += chunk.length;
        nmea.feed(reader, got);
      }
      expect(reader.counts[nmea.ACCEPTED], `at ${uartBaud}`).toBe(0);
      expect(bytes, `at ${uartBaud}`).toBeGreaterThan(sent / 10);
      // A slower UART reads fewer bytes than were sent, a faster one more.
      if (uartBaud < 9600) expect(bytes).toBeLessThan(sent);
      if (uartBaud >= 19200) expect(bytes).toBeGreaterThan(sent);
    }
  });
});
