// chrony's `pool` in the simulator: one name whose DNS answers round-robin with
// one address per lookup becomes up to maxsources distinct sources; the board
// synchronises to them; an unreachable or falseticking member is replaced.
import { describe, expect, it } from 'vitest';
import * as commands from '../../src/console/commands';
import { runSimulation } from './engine';
import type { SimSpec } from './engine';
import type { ServerSpec } from './server';

function poolRun(config: string, names: string[], servers: ServerSpec[], duration: number, extra: Partial<SimSpec> = {}) {
  return runSimulation({
    duration,
    config,
    crystal: { offset: 0.3, freq: 20e-6, wander: 0 },
    servers,
    network: { baseDelay: 5e-4, jitter: 5e-5 },
    names: { 'pool.example': names },
    ...extra,
  }, 3);
}

const GOOD = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5'].map((address) => ({ address }));

function addresses(run: ReturnType<typeof poolRun>): string[] {
  return run.app.sync.sources.map((source) => source.address);
}

describe('pool', () => {
  it('resolves the name again and again into maxsources distinct sources, and synchronises', () => {
    // DNS repeats an address: the pool passes over it and looks again.
    const run = poolRun('pool pool.example iburst\nmakestep 1 3\n', ['192.0.2.1', '192.0.2.2', '192.0.2.1', '192.0.2.3', '192.0.2.4', '192.0.2.5'], GOOD, 600);
    expect(addresses(run)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4']);
    expect(run.sim.lookups.get('pool.example')).toBe(5);
    for (const source of run.app.sync.sources) expect(source.options.iburst).toBe(true);
    expect(run.app.clock.stratum).toBe(2);
    for (let k = 500; k <= 600; k++) expect(Math.abs(run.offsets[k])).toBeLessThan(1e-3);
    const lines = commands.run(run.app, 'sources').split('\n');
    expect(lines.filter((line) => /^\^[*+-] 192\.0\.2\.[1-4] /.test(line))).toHaveLength(4);
  });

  it('takes maxsources; a name with fewer addresses stops after a bounded round of lookups, then retries after a pause', () => {
    const few = poolRun('pool pool.example maxsources 3\n', ['192.0.2.1', '192.0.2.2'], GOOD, 60);
    expect(addresses(few)).toEqual(['192.0.2.1', '192.0.2.2']);
    // 2 × maxsources lookups spaced 2 s apart (t = 0 … 10 s), then a 64 s pause, then another round.
    expect(few.sim.lookups.get('pool.example')).toBe(6);
    const later = poolRun('pool pool.example maxsources 3\n', ['192.0.2.1', '192.0.2.2'], GOOD, 90);
    expect(later.sim.lookups.get('pool.example')).toBe(12);
    const two = poolRun('pool pool.example maxsources 2\n', GOOD.map((s) => s.address), GOOD, 60);
    expect(addresses(two)).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(two.sim.lookups.get('pool.example')).toBe(2);
  });

  it('a name that does not resolve is logged, never fatal', () => {
    const run = poolRun('pool nowhere.example\n', [], GOOD, 30);
    expect(run.app.sync.sources).toHaveLength(0);
    expect(run.sim.logLines.filter((line) => / cannot resolve pool nowhere\.example$/.test(line))).toHaveLength(8);
  });

  it('replaces a member that stays unreachable with a fresh address', () => {
    const servers = [...GOOD, { address: '192.0.2.9', answers: false }];
    const run = poolRun('pool pool.example iburst\nmakestep 1 3\n', ['192.0.2.1', '192.0.2.9', '192.0.2.2', '192.0.2.3', '192.0.2.4'], servers, 900);
    expect(addresses(run).sort()).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4']);
    expect(run.sim.logLines.some((line) => / pool pool\.example: replacing 192\.0\.2\.9 \(unreachable\)$/.test(line))).toBe(true);
    for (let k = 800; k <= 900; k++) expect(Math.abs(run.offsets[k])).toBeLessThan(1e-3);
  });

  it('replaces a falseticker', () => {
    const servers = [...GOOD, { address: '192.0.2.9', offset: 0.5 }];
    const run = poolRun('pool pool.example iburst\nmakestep 1 3\n', ['192.0.2.9', '192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'], servers, 1200);
    expect(run.sim.logLines.some((line) => / pool pool\.example: replacing 192\.0\.2\.9 \(falseticker\)$/.test(line))).toBe(true);
    expect(addresses(run).sort()).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4']);
  });
});
