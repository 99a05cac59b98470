/**
 * Issue 5's GPS scenarios: the appliance's core with the simulated receiver
 * (board/virtual/gps-receiver.mjs, the same model the virtual board runs) on
 * its UART and PPS pin, scored each simulated second against true time.
 * Each scenario names its checks; a run passes when all of them hold.
 * Shared by refclock.test.ts (10 seeds, at most 1 failing) and report.ts.
 */
import { Leap } from '../../src/ntp/header';
import * as localClock from '../../src/clock/local';
import * as refid from '../../src/ntp/refid';
import type { Appliance } from '../../src/appliance';
import * as counters from '../../src/refclock/counters';
import * as gps from '../../src/refclock/gps';
import { runSimulation } from './engine';
import type { RunResult, SimSpec } from './engine';
import type { ServerSpec } from './server';

const PPS_ID = refid.fromAscii('PPS');
const GPS_ID = refid.fromAscii('GPS');
/** 1024 GPS weeks. */
const ROLLOVER = 619315200;
const SERVERS = ['192.0.2.1', '192.0.2.2', '192.0.2.3'];

/** What the checks read each second besides the offsets: the clock's reference state and the selection. */
export interface Trace {
  stratum: Uint8Array;
  referenceId: Uint32Array;
  leap: Uint8Array;
  /** The discipline's frequency skew (tracking's Skew), for the holdover bound. */
  freqSkew: Float64Array;
  /** Status character of the refclock source ('*', '+', '-', 'x', '?'). */
  refclockStatus: string[];
  /** Seconds since the refclock's last sample (Infinity before its first). */
  refclockSampleAge: Float64Array;
  /** Some network source is selected ('*'). */
  networkSelected: Uint8Array;
  /** The driver's counters at the end. */
  counts: Uint32Array;
  /** The largest |offset| the clock had at any event (not only on whole seconds), and when. */
  worstEventOffset: number;
}

export interface Outcome {
  pass: boolean;
  failures: string[];
  /** Named figures for the report table. */
  figures: { [name: string]: number };
}

export interface RefclockScenario {
  name: string;
  /** What the scenario shows, for the report. */
  claim: string;
  spec: SimSpec;
  judge: (run: RunResult, trace: Trace) => Outcome;
}

export const REFCLOCK_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
export const REFCLOCK_MAX_FAILED = 1;

/** First second from which `ok(k)` holds to the end (length when never). */
function holdsFrom(length: number, ok: (k: number) => boolean): number {
  let from = length;
  for (let k = length - 1; k >= 0; k--) {
    if (!ok(k)) break;
    from = k;
  }
  return from;
}

function rms(values: Float64Array, from: number, to: number): number {
  let sum = 0;
  let n = 0;
  for (let k = from; k < to; k++) {
    sum += values[k] * values[k];
    n++;
  }
  return n > 0 ? Math.sqrt(sum / n) : NaN;
}

function maxAbs(values: Float64Array, from: number, to: number): number {
  let max = 0;
  for (let k = from; k < to; k++) if (!(Math.abs(values[k]) <= max)) max = Math.abs(values[k]);
  return max;
}

/** The second from which the board serves stratum 1 from the pulse, to the end. */
function stratumOneFrom(trace: Trace, from = 0, to = trace.stratum.length): number {
  for (let k = from; k < to; k++) {
    if (trace.stratum[k] === 1 && trace.leap[k] !== Leap.Unsynchronised && trace.referenceId[k] === PPS_ID) return k;
  }
  return to;
}

/** The first second, from stratum 1 on, at which the offset is within 50 µs: the initial slew is over. */
function settledAt(run: RunResult, trace: Trace): number {
  const n = run.offsets.length;
  for (let k = stratumOneFrom(trace); k < n; k++) if (Math.abs(run.offsets[k]) <= 50e-6) return k;
  return n;
}

function baseSpec(overrides: Partial<SimSpec>): SimSpec {
  return {
    duration: 1200,
    config: 'refclock GPS\nmakestep 1 3\n',
    crystal: { offset: 0.5, freq: 30e-6, wander: 1e-10 },
    servers: [],
    network: { baseDelay: 1e-4, jitter: 1e-4 },
    gps: { ppsJitter: 1e-6, nmeaDelay: 0.35, nmeaJitter: 0.05 },
    ...overrides,
  };
}

