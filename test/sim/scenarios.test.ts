/**
 * Issue 3's simulation scenarios: each over 10 seeds, at most 1 failing, at
 * chrony's own simulation-test thresholds or tighter. The thresholds table
 * (CHRONY, with the chrony test each comes from) and the scenario models are
 * in scenarios.ts, shared with report.ts:
 *
 * | scenario                  | chrony test          | max |off| | RMS off | max |freq| | RMS freq | sync ≤  |
 * |---------------------------|----------------------|-----------|---------|------------|----------|---------|
 * | default                   | 001-defaults         | 1e-3      | 3e-4    | 5e-4       | 1e-5     | 210 s   |
 * | iburst (+drift, makestep) | 102-iburst           | 1e-3      | 3e-4    | 5e-4       | 1e-5     | 6 s     |
 * | freq ±5e-3, ±5e-2         | 003-largefreqoffset  | 1e-3      | 3e-4    | 5e-4       | 1e-5     | 1000 s  |
 * | jitter 0.1                | 006-largejitter      | 0.5       | 0.1     | 0.2        | 5e-3     | 210 s   |
 * | wander 1e-7               | 007-largewander      | 5e-3      | 1e-3    | 5e-3       | 1e-4     | 210 s   |
 * | 5 servers, 1-2 false      | 009-sourceselection  | 1e-3      | 3e-4    | 5e-4       | 1e-5     | 210 s   |
 * | 5 servers, 3 false        | 009-sourceselection  | no majority, falsetickers never used, clock not steered |
 * | asymmetric jitter 0.47    | test.common asymmetry| 1e-3      | 3e-4    | 5e-4       | 1e-5     | 2000 s  |
 * | intermittent link         | 014-intermittent     | 0.1       | 2e-3    | 1e-2       | 2e-5     | 210 s   |
 * | 33% packet loss           | (issue 3)            | 1e-3      | 3e-4    | 5e-4       | 1e-5     | 10000 s |
 * | restart, stored frequency | 104-driftfile        | 1e-3      | 3e-4    | 1e-9       | 1e-5     | 1 s (ours: 0 s) |
 *
 * RMS and maximum are checked both after our sync time (the issue's
 * definition) and after max_sync_time (where clknetsim resets its statistics
 * for chrony's tests).
 */
import { describe, expect, it } from 'vitest';
import { MAX_FAILED_SEEDS, scenarios, SEEDS } from './scenarios';
import { runSuite } from './suite';
import type { ScenarioSummary } from './suite';

function describeFailures(summary: ScenarioSummary): string {
  return summary.outcomes.filter((o) => !o.pass).map((o) => 'seed ' + o.seed + ': ' + o.failures.join('; ')).join('\n');
}

describe('simulation scenarios (10 seeds each, at most 1 failing)', () => {
  for (const scenario of scenarios()) {
    it(scenario.name + ' [chrony ' + scenario.chrony.test + ']', () => {
      const summary = runSuite(scenario);
      const failed = SEEDS.length - summary.passed;
      expect(failed, scenario.name + ': ' + failed + ' of ' + SEEDS.length + ' seeds failed\n' + describeFailures(summary))
        .toBeLessThanOrEqual(MAX_FAILED_SEEDS);
    });
  }
});
