/**
 * The simulator itself, so that its verdicts on the core can be trusted:
 * the crystal, wander and temperature models, the delay model's mean,
 * asymmetry and loss, the event queue, raw-time timers, the servers' replies,
 * determinism, and a free-running core clock showing exactly the crystal's
 * error in the metrics.
 */
import { describe, expect, it } from 'vitest';
import * as header from '../../src/ntp/header';
import { Crystal } from './crystal';
import { runSimulation, Simulation } from './engine';
import type { SimSpec } from './engine';
import { score, syncTime } from './metrics';
import { Network } from './network';
import { EventQueue } from './queue';
import { createRandom } from './random';
import { decodeTimestamp, NtpServer, timestamp } from './server';

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function std(values: number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((a, b) => a + (b - m) * (b - m), 0) / (values.length - 1));
}

describe('random streams', () => {
  it('are reproducible, independent per stream, and have the right moments', () => {
    const a = createRandom(7, 1);
    const b = createRandom(7, 1);
    const c = createRandom(7, 2);
    const d = createRandom(8, 1);
    const xs: number[] = [];
    const ns: number[] = [];
    const es: number[] = [];
    for (let i = 0; i < 100000; i++) {
      const x = a.uniform();
      expect(x).toBe(b.uniform());
      xs.push(x);
      ns.push(d.normal());
      es.push(d.exponential());
    }
    expect(c.uniform()).not.toBe(createRandom(7, 1).uniform());
    expect(xs.reduce((a, b) => Math.min(a, b))).toBeGreaterThanOrEqual(0);
    expect(xs.reduce((a, b) => Math.max(a, b))).toBeLessThan(1);
    expect(mean(xs)).toBeCloseTo(0.5, 2);
    expect(mean(ns)).toBeCloseTo(0, 2);
    expect(std(ns)).toBeCloseTo(1, 1.5);
    expect(mean(es)).toBeCloseTo(1, 1.5);
    expect(std(es)).toBeCloseTo(1, 1.5);
  });
});

describe('event queue', () => {
  it('pops in time order, ties first in first out, and skips cancelled events', () => {
    const queue = new EventQueue();
    const random = createRandom(3);
    const order: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const time = Math.floor(random.uniform() * 50);
      const event = queue.push(time, () => order.push(time * 10000 + i));
      if (i % 7 === 0) event.cancelled = true;
    }
    for (let event = queue.peek(); event; event = queue.peek()) {
      queue.pop();
      event.run();
    }
    expect(order.length).toBe(2000 - Math.ceil(2000 / 7));
    for (let i = 1; i < order.length; i++) expect(order[i]).toBeGreaterThan(order[i - 1]);
  });
});

describe('crystal', () => {
  it('without wander, advances at exactly 1 + freq from its initial offset', () => {
    const crystal = new Crystal({ offset: 0.1, freq: 1e-4 }, 0, createRandom(1));
    for (const t of [0, 0.5, 1, 1.25, 10, 999.999, 86400]) {
      expect(Math.abs(crystal.phaseAt(t) - (0.1 + 1e-4 * t))).toBeLessThan(1e-11);
    }
    const dated = new Crystal({ offset: 0.1, freq: 1e-4 }, 1735689600, createRandom(1));
    expect(dated.read(1000) - 1735689600 - 1000).toBeCloseTo(0.2, 6);
  });

  it('wanders by wander·N(0,1) per second: increments have mean 0 and deviation `wander`; the phase integrates the frequency', () => {
    const wander = 1e-9;
    const crystal = new Crystal({ freq: 1e-4, wander }, 0, createRandom(11));
    const steps: number[] = [];
    let previous = crystal.frequencyAt(0);
    let phase = 0;
    for (let k = 1; k <= 100000; k++) {
      phase += previous;
      const f = crystal.frequencyAt(k);
      steps.push(f - previous);
      previous = f;
      if (k % 10000 === 0) expect(crystal.phaseAt(k)).toBeCloseTo(phase, 9);
    }
    expect(Math.abs(mean(steps))).toBeLessThan(4 * wander / Math.sqrt(steps.length));
    expect(std(steps) / wander).toBeGreaterThan(0.98);
    expect(std(steps) / wander).toBeLessThan(1.02);
  });

  it('spreads the frequency of many crystals as a random walk: variance N·wander²', () => {
    const wander = 1e-8;
    const n = 400;
    const ends: number[] = [];
    for (let i = 0; i < 300; i++) {
      const crystal = new Crystal({ freq: 0, wander }, 0, createRandom(100 + i));
      const start = crystal.frequencyAt(0);
      ends.push(crystal.frequencyAt(n) - start);
    }
    const ratio = std(ends) / (wander * Math.sqrt(n));
    expect(ratio).toBeGreaterThan(0.85);
    expect(ratio).toBeLessThan(1.15);
  });

  it('adds the temperature-like sine term, evaluated once per second', () => {
    const crystal = new Crystal({ freq: 2e-5, temperature: { amplitude: 1e-6, period: 3600 } }, 0, createRandom(1));
    for (const k of [0, 1, 900, 1800, 2700, 3599, 5000]) {
      expect(crystal.frequencyAt(k + 0.5)).toBeCloseTo(2e-5 + 1e-6 * Math.sin((2 * Math.PI * k) / 3600), 15);
    }
  });
});