function networkServers(): ServerSpec[] {
  return SERVERS.map((address) => ({ address }));
}

function networkConfig(): string {
  return SERVERS.map((address) => 'server ' + address + ' iburst minpoll 6 maxpoll 6\n').join('');
}

export function refclockScenarios(): RefclockScenario[] {
  return [
    {
      name: 'PPS 1 us jitter, crystal 30 ppm',
      claim: 'stratum 1 from the pulse within 120 s; RMS offset ≤ 10 µs after',
      spec: baseSpec({}),
      judge(run, trace) {
        const n = run.offsets.length;
        const stratumOne = stratumOneFrom(trace);
        // Settled: every later second within 50 µs.
        const settled = holdsFrom(n, (k) => Math.abs(run.offsets[k]) <= 50e-6);
        const synced = Math.max(stratumOne, settled);
        const figures = { stratumOne, settled, rmsOffset: rms(run.offsets, synced, n), maxOffset: maxAbs(run.offsets, synced, n) };
        const failures: string[] = [];
        if (!(stratumOne <= 120)) failures.push('stratum 1 only at ' + stratumOne + ' s');
        if (!(settled <= 120)) failures.push('within 50 µs only from ' + settled + ' s');
        if (!(figures.rmsOffset <= 10e-6)) failures.push('RMS offset ' + figures.rmsOffset.toExponential(2));
        return { pass: failures.length === 0, failures, figures };
      },
    },
    {
      name: 'NMEA 350 ms late, 50 ms jitter',
      claim: 'every label pairs with its own pulse: no 1 s error, no pairing rejected',
      spec: baseSpec({ duration: 3600, gps: { ppsJitter: 1e-6, nmeaDelay: 0.35, nmeaJitter: 0.05, sentences: ['RMC', 'GGA', 'ZDA'] } }),
      judge(run, trace) {
        const n = run.offsets.length;
        const stratumOne = stratumOneFrom(trace);
        const settled = settledAt(run, trace);
        const worst = maxAbs(run.offsets, settled, n);
        const figures = { stratumOne, settled, maxOffset: worst, worstEvent: trace.worstEventOffset, paired: trace.counts[counters.PAIRED], rejected: trace.counts[counters.STALE] };
        const failures: string[] = [];
        if (!(settled <= 120)) failures.push('settled only at ' + settled + ' s');
        if (!(worst <= 1e-4)) failures.push('max offset ' + worst.toExponential(2));
        if (!(trace.worstEventOffset < 0.5)) failures.push('an event saw offset ' + trace.worstEventOffset.toFixed(3));
        if (trace.counts[counters.STALE] !== 0) failures.push(trace.counts[counters.STALE] + ' pairings rejected');
        if (!(trace.counts[counters.PAIRED] >= n - 30)) failures.push('only ' + trace.counts[counters.PAIRED] + ' pairings');
        return { pass: failures.length === 0, failures, figures };
      },
    },
    {
      name: '1 s-stale NMEA episode',
      claim: 'the stale labels are rejected; the locked count keeps serving the right second',
      spec: baseSpec({ duration: 1200, gps: { ppsJitter: 1e-6, nmeaDelay: 0.35, nmeaJitter: 0.05, stale: [{ from: 600, to: 645 }] } }),
      judge(run, trace) {
        const n = run.offsets.length;
        const settled = settledAt(run, trace);
        const worst = maxAbs(run.offsets, settled, n);
        const figures = { settled, maxOffset: worst, rejected: trace.counts[counters.STALE], relocks: trace.counts[counters.RELOCKS] };
        const failures: string[] = [];
        if (!(worst <= 1e-4)) failures.push('max offset ' + worst.toExponential(2) + ' after settling at ' + settled + ' s');
        if (!(trace.worstEventOffset < 0.5)) failures.push('an event saw offset ' + trace.worstEventOffset.toFixed(3));
        if (!(trace.counts[counters.STALE] >= 40)) failures.push('only ' + trace.counts[counters.STALE] + ' stale labels rejected');
        if (trace.counts[counters.RELOCKS] !== 0) failures.push('the lock moved');
        return { pass: failures.length === 0, failures, figures };
      },
    },
    outageScenario(false),
    outageScenario(true),
    {
      name: 'wrong date (week rollover), GPS only',
      claim: 'a date 1024 weeks back is moved on by the rollover floor: right time',
      spec: baseSpec({ duration: 600, gps: { ppsJitter: 1e-6, dateErrorSeconds: -ROLLOVER } }),
      judge(run, trace) {
        const n = run.offsets.length;
        const settled = settledAt(run, trace);
        const worst = maxAbs(run.offsets, settled, n);
        const failures: string[] = [];
        if (!(settled <= 120)) failures.push('settled only at ' + settled + ' s');
        if (!(worst <= 1e-4)) failures.push('max offset ' + worst.toExponential(2));
        return { pass: failures.length === 0, failures, figures: { settled, maxOffset: worst } };
      },
    },
    {
      name: 'wrong date (a week ahead), with 3 servers',
      claim: 'the receiver is a falseticker: never selected, the clock follows the servers',
      spec: baseSpec({
        duration: 1200,
        config: 'refclock GPS\n' + networkConfig() + 'makestep 1 3\n',
        servers: networkServers(),
        gps: { ppsJitter: 1e-6, dateErrorSeconds: 7 * 86400 },
      }),
      judge(run, trace) {
        const n = run.offsets.length;
        let used = 0;
        let falseticker = 0;
        for (let k = 0; k < n; k++) {
          if (trace.refclockStatus[k] === '*' || trace.refclockStatus[k] === '+') used++;
          if (trace.refclockStatus[k] === 'x') falseticker++;
        }
        const synced = holdsFrom(n, (k) => trace.networkSelected[k] === 1 && Math.abs(run.offsets[k]) <= 1e-3);
        const failures: string[] = [];
        if (used > 0) failures.push('the receiver was used ' + used + ' s');
        if (!(trace.worstEventOffset < 0.5)) failures.push('an event saw offset ' + trace.worstEventOffset.toFixed(3));
        if (!(synced <= 300)) failures.push('on the servers only from ' + synced + ' s');
        if (!(falseticker >= n / 2)) failures.push('marked x only ' + falseticker + ' s');
        return { pass: failures.length === 0, failures, figures: { used, falsetickerSeconds: falseticker, synced, maxOffset: maxAbs(run.offsets, synced, n) } };
      },
    },
  ];
}

