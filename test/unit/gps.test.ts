// The GPS reference clock's driver: pulses paired with the NMEA time that
// labels them, the locked second count, and the sample filter.
import { describe, expect, it } from 'vitest';
import * as localClock from '../../src/clock/local';
import * as configuration from '../../src/config/parse';
import * as configTypes from '../../src/config/types';
import * as filter from '../../src/refclock/filter';
import * as counters from '../../src/refclock/counters';
import * as gps from '../../src/refclock/gps';

const START = 1_800_000_000; // 2027-01-15, a whole second

function checksum(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i);
  return (sum < 16 ? '0' : '') + sum.toString(16).toUpperCase();
}

function sentence(body: string): string {
  return '$' + body + '*' + checksum(body) + '\r\n';
}

function two(n: number): string {
  return (n < 10 ? '0' : '') + n;
}

export function rmc(unix: number, valid = true): string {
  const d = new Date(unix * 1000);
  const time = two(d.getUTCHours()) + two(d.getUTCMinutes()) + two(d.getUTCSeconds()) + '.00';
  const date = two(d.getUTCDate()) + two(d.getUTCMonth() + 1) + two(d.getUTCFullYear() % 100);
  return sentence('GNRMC,' + time + ',' + (valid ? 'A' : 'V') + ',4807.038,N,01131.000,E,0.0,0.0,' + date + ',,,' + (valid ? 'A' : 'N'));
}

export function gga(unix: number, quality = 1, satellites = 9): string {
  const d = new Date(unix * 1000);
  const time = two(d.getUTCHours()) + two(d.getUTCMinutes()) + two(d.getUTCSeconds()) + '.00';
  return sentence('GPGGA,' + time + ',4807.038,N,01131.000,E,' + quality + ',' + two(satellites) + ',0.9,545.4,M,46.9,M,,');
}

/**
 * A receiver and a crystal: raw = true × (1 + ppm) + phase. Each second S
 * pulses at S (true) and sends RMC and GGA for `label(S)` ending `delay` later.
 */
function rig(options: Partial<configTypes.RefclockOptions> = {}, ppm = 30, phase = 0.4) {
  let raw = 0;
  const clock = localClock.create(() => raw);
  const logs: string[] = [];
  const driver = gps.create(Object.assign(configTypes.defaultRefclockOptions(), options), clock, (m) => logs.push(m));
  const rawAt = (trueTime: number) => (trueTime - START) * (1 + ppm * 1e-6) + phase + START;
  const samples: { time: number; offset: number }[] = [];
  /** The filter's content, drained: samples as (ideal local time, reference − it). */
  function drain() {
    const f = driver.filter;
    for (let i = 0; i < f.count; i++) {
      const slot = (f.first + i) % f.times.length;
      samples.push({ time: f.times[slot], offset: f.offsets[slot] });
    }
    filter.clear(f);
  }
  function second(s: number, what: { pulse?: boolean; label?: number | null; delay?: number; valid?: boolean } = {}) {
    if (what.pulse !== false) {
      raw = rawAt(s);
      gps.pulse(driver, raw);
    }
    const label = what.label === undefined ? s : what.label;
    if (label !== null) {
      raw = rawAt(s + (what.delay ?? 0.35));
      gps.feed(driver, rmc(label, what.valid ?? true) + gga(label, what.valid === false ? 0 : 1), raw);
    }
    drain();
  }
  /** The true offset of the reference from the raw-driven clock at true time t (what a sample should say). */
  const truth = (t: number) => t - localClock.idealTime(clock, rawAt(t));
  return { driver, clock, second, samples, truth, logs, rawAt };
}