describe('network', () => {
  it('has mean base + jitter each way without asymmetry, never less than base', () => {
    const network = new Network({ baseDelay: 1e-4, jitter: 1e-4 }, createRandom(5));
    const up: number[] = [];
    const down: number[] = [];
    for (let i = 0; i < 100000; i++) {
      up.push(network.delay('up', i));
      down.push(network.delay('down', i));
    }
    expect(mean(up) / 2e-4).toBeCloseTo(1, 1.5);
    expect(mean(down) / 2e-4).toBeCloseTo(1, 1.5);
    expect(up.concat(down).reduce((a, b) => Math.min(a, b))).toBeGreaterThanOrEqual(1e-4);
    // Exponential jitter: its standard deviation equals its mean.
    expect(std(up) / 1e-4).toBeCloseTo(1, 1.5);
  });

  it('splits the jitter (1 − 2a) up and (1 + 2a) down for asymmetry a, as clknetsim', () => {
    const network = new Network({ baseDelay: 1e-4, jitter: 5e-4, asymmetry: 0.47 }, createRandom(6));
    const up: number[] = [];
    const down: number[] = [];
    for (let i = 0; i < 100000; i++) {
      up.push(network.delay('up', i));
      down.push(network.delay('down', i));
    }
    expect((mean(up) - 1e-4) / (0.06 * 5e-4)).toBeCloseTo(1, 1.5);
    expect((mean(down) - 1e-4) / (1.94 * 5e-4)).toBeCloseTo(1, 1.5);
    // The round trip's mean jitter is unchanged: 2·jitter.
    expect((mean(up) + mean(down) - 2e-4) / 1e-3).toBeCloseTo(1, 1.5);
  });

  it('loses the configured fraction of packets, and everything sent during an outage', () => {
    const lossy = new Network({ loss: 0.33 }, createRandom(8));
    let lost = 0;
    for (let i = 0; i < 100000; i++) if (lossy.delay('up', i) < 0) lost++;
    expect(lost / 100000).toBeCloseTo(0.33, 2);
    const link = new Network({ outage: { up: 1200, period: 10000 } }, createRandom(9));
    expect(link.delay('up', 0)).toBeGreaterThan(0);
    expect(link.delay('up', 1199.9)).toBeGreaterThan(0);
    expect(link.delay('up', 1200)).toBe(-1);
    expect(link.delay('down', 9999.9)).toBe(-1);
    expect(link.delay('down', 10000)).toBeGreaterThan(0);
    expect(link.delay('down', 31100)).toBeGreaterThan(0);
    expect(link.delay('down', 31300)).toBe(-1);
  });
});