const OUTAGE_START = 1200;
const OUTAGE_LENGTH = 600;

/**
 * Ten minutes without the receiver (no pulses, no sentences). GPS only: the
 * clock holds over on the frequency it learned, and |offset| must stay under
 * what that frequency's error predicts: |offset at the loss| + 3 × skew ×
 * time since (plus 10 µs of measurement floor). With servers: the same
 * until the servers take over (stratum 2), and after the pulse returns the
 * board is stratum 1 from it again, without a step.
 */
function outageScenario(withServers: boolean): RefclockScenario {
  const outages = [{ from: OUTAGE_START, to: OUTAGE_START + OUTAGE_LENGTH, what: 'all' as const }];
  return {
    name: withServers ? '10 min GPS loss, 3 servers' : '10 min GPS loss, holdover',
    claim: withServers ? 'holdover, then the servers take over; the pulse back: stratum 1 again, no step' :
      '|offset| under the learned frequency\'s bound; the pulse back: reacquired without a step',
    spec: baseSpec({
      duration: OUTAGE_START + OUTAGE_LENGTH + 1200,
      config: 'refclock GPS\n' + (withServers ? networkConfig() : '') + 'makestep 1 3\n',
      servers: withServers ? networkServers() : [],
      gps: { ppsJitter: 1e-6, outages },
    }),
    judge(run, trace) {
      const n = run.offsets.length;
      const failures: string[] = [];
      const lost = OUTAGE_START;
      const back = OUTAGE_START + OUTAGE_LENGTH;
      const offsetAtLoss = Math.abs(run.offsets[lost]);
      const skew = trace.freqSkew[lost];
      // The holdover bound, while the refclock is still what the clock follows.
      let failover = n;
      let worstRatio = 0;
      for (let k = lost; k < back; k++) {
        if (trace.stratum[k] !== 1) {
          failover = k;
          break;
        }
        const bound = offsetAtLoss + 3 * skew * (k - lost) + 10e-6;
        const ratio = Math.abs(run.offsets[k]) / bound;
        if (ratio > worstRatio) worstRatio = ratio;
      }
      if (!(worstRatio <= 1)) failures.push('holdover offset ' + worstRatio.toFixed(2) + '× the bound');
      if (withServers) {
        let networkFrom = n;
        for (let k = lost; k < back; k++) {
          if (trace.networkSelected[k] === 1 && trace.stratum[k] === 2) {
            networkFrom = k;
            break;
          }
        }
        if (!(networkFrom - lost <= 300)) failures.push('servers took over only ' + (networkFrom - lost) + ' s into the outage');
        const worstOutage = maxAbs(run.offsets, lost, back);
        if (!(worstOutage <= 1e-3)) failures.push('offset ' + worstOutage.toExponential(2) + ' during the outage');
      } else if (failover < back) {
        failures.push('left stratum 1 at ' + (failover - lost) + ' s into the outage');
      }
      // Reacquired: a fresh sample from the pulse, and the clock on it at stratum 1.
      let reacquired = n;
      for (let k = back; k < n; k++) {
        if (trace.refclockSampleAge[k] < 20 && trace.stratum[k] === 1 && trace.referenceId[k] === PPS_ID) {
          reacquired = k;
          break;
        }
      }
      if (!(reacquired - back <= 120)) failures.push('stratum 1 again only ' + (reacquired - back) + ' s after the pulse returned');
      // No step: the offset never changes by more than the slew limit allows in a second, and settles.
      let biggestJump = 0;
      for (let k = back; k < n; k++) biggestJump = Math.max(biggestJump, Math.abs(run.offsets[k] - run.offsets[k - 1]));
      if (!(biggestJump <= 1e-3)) failures.push('a jump of ' + biggestJump.toExponential(2) + ' s after the return');
      const settledRms = rms(run.offsets, back + 300, n);
      if (!(settledRms <= 10e-6)) failures.push('RMS offset ' + settledRms.toExponential(2) + ' from 300 s after the return');
      return {
        pass: failures.length === 0,
        failures,
        figures: {
          offsetAtLoss,
          skewPpm: skew * 1e6,
          worstHoldoverRatio: worstRatio,
          maxOutageOffset: maxAbs(run.offsets, lost, back),
          failoverAfter: failover - lost,
          reacquiredAfter: reacquired - back,
          settledRms,
        },
      };
    },
  };
}