describe('GPS pairing', () => {
  it('locks the second count after three agreeing labels, then every pulse is a sample', () => {
    const r = rig();
    for (let s = START; s < START + 10; s++) r.second(s);
    expect(r.driver.locked).toBe(true);
    // Locked at the third pulse: pulses 4..10 are samples.
    expect(r.samples.length).toBe(7);
    for (let i = 0; i < r.samples.length; i++) {
      const t = START + 3 + i;
      expect(Math.abs(r.samples[i].offset - r.truth(t))).toBeLessThan(1e-9);
    }
    expect(r.driver.counts[counters.UNLABELLED]).toBe(3);
    expect(r.driver.counts[counters.PAIRED]).toBe(7);
    // Raw times here are Unix-sized: a double resolves them to 0.24 µs.
    expect(Math.abs(r.driver.learnedDelay - 0.35 * (1 + 30e-6))).toBeLessThan(5e-7);
  });

  it('adds the configured offset to every pulse sample', () => {
    const r = rig({ offset: 250e-9 });
    for (let s = START; s < START + 6; s++) r.second(s);
    expect(r.samples.length).toBeGreaterThan(0);
    for (const sample of r.samples) expect(Math.abs(sample.offset - r.truth(Math.round(sample.time - 0.4)) - 250e-9)).toBeLessThan(5e-7);
  });

  it('rejects a whole-second-stale episode and keeps serving the locked count', () => {
    const r = rig();
    for (let s = START; s < START + 10; s++) r.second(s);
    for (let s = START + 10; s < START + 40; s++) r.second(s, { label: s - 1 });
    for (let s = START + 40; s < START + 50; s++) r.second(s);
    // The first stale second repeats the label before it, which labels nothing: 29 rejected.
    expect(r.driver.counts[counters.STALE]).toBe(29);
    expect(r.driver.counts[counters.RELOCKS]).toBe(0);
    expect(r.samples.length).toBe(47);
    for (const sample of r.samples) expect(Math.abs(sample.offset - r.truth(Math.round(sample.time - 0.4)))).toBeLessThan(1e-9);
  });

  it('follows a receiver whose labels disagree for RELOCK_AFTER seconds in a row', () => {
    const r = rig();
    for (let s = START; s < START + 5; s++) r.second(s);
    for (let s = START + 5; s < START + 5 + gps.RELOCK_AFTER + 3; s++) r.second(s, { label: s + 1 });
    expect(r.driver.counts[counters.RELOCKS]).toBe(1);
    expect(r.logs.join()).toMatch(/following it/);
    const last = r.samples[r.samples.length - 1];
    // Now a second ahead of the truth: what the receiver insists on.
    expect(last.offset - r.truth(START + 4 + gps.RELOCK_AFTER + 3)).toBeCloseTo(1, 6);
  });

  it('gives no samples from pulses whose labels never agree', () => {
    const r = rig();
    for (let s = START; s < START + 20; s++) r.second(s, { label: s % 2 === 0 ? s : s + 5 });
    expect(r.driver.locked).toBe(false);
    expect(r.samples.length).toBe(0);
  });

  it('keeps the count through missing sentences (PPS-only holdover)', () => {
    const r = rig();
    for (let s = START; s < START + 5; s++) r.second(s);
    for (let s = START + 5; s < START + 300; s++) r.second(s, { label: null });
    expect(r.driver.locked).toBe(true);
    expect(r.samples.length).toBe(2 + 295);
    const last = r.samples[r.samples.length - 1];
    expect(Math.abs(last.offset - r.truth(START + 299))).toBeLessThan(1e-9);
  });

  it('skips glitch edges between pulses', () => {
    const r = rig();
    for (let s = START; s < START + 5; s++) r.second(s);
    for (let s = START + 5; s < START + 10; s++) {
      r.second(s);
      gps.pulse(r.driver, r.rawAt(s + 0.5));
    }
    expect(r.driver.counts[counters.BAD_PULSES]).toBe(5);
    expect(r.driver.locked).toBe(true);
    for (const sample of r.samples) expect(Math.abs(sample.offset - r.truth(Math.round(sample.time - 0.4)))).toBeLessThan(1e-9);
  });

  it('takes sentences alone as coarse samples when the pulses stop, with the delay learned from them', () => {
    const r = rig();
    for (let s = START; s < START + 10; s++) r.second(s);
    const before = r.samples.length;
    for (let s = START + 10; s < START + 20; s++) r.second(s, { pulse: false });
    const coarse = r.samples.slice(before);
    // The first second after the last pulse still pairs with nothing: 2 s of silence make it NMEA-only.
    expect(r.driver.counts[counters.NMEA_ONLY]).toBeGreaterThanOrEqual(8);
    expect(r.driver.filterHoldsPulses).toBe(false);
    for (const sample of coarse) {
      const t = Math.round(sample.time - 0.4 - 0.35);
      expect(Math.abs(sample.offset - r.truth(t))).toBeLessThan(1e-3);
    }
  });

  it('without pulses ever, uses nmeadelay, or 0 with a large dispersion', () => {
    const known = rig({ ppsPin: 'none', nmeaDelay: 0.35 });
    const guessed = rig({ ppsPin: 'none' });
    for (let s = START; s < START + 4; s++) {
      known.second(s, { pulse: false });
      guessed.second(s, { pulse: false });
    }
    expect(known.samples.length).toBe(4);
    expect(Math.abs(known.samples[3].offset - known.truth(START + 3))).toBeLessThan(1e-3);
    expect(Math.abs(guessed.samples[3].offset - guessed.truth(START + 3) + 0.35)).toBeLessThan(1e-3);
    expect(guessed.driver.filter.count).toBe(0);
  });

  it('does not believe a receiver that reports no fix, and its pulses lose worth with time', () => {
    const r = rig();
    for (let s = START; s < START + 5; s++) r.second(s);
    for (let s = START + 5; s < START + 65; s++) r.second(s, { valid: false });
    expect(r.driver.counts[counters.NO_FIX]).toBe(120);
    expect(r.driver.fixValid).toBe(false);
    // The pulses went on: samples with dispersion growing at PHI since the last fix.
    gps.pulse(r.driver, r.rawAt(START + 65));
    const slot = (r.driver.filter.first + r.driver.filter.count - 1) % r.driver.filter.times.length;
    const precision = Math.pow(2, r.clock.precisionLog2);
    expect(r.driver.filter.dispersions[slot] - precision).toBeGreaterThan(60 * localClock.DISPERSION_RATE);
  });

  it('reports quality and satellites from GGA', () => {
    const r = rig();
    r.second(START);
    expect(r.driver.fixQuality).toBe(1);
    expect(r.driver.satellites).toBe(9);
    expect(r.driver.talker).toBe('GP');
  });
});

