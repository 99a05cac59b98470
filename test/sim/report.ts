/**
 * The simulation report: runs every scenario over its seeds, prints a table
 * of our figures beside chrony's thresholds, and writes
 *   test/bench/out/sim-scenarios.json  (the table, with every seed's figures)
 *   test/bench/figures/sim-default.svg (committed, linked from the README: offset and frequency error against
 *                                       time, default scenario, seed 1)
 * Run: npx vite-node test/sim/report.ts [--seeds N] [--only TEXT]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSeed, runSuite, median } from './suite';
import type { ScenarioSummary } from './suite';
import { MAX_FAILED_SEEDS, scenarios, SEEDS } from './scenarios';
import { plot } from './svg';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(HERE, '../bench/out');
const FIGURES = path.resolve(HERE, '../bench/figures');

function argument(name: string): string | undefined {
  const index = process.argv.indexOf('--' + name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function e(value: number): string {
  if (value !== value) return '-';
  if (value === Infinity) return 'inf';
  return value.toExponential(1);
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function main(): void {
  const seedCount = Number(argument('seeds') ?? SEEDS.length);
  const only = argument('only');
  const seeds = SEEDS.slice(0, seedCount);
  const started = performance.now();
  const rows: object[] = [];
  const header = ['scenario', 'chrony test', 'seeds ok', 'RMS off', '(chrony)', 'max off', '(chrony)', 'RMS freq', '(chrony)',
    'max freq', '(chrony)', 'sync s', '(chrony)', 'verdict'];
  const widths = [26, 30, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 7];
  const lines: string[] = [header.map((h, i) => pad(h, widths[i])).join(' ')];
  let simulated = 0;
  const summaries: ScenarioSummary[] = [];
  for (const scenario of scenarios()) {
    if (only && !scenario.name.includes(only)) continue;
    const summary = runSuite(scenario, seeds);
    summaries.push(summary);
    const o = summary.outcomes;
    simulated += o.reduce((a, b) => a + b.simulatedSeconds, 0);
    const figure = {
      rmsOffset: median(o.map((x) => x.afterSync.rmsOffset)),
      maxOffset: median(o.map((x) => x.afterSync.maxOffset)),
      rmsFreq: median(o.map((x) => x.afterSync.rmsFreq)),
      maxFreq: median(o.map((x) => x.afterSync.maxFreq)),
      syncTime: median(o.map((x) => (x.synced ? x.syncTime : NaN))),
      worstSyncTime: Math.max(...o.map((x) => (x.synced ? x.syncTime : Infinity))),
    };
    const limits = scenario.chrony.limits;
    const expectSync = scenario.expectSync;
    const cells = [
      scenario.name, scenario.chrony.test, summary.passed + '/' + seeds.length,
      expectSync ? e(figure.rmsOffset) : '-', e(limits.rmsOffset),
      expectSync ? e(figure.maxOffset) : '-', e(limits.maxOffset),
      expectSync ? e(figure.rmsFreq) : '-', e(limits.rmsFreq),
      expectSync ? e(figure.maxFreq) : '-', e(limits.maxFreq),
      expectSync ? (figure.syncTime === figure.syncTime ? String(figure.syncTime) : 'never') : '-', String(limits.maxSyncTime),
      seeds.length - summary.passed <= MAX_FAILED_SEEDS ? 'PASS' : 'FAIL',
    ];
    lines.push(cells.map((c, i) => pad(c, widths[i])).join(' '));
    rows.push({
      scenario: scenario.name,
      chronyTest: scenario.chrony.test,
      chronyLimits: limits,
      ourLimits: scenario.limits,
      seeds: seeds.length,
      passed: summary.passed,
      pass: seeds.length - summary.passed <= MAX_FAILED_SEEDS,
      medians: figure,
      perSeed: o.map((x) => ({
        seed: x.seed, pass: x.pass, failures: x.failures, syncTime: x.synced ? x.syncTime : null,
        afterSync: x.afterSync, afterMaxSyncTime: x.afterMaxSyncTime, selection: x.selection,
      })),
    });
  }
  const wall = (performance.now() - started) / 1000;
  console.log(lines.join('\n'));
  console.log('\nFigures are medians over seeds, after each run\'s sync time. ' + simulated + ' simulated seconds in ' + wall.toFixed(1) +
    ' s of wall time (' + Math.round(simulated / wall) + ' simulated s per s).');
  for (const summary of summaries) {
    for (const outcome of summary.outcomes) {
      if (!outcome.pass) console.log('  ' + summary.name + ', seed ' + outcome.seed + ': ' + outcome.failures.join('; '));
    }
  }

  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'sim-scenarios.json'), JSON.stringify({
    generated: new Date().toISOString(),
    seeds,
    maxFailedSeeds: MAX_FAILED_SEEDS,
    simulatedSeconds: simulated,
    wallSeconds: wall,
    scenarios: rows,
  }, null, 1) + '\n');

  const fallback = scenarios().find((s) => s.name === 'default');
  if (!fallback) throw new Error('no default scenario');
  const run = runSeed(fallback, 1, true);
  const result = run.result!;
  const n = result.offsets.length - 1;
  const limits = fallback.chrony.limits;
  const svg = plot('Default scenario (chrony 001-defaults), seed 1: client 0.1 s off, 100 ppm fast, wander 1e-9, delay 1e-4 + 1e-4·Exp(1)', n, [
    {
      title: '|offset| = |served − true|', unit: 's, log', scale: 'log', min: 1e-7, max: 1,
      series: [{ label: '|offset|', color: '#1f5fbf', values: result.offsets }],
      limits: [{ value: limits.maxOffset, label: 'chrony max ' + limits.maxOffset }, { value: limits.rmsOffset, label: 'chrony RMS ' + limits.rmsOffset }],
    },
    {
      title: 'offset after sync', unit: 'µs', scale: 'linear', min: -1000, max: 1000,
      series: [{ label: 'offset (µs)', color: '#1f5fbf', values: result.offsets.map((v, k) => (k > run.syncTime ? v * 1e6 : NaN)) }],
      limits: [{ value: 300, label: '±RMS limit' }, { value: -300, label: '' }],
    },
    {
      title: '|frequency error| = |served advance per true second − 1|', unit: 'log', scale: 'log', min: 1e-9, max: 1e-3,
      series: [{ label: '|freq error|', color: '#bf5f1f', values: result.freqs }],
      limits: [{ value: limits.maxFreq, label: 'chrony max ' + limits.maxFreq }, { value: limits.rmsFreq, label: 'chrony RMS ' + limits.rmsFreq }],
    },
  ], [{ time: run.syncTime, label: 'sync ' + run.syncTime + ' s' }]);
  fs.mkdirSync(FIGURES, { recursive: true });
  fs.writeFileSync(path.join(FIGURES, 'sim-default.svg'), svg + '\n');
  console.log('\nwrote ' + path.relative(process.cwd(), path.join(OUT, 'sim-scenarios.json')) + ' and ' +
    path.relative(process.cwd(), path.join(FIGURES, 'sim-default.svg')));
}

main();