describe('servers', () => {
  it('answer a mode 3 request with a mode 4 reply from their own clock', () => {
    const epoch = 1735689600;
    const request = String.fromCharCode(0x23, 0, 6, 0xec) + '\0'.repeat(36) + timestamp(epoch, 12.345678);
    const truechimer = new NtpServer({ address: '192.0.2.1' }, epoch);
    const reply = truechimer.reply(request, 12.5, 12.500001) as string;
    expect(reply.length).toBe(48);
    const h = header.decode(reply, 0);
    expect(h.mode).toBe(4);
    expect(h.version).toBe(4);
    expect(h.leap).toBe(0);
    expect(h.stratum).toBe(1);
    expect(h.pollLog2).toBe(6);
    expect(reply.substring(12, 16)).toBe('GPS\0');
    expect(reply.substring(24, 32)).toBe(request.substring(40, 48));
    expect(decodeTimestamp(reply, 32, epoch)).toBeCloseTo(12.5, 9);
    expect(decodeTimestamp(reply, 40, epoch)).toBeCloseTo(12.500001, 9);
    const falseticker = new NtpServer({ address: '192.0.2.2', offset: -0.5 }, epoch);
    expect(decodeTimestamp(falseticker.reply(request, 12.5, 12.5) as string, 32, epoch)).toBeCloseTo(12, 9);
    // Not a client request: no answer.
    expect(truechimer.reply(String.fromCharCode(0x24) + request.substring(1), 1, 1)).toBeNull();
    expect(new NtpServer({ address: '192.0.2.3', answers: false }, epoch).reply(request, 1, 1)).toBeNull();
  });
});

describe('platform', () => {
  const spec: SimSpec = {
    duration: 10,
    config: '',
    crystal: { offset: 0, freq: 5e-2 },
    servers: [{ address: '192.0.2.1' }],
    network: { baseDelay: 1e-3, jitter: 0 },
  };

  it('counts timer milliseconds on the crystal, and delivers replies after the delay model with the raw arrival time', () => {
    const sim = new Simulation(spec, 1);
    const fired: number[] = [];
    sim.platform.after(1000, () => fired.push(sim.now));
    const id = sim.platform.every(2000, () => fired.push(sim.now));
    let reply: { msg: string; from: { address: string; port: number }; raw: number; at: number } | null = null;
    const socket = sim.platform.udpBind(40000, (msg, from, raw) => {
      reply = { msg, from, raw, at: sim.now };
    }, () => {})!;
    const request = String.fromCharCode(0x23) + '\0'.repeat(39) + timestamp(sim.epoch, 0);
    socket.send(request, 123, '192.0.2.1');
    sim.runUntil(5, 0, () => {});
    sim.platform.cancelTimer(id);
    sim.runUntil(10, 6, () => {});
    expect(fired.length).toBe(3);
    expect(fired[0]).toBeCloseTo(1 / 1.05, 9);
    expect(fired[1]).toBeCloseTo(2 / 1.05, 9);
    expect(fired[2]).toBeCloseTo(4 / 1.05, 9);
    expect(reply).not.toBeNull();
    const r = reply as unknown as { msg: string; from: { address: string; port: number }; raw: number; at: number };
    expect(r.from).toEqual({ address: '192.0.2.1', port: 123 });
    // Delivered 2 ms after sending (1 ms each way); reading the raw clock cost 1 µs of CPU.
    expect(r.at).toBeCloseTo(2e-3 + 1e-6, 9);
    expect(r.raw).toBeCloseTo(sim.epoch + 2e-3 * 1.05, 6);
    expect(decodeTimestamp(r.msg, 32, sim.epoch)).toBeCloseTo(1e-3, 9);
    expect(() => socket.send(123 as unknown as string, 123, '192.0.2.1')).toThrow(/binary string/);
  });

  it('resolves dotted quads asynchronously and refuses names it does not know', () => {
    const sim = new Simulation({ ...spec, names: { 'time.example': '192.0.2.1' } }, 1);
    const answers: (string | null)[] = [];
    sim.platform.resolve('192.0.2.7', (a) => answers.push(a));
    sim.platform.resolve('time.example', (a) => answers.push(a));
    sim.platform.resolve('nowhere.example', (a) => answers.push(a));
    sim.platform.resolve('192.0.2.300', (a) => answers.push(a));
    expect(answers).toEqual([]);
    sim.runUntil(0, 1, () => {});
    expect(answers).toEqual(['192.0.2.7', '192.0.2.1', null, null]);
  });
});