/** Runs one seed with the trace recorded. */
export function runRefclockSeed(scenario: RefclockScenario, seed: number): { outcome: Outcome; run: RunResult; trace: Trace } {
  const n = Math.floor(scenario.spec.duration) + 1;
  const trace: Trace = {
    stratum: new Uint8Array(n),
    referenceId: new Uint32Array(n),
    leap: new Uint8Array(n),
    freqSkew: new Float64Array(n),
    refclockStatus: new Array<string>(n).fill('?'),
    refclockSampleAge: new Float64Array(n).fill(Infinity),
    networkSelected: new Uint8Array(n),
    counts: new Uint32Array(counters.COUNTERS),
    worstEventOffset: 0,
  };
  const run = runSimulation({
    ...scenario.spec,
    observe(sim, second, app: Appliance) {
      const clock = app.clock;
      trace.stratum[second] = clock.stratum;
      trace.referenceId[second] = clock.referenceId;
      trace.leap[second] = clock.leap;
      trace.freqSkew[second] = app.sync.discipline.freqSkew;
      for (const source of app.sync.sources) {
        if (source.refclock) {
          trace.refclockStatus[second] = source.status;
          if (source.lastSampleTime > 0) trace.refclockSampleAge[second] = localClock.now(clock) - source.lastSampleTime;
        }
        else if (source.status === '*') trace.networkSelected[second] = 1;
      }
    },
    afterEvent(sim, app: Appliance) {
      // Served time against true time at every event: a 1 s error lasting less than a second still shows.
      if (app.clock.leap === Leap.Unsynchronised) return;
      const offset = Math.abs(sim.served(app, sim.now) - sim.epoch - sim.now);
      if (offset > trace.worstEventOffset && sim.now > 200) trace.worstEventOffset = offset;
    },
  }, seed);
  if (run.app.sync.refclock) trace.counts.set(run.app.sync.refclock.counts);
  return { outcome: scenario.judge(run, trace), run, trace };
}

export { GPS_ID, PPS_ID };
