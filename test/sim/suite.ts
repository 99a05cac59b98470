/**
 * Runs a scenario over its seeds and judges each run: chrony's check_sync
 * thresholds (or tighter), plus the source-selection checks of the
 * falseticker scenarios. Shared by scenarios.test.ts and report.ts.
 */
import { runScenario } from './engine';
import type { ScenarioResult } from './engine';
import type { WindowStats } from './metrics';
import { MAX_FAILED_SEEDS, SEEDS, selectionObserver } from './scenarios';
import type { Scenario, SelectionLog } from './scenarios';

/** The clock counts as "not steered" while served − crystal time moves less than this (two ulps at today's dates, doubled). */
export const NOT_STEERED_TOLERANCE = 1e-6;

export interface SeedOutcome {
  seed: number;
  pass: boolean;
  failures: string[];
  syncTime: number;
  synced: boolean;
  afterSync: WindowStats;
  afterMaxSyncTime: WindowStats;
  selection?: SelectionLog;
  /** Largest |change of (served − crystal)|: how far the core moved the clock at all. */
  steering: number;
  simulatedSeconds: number;
  wallMs: number;
  result?: ScenarioResult;
}

export interface ScenarioSummary {
  name: string;
  chronyTest: string;
  seeds: number;
  passed: number;
  pass: boolean;
  outcomes: SeedOutcome[];
}

export function runSeed(scenario: Scenario, seed: number, keep = false): SeedOutcome {
  let observer: ReturnType<typeof selectionObserver> | undefined;
  let spec = { ...scenario.spec, limits: scenario.limits };
  if (scenario.falsetickers !== undefined) {
    const liars = scenario.spec.servers.filter((s) => (s.offset ?? 0) !== 0).map((s) => s.address);
    const honest = scenario.spec.servers.filter((s) => (s.offset ?? 0) === 0).map((s) => s.address);
    observer = selectionObserver(liars, honest);
    spec = { ...spec, observe: observer.observe, afterEvent: observer.afterEvent };
  }
  const result = runScenario(spec, seed);
  const failures: string[] = [];
  let steering = 0;
  const base = result.offsets[0] - result.crystalPhase[0];
  for (let k = 1; k < result.offsets.length; k++) {
    const moved = Math.abs(result.offsets[k] - result.crystalPhase[k] - base);
    if (!(moved <= steering)) steering = moved === moved ? moved : Infinity;
  }
  if (scenario.expectSync) failures.push(...result.score.failures);
  if (observer) {
    const log = observer.log;
    if (log.falsetickerUsed > 0) {
      failures.push('a falseticker was selected or combined after ' + log.falsetickerUsed + ' events (first at t=' +
        log.firstFalsetickerUse.toFixed(3) + ' s: ' + log.firstFalsetickerState + ')');
    }
    if (scenario.expectSync && log.finalSelection !== 'ok') failures.push('selection ends "' + log.finalSelection + '", not "ok"');
    if (!scenario.expectSync) {
      if (log.finalSelection !== 'no-majority') failures.push('selection ends "' + log.finalSelection + '", not "no-majority"');
      if (log.okEvents > 0) failures.push('selection reported "ok" after ' + log.okEvents + ' events without a majority of truechimers');
      if (!(steering <= NOT_STEERED_TOLERANCE)) failures.push('the clock was steered by ' + steering.toExponential(2) + ' s without a majority');
    }
  }
  return {
    seed,
    pass: failures.length === 0,
    failures,
    syncTime: result.score.syncTime,
    synced: result.score.synced,
    afterSync: result.score.afterSync,
    afterMaxSyncTime: result.score.afterMaxSyncTime,
    selection: observer ? observer.log : undefined,
    steering,
    simulatedSeconds: result.offsets.length - 1,
    wallMs: result.wallMs,
    result: keep ? result : undefined,
  };
}

export function runSuite(scenario: Scenario, seeds = SEEDS): ScenarioSummary {
  const outcomes = seeds.map((seed) => runSeed(scenario, seed));
  const passed = outcomes.filter((o) => o.pass).length;
  return {
    name: scenario.name,
    chronyTest: scenario.chrony.test,
    seeds: seeds.length,
    passed,
    pass: seeds.length - passed <= MAX_FAILED_SEEDS,
    outcomes,
  };
}

/** Median of the finite values (NaN when there are none). */
export function median(values: number[]): number {
  const finite = values.filter((v) => v === v).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}
