/**
 * The simulator's GPS receiver: wired to the platform's UART and pin watches
 * as on the appliance's board, edges timestamped at the edge (not when the
 * busy CPU gets to them), bytes garbled at a wrong baud rate, and scheduled
 * lazily so that long runs stay cheap.
 */
import { describe, expect, it } from 'vitest';
import { createGpsReceiver } from '../../board/virtual/gps-receiver.mjs';
import type { GpsEvent } from '../../board/virtual/gps-receiver.mjs';
import * as nmea from '../../src/refclock/nmea';
import { runSimulation, Simulation } from './engine';
import type { SimSpec } from './engine';

const FREQ = 50e-6;
const OFFSET = 0.01;

function spec(gps: SimSpec['gps'] = {}): SimSpec {
  return { duration: 0, config: '', crystal: { offset: OFFSET, freq: FREQ }, servers: [], network: {}, gps };
}

/** The receiver's events as the engine's own would give them (same options, same derived seed). */
function replica(sim: Simulation, until: number): GpsEvent[] {
  return createGpsReceiver({ ...sim.gps!.options, outages: [...sim.gps!.options.outages], stale: [...sim.gps!.options.stale] }).eventsUntil(until);
}

/** True time of a raw reading of the spec's crystal (no wander: raw = epoch + t + OFFSET + FREQ·t). */
function trueTimeOf(sim: Simulation, raw: number): number {
  return (raw - sim.epoch - OFFSET) / (1 + FREQ);
}

