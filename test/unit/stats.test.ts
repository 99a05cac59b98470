// The clock's history ring and the chrony-style logs.
import { describe, expect, it } from 'vitest';
import * as history from '../../src/stats/history';
import { exponent3, logText, logTime, MEASUREMENTS_HEADER, TRACKING_HEADER } from '../../src/stats/logtext';
import * as recordLog from '../../src/stats/recordlog';
import * as statistics from '../../src/stats/statistics';
import { MeasurementBits, MeasurementWord, TrackingBits, TrackingWord } from '../../src/stats/statistics';

const T0 = 1_800_000_000;

function rows(h: history.History): string[][] {
  return history.toCsv(h).trim().split('\n').slice(1).map((line) => line.split(','));
}

describe('history ring', () => {
  const S = history.HISTORY_STEP;

  it('keeps one entry per HISTORY_STEP, the last update of the step winning', () => {
    const h = history.create(8);
    const step = T0 - (T0 % S);
    history.record(h, step + 1, 1e-3, 5, 0.01, 2);
    history.record(h, step + S - 4, 2e-3, 6, 0.02, 3);
    history.record(h, step + S + 6, -4e-6, 7, 0.03, 1);
    expect(rows(h)).toEqual([
      [String(step + S - 4), '0.002', '6', '0.02', '3'],
      [String(step + S + 6), '-0.000004', '7', '0.03', '1'],
    ]);
    expect(h.count).toBe(2);
  });

  it('drops the oldest when full, keeps order, and never grows', () => {
    const h = history.create(5);
    expect(h.times).toBeNull(); // nothing allocated before the first record
    history.record(h, T0 - S, 0, 0, 0, 0);
    const before = [h.times, h.offsets, h.freqPpm, h.distances, h.strata];
    for (let i = 0; i < 23; i++) history.record(h, T0 + i * S, i * 1e-6, i, 0.001 * i, i % 16);
    const times = rows(h).map((r) => Number(r[0]));
    expect(times).toEqual([18, 19, 20, 21, 22].map((i) => T0 + i * S));
    expect(rows(h).map((r) => Number(r[2]))).toEqual([18, 19, 20, 21, 22]);
    expect([h.times, h.offsets, h.freqPpm, h.distances, h.strata]).toEqual(before);
    expect(h.times.length).toBe(5);
  });

  it('writes numbers compactly, exactly enough for a chart', () => {
    expect(history.compact(0)).toBe('0');
    expect(history.compact(1000)).toBe('1000');
    expect(history.compact(100)).toBe('100');
    expect(history.compact(1.5)).toBe('1.5');
    expect(history.compact(-1.234567e-7)).toBe('-1.235e-7');
    expect(history.compact(1.2e-7)).toBe('1.2e-7');
    expect(history.compact(NaN)).toBe('NaN');
  });

  it('an empty ring is just the header', () => {
    expect(history.toCsv(history.create(4))).toBe('time,offset,freq_ppm,distance,stratum\n');
  });
});

describe('logs', () => {
  it('print chrony\'s banner and the last N records\' lines, dropping the oldest past capacity', () => {
    const stats = { ...statistics.create(), tracking: recordLog.create(3, TrackingWord.Size) };
    expect(stats.tracking.words).toBeNull(); // nothing allocated before the first record
    for (let i = 1; i <= 5; i++) {
      const at = recordLog.add(stats.tracking);
      stats.tracking.words[at + TrackingWord.Time] = T0 + i;
      stats.tracking.words[at + TrackingWord.Name] = 0xc0000201;
      stats.tracking.words[at + TrackingWord.Packed] = 2 << TrackingBits.Stratum | 1 << TrackingBits.Combined;
      stats.tracking.figures[at + TrackingWord.FreqPpm] = -12.5;
    }
    const rule = '='.repeat(TRACKING_HEADER.length);
    const line = (i: number) => logTime(T0 + i) + ' 192.0.2.1        2    -12.500      0.000  0.000e+00 N  1  0.000e+00  0.000e+00  0.000e+00  0.000e+00  0.000e+00';
    expect(logText(stats, 'tracking', -1)).toBe(`${rule}\n${TRACKING_HEADER}\n${rule}\n${line(3)}\n${line(4)}\n${line(5)}\n`);
    expect(logText(stats, 'tracking', 1)).toBe(`${rule}\n${TRACKING_HEADER}\n${rule}\n${line(5)}\n`);
    expect(logText(stats, 'tracking', 0)).toBe(`${rule}\n${TRACKING_HEADER}\n${rule}\n`);
    expect(logText(stats, 'tracking', 99)!.split('\n')).toHaveLength(3 + 3 + 1);
    expect(logText(stats, 'statistics', 1)).toBeNull();
    expect(stats.tracking.count).toBe(3);
    expect(stats.tracking.dropped).toBe(2);
  });

  it('a measurement keeps its small numbers exactly, polls from -32 to 31 included', () => {
    const stats = statistics.create();
    statistics.ensure(stats);
    const measurements = stats.measurements!;
    const at = recordLog.add(measurements);
    const words = measurements.words;
    words[at + MeasurementWord.Time] = T0;
    words[at + MeasurementWord.Address] = 0x0a000001;
    words[at + MeasurementWord.ReferenceId] = 0x47505300;
    words[at + MeasurementWord.Packed] = 3 << MeasurementBits.Leap | 16 << MeasurementBits.Stratum | 4 << MeasurementBits.Mode |
      0x3ff << MeasurementBits.Tests | 0 << MeasurementBits.OurPoll | 63 << MeasurementBits.PeerPoll;
    measurements.figures[at + MeasurementWord.Score] = 0.25;
    measurements.figures[at + MeasurementWord.Offset] = -4.966e-3;
    expect(logText(stats, 'measurements', 1)!.split('\n')[3]).toBe(logTime(T0) +
      ' 10.0.0.1        ? 16 111 111 1111  -32 31 0.25 -4.966e-03  0.000e+00  0.000e+00  0.000e+00  0.000e+00 47505300 4B D D');
  });

  it('headers are chrony\'s column names', () => {
    expect(MEASUREMENTS_HEADER).toMatch(/^ {3}Date \(UTC\) Time {5}IP Address {3}L St 123 567 ABCD {2}LP RP Score {4}Offset {2}Peer del\. Peer disp\. {2}Root del\. Root disp\. Refid {5}MTxRx$/);
    expect(TRACKING_HEADER).toMatch(/^ {3}Date \(UTC\) Time {5}IP Address {3}St {3}Freq ppm {3}Skew ppm {5}Offset L Co {2}Offset sd Rem\. corr\. Root delay Root disp\. Max\. error$/);
  });

  it('formats times and numbers as chrony\'s C printf does', () => {
    expect(logTime(0)).toBe('1970-01-01 00:00:00');
    expect(logTime(1_700_000_000.9)).toBe('2023-11-14 22:13:20');
    expect(exponent3(-4.966e-3)).toBe('-4.966e-03');
    expect(exponent3(2.296e-1)).toBe(' 2.296e-01');
    expect(exponent3(0)).toBe(' 0.000e+00');
    expect(exponent3(1.5e12)).toBe(' 1.500e+12');
    expect(exponent3(1e-100)).toBe('1.000e-100'); // 10 is a minimum width
    expect(exponent3(Infinity)).toBe('  Infinity');
  });
});