describe('metrics', () => {
  it('define the sync time as clknetsim\'s find_sync does (no smoothing)', () => {
    const offsets = Float64Array.from([0.1, 0.01, 5e-4, 2e-3, 5e-4, 1e-4, 1e-4]);
    const freqs = Float64Array.from([NaN, 1e-3, 1e-4, 1e-4, 1e-4, 6e-4, 1e-5]);
    expect(syncTime(offsets, freqs, 1e-3, 5e-4)).toBe(5);
    const result = score(offsets, freqs, { maxOffset: 1e-3, maxFreq: 5e-4, rmsOffset: 3e-4, rmsFreq: 1e-5, maxSyncTime: 5 });
    expect(result.synced).toBe(true);
    expect(result.afterSync.samples).toBe(1);
    expect(result.afterSync.rmsFreq).toBeCloseTo(1e-5, 15);
    const never = score(offsets.map((x) => x * 100), freqs, { maxOffset: 1e-3, maxFreq: 5e-4, rmsOffset: 3e-4, rmsFreq: 1e-5, maxSyncTime: 5 });
    expect(never.synced).toBe(false);
    expect(never.pass).toBe(false);
  });
});

describe('free-running core', () => {
  // No servers configured: the core never steers, so what it serves must be
  // exactly the crystal — offset = crystal phase, frequency error = crystal's.
  const spec: SimSpec = {
    duration: 2000,
    config: '',
    crystal: { offset: 0.1, freq: 1e-4, wander: 1e-8, temperature: { amplitude: 1e-6, period: 600 } },
    servers: [],
    network: {},
  };

  it('shows exactly the crystal\'s offset and frequency error (near 1970, where doubles resolve 1e-12 s)', () => {
    const result = runSimulation({ ...spec, epoch: 0 }, 4);
    const crystal = new Crystal(spec.crystal, 0, createRandom(4, 1));
    for (let k = 0; k <= 2000; k++) {
      expect(Math.abs(result.offsets[k] - result.crystalPhase[k])).toBeLessThan(1e-12);
    }
    // The per-second frequency error is the crystal's frequency during that second.
    let worst = 0;
    for (let k = 1; k <= 2000; k++) {
      worst = Math.max(worst, Math.abs(result.freqs[k] - crystal.frequencyAt(k - 0.5)));
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('at today\'s date, to within the rounding of a double (one ulp = 2.4e-7 s)', () => {
    const result = runSimulation(spec, 4);
    let worst = 0;
    for (let k = 0; k <= 2000; k++) worst = Math.max(worst, Math.abs(result.offsets[k] - result.crystalPhase[k]));
    expect(worst).toBeLessThanOrEqual(2.4e-7);
  });

  it('is deterministic per seed, and seeds differ', () => {
    const a = runSimulation(spec, 9);
    const b = runSimulation(spec, 9);
    const c = runSimulation(spec, 10);
    expect(Array.from(a.offsets)).toEqual(Array.from(b.offsets));
    expect(a.offsets[2000]).not.toBe(c.offsets[2000]);
  });

  it('runs days of simulated time in seconds', () => {
    const started = performance.now();
    const result = runSimulation({ ...spec, duration: 86400 * 2, config: 'server 192.0.2.1 minpoll 6\n', servers: [{ address: '192.0.2.1' }] }, 1);
    const wall = (performance.now() - started) / 1000;
    const rate = 86400 * 2 / wall;
    console.log('simulated 2 days with one server in ' + wall.toFixed(2) + ' s: ' + Math.round(rate) + ' simulated s per wall s');
    expect(result.offsets.length).toBe(86400 * 2 + 1);
    expect(wall).toBeLessThan(10);
  });
});