describe('GPS receiver in the simulator', () => {
  it('timestamps each edge at the edge, however late the busy CPU runs its handler', () => {
    const sim = new Simulation(spec({ ppsJitter: 1e-6 }), 3);
    const seen: { edge: string; raw: number; ranAt: number }[] = [];
    sim.platform.watchPin('D4', 'rising', (raw) => seen.push({ edge: 'rising', raw, ranAt: sim.now }));
    sim.platform.watchPin('D4', 'falling', (raw) => seen.push({ edge: 'falling', raw, ranAt: sim.now }));
    sim.platform.watchPin('D5', 'rising', () => seen.push({ edge: 'D5', raw: 0, ranAt: sim.now }));
    // Every third second the CPU is busy 50 ms across the pulse.
    for (let k = 3; k < 100; k += 3) {
      sim.at(k - 0.001, () => {
        sim.now += 0.05;
      });
    }
    sim.runUntil(100, 0, () => {});
    const expected = replica(sim, 100).filter((e) => e.kind === 'edge');
    expect(seen).toHaveLength(expected.length);
    expect(seen.length).toBe(2 * 100 + 1);
    let late = 0;
    seen.forEach((got, i) => {
      const edge = expected[i];
      expect(got.edge).toBe(edge.kind === 'edge' && edge.level === 1 ? 'rising' : 'falling');
      // Within a double's resolution at today's Unix time.
      expect(Math.abs(trueTimeOf(sim, got.raw) - edge.time)).toBeLessThan(1e-6);
      expect(got.ranAt).toBeGreaterThanOrEqual(edge.time);
      if (got.ranAt - edge.time > 0.04) late++;
    });
    expect(late).toBe(33);
    expect(sim.gpsTraffic.edgesWatched).toBe(seen.length);
  });

  it('delivers the NMEA to a UART opened on D16 at the receiver\'s baud, in order, when due', () => {
    const sim = new Simulation(spec({ sentences: ['RMC', 'GGA', 'ZDA'] }), 4);
    let text = '';
    const fixes: number[] = [];
    const reader = nmea.create((fix) => {
      if (fix.kind === 'RMC') fixes.push(fix.unixSeconds - sim.epoch);
      // The sentences of second s are complete within its second.
      expect(sim.now - (fix.secondsOfDay - (sim.epoch % 86400))).toBeGreaterThan(0);
      expect(sim.now - (fix.secondsOfDay - (sim.epoch % 86400))).toBeLessThan(1);
    });
    sim.platform.serialOpen(9600, 'D16', 'D17', (chunk) => {
      text += chunk;
      nmea.feed(reader, chunk);
    });
    sim.runUntil(60.99, 0, () => {});
    const expected = replica(sim, 60.99).filter((e) => e.kind === 'serial');
    expect(text).toBe(expected.map((e) => (e.kind === 'serial' ? e.chunk : '')).join(''));
    expect(reader.counts[nmea.ACCEPTED]).toBe(3 * 61);
    expect(fixes).toEqual(Array.from({ length: 61 }, (_, k) => k));
    expect(sim.gpsTraffic.unheard).toBe(0);
  });

  it('delivers nothing to a UART on the wrong pin, and garbage at the wrong baud', () => {
    const swapped = new Simulation(spec(), 5);
    let heard = '';
    swapped.platform.serialOpen(9600, 'D17', 'D16', (chunk) => (heard += chunk));
    swapped.runUntil(10, 0, () => {});
    expect(heard).toBe('');
    expect(swapped.gpsTraffic.unheard).toBeGreaterThan(50);

    const slow = new Simulation(spec(), 5);
    const reader = nmea.create(() => {});
    let bytes = 0;
    slow.platform.serialOpen(4800, 'D16', 'D17', (chunk) => {
      bytes += chunk.length;
      nmea.feed(reader, chunk);
    });
    slow.runUntil(10, 0, () => {});
    expect(bytes).toBeGreaterThan(300);
    expect(reader.counts[nmea.ACCEPTED]).toBe(0);
  });

  it('stops calling a watch once unwatched', () => {
    const sim = new Simulation(spec(), 6);
    let count = 0;
    const id = sim.platform.watchPin('D4', 'rising', () => count++);
    sim.runUntil(5.5, 0, () => {});
    expect(count).toBe(6);
    sim.platform.unwatchPin(id);
    sim.runUntil(10.5, 6, () => {});
    expect(count).toBe(6);
  });

  it('takes outages in simulated seconds', () => {
    const sim = new Simulation(spec({ outages: [{ from: 20, to: 30, what: 'all' }] }), 7);
    const pulses: number[] = [];
    sim.platform.watchPin('D4', 'rising', (raw) => pulses.push(Math.round(trueTimeOf(sim, raw)) + 0)) // + 0: no -0;
    sim.runUntil(40.5, 0, () => {});
    expect(pulses).toEqual(Array.from({ length: 41 }, (_, k) => k).filter((k) => k < 20 || k >= 30));
  });

  it('draws on its own random stream, seeded from the run\'s seed', () => {
    const draws = (sim: Simulation) => Array.from({ length: 5 }, () => sim.platform.random());
    const withGps = new Simulation(spec(), 8);
    const without = new Simulation({ ...spec(), gps: undefined }, 8);
    expect(without.gps).toBeNull();
    expect(draws(withGps)).toEqual(draws(without));
    expect(withGps.crystal.read(1)).toBe(without.crystal.read(1));
    expect(new Simulation(spec(), 8).gps!.options.seed).toBe(withGps.gps!.options.seed);
    expect(new Simulation(spec(), 9).gps!.options.seed).not.toBe(withGps.gps!.options.seed);
  });

  it('keeps only about a second of the receiver on the queue, so long runs stay cheap', () => {
    const sim = new Simulation(spec({ sentences: ['RMC', 'GGA', 'GSV'] }), 10);
    let bytes = 0;
    sim.platform.serialOpen(9600, 'D16', 'D17', (chunk) => (bytes += chunk.length));
    let largest = 0;
    sim.runUntil(3600, 0, () => {
      largest = Math.max(largest, sim.queue.size);
    });
    expect(largest).toBeLessThan(100);
    expect(bytes / 3600).toBeGreaterThan(300);
  });

  it('runs the appliance with a receiver attached', () => {
    const result = runSimulation({ ...spec({ sentences: ['RMC', 'GGA'] }), duration: 600, config: 'local stratum 5\n' }, 11);
    const edges = replica(result.sim, 600).filter((e) => e.kind === 'edge').length;
    expect(edges).toBeGreaterThanOrEqual(2 * 600);
    expect(result.sim.gpsTraffic.edges).toBe(edges);
    expect(result.offsets.length).toBe(601);
  });
});
