/**
 * The GPS scenarios' report (issue 5): runs each refclock scenario over its
 * seeds, prints the median of each figure, and writes
 *   test/bench/out/sim-refclock.json         (every seed's figures)
 *   test/bench/figures/sim-gps-outage.svg    (committed, linked from the README: offset
 *                                             against time through a 10-minute GPS outage
 *                                             and the recovery, seed 1, with and without servers)
 * Run: npx vite-node test/sim/refclock-report.ts [--seeds N]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REFCLOCK_MAX_FAILED, REFCLOCK_SEEDS, refclockScenarios, runRefclockSeed } from './refclock-scenarios';
import { median } from './suite';
import { plot } from './svg';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(HERE, '../bench/out');
const FIGURES = path.resolve(HERE, '../bench/figures');

function figureText(value: number): string {
  if (value !== value) return '-';
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 0.01 && Math.abs(value) < 1000 ? value.toFixed(2) : value.toExponential(1);
}

function main(): void {
  const index = process.argv.indexOf('--seeds');
  const seeds = REFCLOCK_SEEDS.slice(0, index >= 0 ? Number(process.argv[index + 1]) : REFCLOCK_SEEDS.length);
  const started = performance.now();
  const rows: object[] = [];
  const lines: string[] = [];
  for (const scenario of refclockScenarios()) {
    const outcomes = seeds.map((seed) => ({ seed, ...runRefclockSeed(scenario, seed).outcome }));
    const passed = outcomes.filter((o) => o.pass).length;
    const names = Object.keys(outcomes[0].figures);
    const medians: { [name: string]: number } = {};
    for (const name of names) medians[name] = median(outcomes.map((o) => o.figures[name]));
    const verdict = seeds.length - passed <= REFCLOCK_MAX_FAILED ? 'PASS' : 'FAIL';
    lines.push(scenario.name + ' — ' + scenario.claim + '\n  ' + passed + '/' + seeds.length + ' seeds ' + verdict + '; medians: ' +
      names.map((name) => name + ' ' + figureText(medians[name])).join(', '));
    for (const o of outcomes) if (!o.pass) lines.push('  seed ' + o.seed + ': ' + o.failures.join('; '));
    rows.push({ scenario: scenario.name, claim: scenario.claim, seeds: seeds.length, passed, verdict, medians, perSeed: outcomes });
  }
  const wall = (performance.now() - started) / 1000;
  console.log('GPS reference clock scenarios (figures: seconds, or as named; offsets are served − true)\n');
  console.log(lines.join('\n'));
  console.log('\n' + wall.toFixed(1) + ' s of wall time.');
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'sim-refclock.json'), JSON.stringify({ generated: new Date().toISOString(), seeds, scenarios: rows }, null, 1) + '\n');

  const outages = refclockScenarios().filter((s) => s.name.startsWith('10 min GPS loss'));
  const runs = outages.map((s) => runRefclockSeed(s, 1));
  const n = runs[0].run.offsets.length - 1;
  const lost = 1200;
  const back = 1800;
  const svg = plot('GPS (PPS 1 µs jitter, crystal 30 ppm) lost for 10 minutes at 1200 s, seed 1', n, [
    {
      title: '|offset| = |served − true|', unit: 's, log', scale: 'log', min: 1e-8, max: 1,
      series: [
        { label: 'GPS only (holdover)', color: '#1f5fbf', values: runs[0].run.offsets },
        { label: 'GPS + 3 servers', color: '#bf5f1f', values: runs[1].run.offsets },
      ],
      limits: [{ value: 10e-6, label: '10 µs' }],
    },
    {
      title: 'offset from 60 s on', unit: 'µs', scale: 'linear', min: -40, max: 40,
      series: [
        { label: 'GPS only (holdover)', color: '#1f5fbf', values: runs[0].run.offsets.map((v, k) => (k >= 60 ? v * 1e6 : NaN)) },
        { label: 'GPS + 3 servers', color: '#bf5f1f', values: runs[1].run.offsets.map((v, k) => (k >= 60 ? v * 1e6 : NaN)) },
      ],
    },
    {
      title: 'stratum served (1: GPS; 2: the servers)', unit: '', scale: 'linear', min: 0, max: 3,
      series: [
        { label: 'GPS only', color: '#1f5fbf', values: Float64Array.from(runs[0].trace.stratum) },
        { label: 'GPS + 3 servers', color: '#bf5f1f', values: Float64Array.from(runs[1].trace.stratum) },
      ],
    },
  ], [{ time: lost, label: 'GPS lost' }, { time: back, label: 'GPS back' }]);
  fs.mkdirSync(FIGURES, { recursive: true });
  fs.writeFileSync(path.join(FIGURES, 'sim-gps-outage.svg'), svg + '\n');
  console.log('wrote ' + path.relative(process.cwd(), path.join(OUT, 'sim-refclock.json')) + ' and ' +
    path.relative(process.cwd(), path.join(FIGURES, 'sim-gps-outage.svg')));
}

main();