describe('refclock filter', () => {
  it('fits through drift and drops outliers', () => {
    const f = filter.create(16);
    const t0 = START;
    for (let i = 0; i < 16; i++) {
      let offset = 1e-3 + 30e-6 * i + (i % 2 ? 1e-6 : -1e-6);
      if (i === 3) offset += 5e-3;
      if (i === 11) offset -= 2e-3;
      filter.add(f, t0 + i, offset, 1e-6);
    }
    const out = filter.reduce(f)!;
    expect(out.used).toBe(16);
    expect(out.kept).toBe(10);
    expect(Math.abs(out.offset - (1e-3 + 30e-6 * (out.time - t0)))).toBeLessThan(2e-6);
    expect(out.dispersion).toBeLessThan(5e-6);
    expect(f.count).toBe(0);
    expect(filter.reduce(f)).toBeNull();
  });

  it('keeps only the newest samples when full, and follows clock corrections', () => {
    const f = filter.create(4);
    for (let i = 0; i < 6; i++) filter.add(f, START + i, i * 1e-3, 0);
    expect(f.count).toBe(4);
    filter.applyCorrection(f, START + 5, 1e-3, 0);
    const out = filter.reduce(f)!;
    // Samples 2..5 remain, each moved 1 ms later on the corrected scale with 1 ms less offset.
    expect(out.time).toBeGreaterThan(START + 2);
    expect(out.offset).toBeCloseTo((out.time - 0.001 - START) * 1e-3 - 1e-3, 9);
  });
});

describe('refclock directive', () => {
  it('parses chrony-like options', () => {
    const parsed = configuration.parse('refclock GPS pps D5 edge falling rx D18 tx D19 baud 38400 offset 0.0001 delay 0.0002 nmeadelay 0.3 poll 3 filter 8 prefer\n');
    expect(parsed.errors).toEqual([]);
    expect(parsed.config.refclock).toEqual({
      baud: 38400, rxPin: 'D18', txPin: 'D19', ppsPin: 'D5', ppsEdge: 'falling', offset: 0.0001, delay: 0.0002, nmeaDelay: 0.3,
      pollLog2: 3, filterLength: 8, prefer: true, noselect: false,
    });
    expect(configuration.parse('refclock gps pps none').config.refclock!.ppsPin).toBe('none');
  });

  it('refuses bad lines with their number and keeps the rest', () => {
    const parsed = configuration.parse('refclock SHM 0\nrefclock GPS edge up\nrefclock GPS baud 12\nrefclock GPS pps 4\nrefclock GPS poll\nrefclock GPS\nrefclock GPS\n');
    expect(parsed.errors.map((e) => e.line)).toEqual([1, 2, 3, 4, 5, 7]);
    expect(parsed.errors[0].message).toMatch(/GPS/);
    expect(parsed.errors[5].message).toMatch(/only one/);
    expect(parsed.config.refclock).not.toBeNull();
  });
});
