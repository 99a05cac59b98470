// Statistics fed by the real sync manager in the simulator: chrony's
// measurements and tracking lines, and a history ring that stays bounded over
// more hours than it holds.
import { describe, expect, it } from 'vitest';
import * as commands from '../../src/console/commands';
import { HISTORY_SLOTS, HISTORY_STEP } from '../../src/stats/history';
import { logText } from '../../src/stats/logtext';
import { LOG_LINES } from '../../src/stats/statistics';
import { DEFAULT_EPOCH, runSimulation } from './engine';

// chrony's printf formats, as regular expressions (ntp_core.c and reference.c).
const E = '[ -]\\d\\.\\d{3}e[+-]\\d{2}';
const MEASUREMENT = new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d 192\\.0\\.2\\.1 {7}N  1 111 111 1111  [ \\d]\\d [ \\d]\\d -?\\d\\.\\d\\d (${E} ){5}[0-9A-F]{8} 4B D D$`);
const TRACKING = new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d 192\\.0\\.2\\.1 {7} 2 [ \\d-]{6}\\.\\d{3} [ \\d]{6}\\.\\d{3} ${E} N  1 (${E} ){4}${E}$`);

describe('statistics from the sync manager', () => {
  const duration = 4 * 3600;
  const { app } = runSimulation({
    duration,
    config: 'server 192.0.2.1 minpoll 6 maxpoll 6\nmakestep 1 3\n',
    crystal: { offset: 0.05, freq: 30e-6, wander: 0 },
    servers: [{ address: '192.0.2.1' }],
    network: { baseDelay: 1e-4, jitter: 1e-5 },
  }, 1);
  const stats = app.statistics;

  it('logs each measurement and clock update in chrony\'s line formats, the newest LOG_LINES kept', () => {
    const measurements = logText(stats, 'measurements', -1)!.split('\n').slice(3, -1);
    const tracking = logText(stats, 'tracking', -1)!.split('\n').slice(3, -1);
    expect(measurements).toHaveLength(LOG_LINES);
    expect(tracking).toHaveLength(LOG_LINES);
    expect(stats.measurements!.dropped).toBeGreaterThan(100);
    for (const line of measurements) expect(line).toMatch(MEASUREMENT);
    for (const line of tracking) expect(line).toMatch(TRACKING);
    // Lines come oldest first, a second or more apart.
    for (let i = 1; i < tracking.length; i++) expect(tracking[i].substring(0, 19) > tracking[i - 1].substring(0, 19)).toBe(true);
    // Once settled, the crystal's 30 ppm shows in the Freq ppm column.
    const freq = Number(tracking[LOG_LINES - 1].substring(39, 49));
    expect(freq).toBeCloseTo(30, 0);
    expect(commands.run(app, 'log measurements 3').split('\n').slice(3, -1)).toEqual(measurements.slice(-3));
  });

  it('keeps a history of the last HISTORY_SLOTS steps, in order, bounded', () => {
    const h = stats.history!;
    expect(h.count).toBe(HISTORY_SLOTS);
    expect(h.times).toHaveLength(HISTORY_SLOTS);
    let previous = 0;
    for (let i = 0; i < h.count; i++) {
      const slot = (h.newest - h.count + 1 + i + HISTORY_SLOTS) % HISTORY_SLOTS;
      expect(h.times[slot]).toBeGreaterThan(previous);
      previous = h.times[slot];
      expect(Math.abs(h.offsets[slot])).toBeLessThan(1e-3);
      expect(h.strata[slot]).toBe(2);
    }
    // The newest slot is from the last minutes of the run; the ring spans about HISTORY_SLOTS steps.
    expect(previous).toBeGreaterThan(DEFAULT_EPOCH + duration - 2 * HISTORY_STEP);
  });
});
