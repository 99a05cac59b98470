// A leap second from the board's own leapseclist, in the simulator: announced
// (LI=1 in served replies) on the month's last day though no source says so,
// applied at midnight per leapsecmode, and not at all once the list has expired.
import { describe, expect, it } from 'vitest';
import type { Appliance } from '../../src/appliance';
import * as header from '../../src/ntp/header';
import * as responder from '../../src/serve/responder';
import { IETF_TAIL } from '../unit/leapseconds-fixture';
import { recordingSocket } from '../unit/fakes';
import { runSimulation } from './engine';

/** 2016-12-31T23:50:00Z: ten minutes before the leap second of 2017. */
const EPOCH = 1483228800 - 600;
const MIDNIGHT = 600;

/** The leap indicator of the board's reply to a client request now. */
function servedLeap(app: Appliance): number {
  const { sent, socket } = recordingSocket();
  const saved = app.responder.socket;
  app.responder.socket = socket;
  const request = String.fromCharCode(0x23) + '\0'.repeat(39) + '\x12\x34\x56\x78\x9a\xbc\xde\xf0';
  responder.handle(app.responder, request, { address: '192.0.2.99', port: 40000 }, app.platform.rawClock());
  app.responder.socket = saved;
  expect(sent).toHaveLength(1);
  return header.decode(sent[0].data, 0).leap;
}

/** A board serving its own clock (local stratum 10; a perfect crystal, so served − true shows only the leap's correction). */
function leapRun(mode: string, list = IETF_TAIL) {
  const leaps = new Map<number, number>();
  const run = runSimulation({
    duration: MIDNIGHT + 30,
    epoch: EPOCH,
    config: 'local stratum 10\nleapseclist leap-seconds.list\n' + (mode === '' ? '' : 'leapsecmode ' + mode + '\n'),
    storage: { 'leap-seconds.list': list },
    crystal: { offset: 0, freq: 0, wander: 0 },
    servers: [],
    network: { baseDelay: 1e-4, jitter: 0 },
    observe(sim, second, app) {
      if (second % 100 === 50 || second === MIDNIGHT - 1 || second === MIDNIGHT + 2) leaps.set(second, servedLeap(app));
    },
  }, 1);
  return { ...run, leaps };
}

describe('leap second from a leapseclist', () => {
  it('is announced all the last day though no source says so, and stepped at midnight (default mode)', () => {
    const { offsets, leaps, sim } = leapRun('');
    expect(leaps.get(50)).toBe(header.Leap.InsertSecond);
    expect(leaps.get(MIDNIGHT - 1)).toBe(header.Leap.InsertSecond);
    expect(leaps.get(MIDNIGHT + 2)).toBe(header.Leap.None);
    expect(Math.abs(offsets[MIDNIGHT - 1])).toBeLessThan(1e-3);
    expect(Math.abs(offsets[MIDNIGHT])).toBeLessThan(1e-3);
    // 23:59:60 repeats 23:59:59: one second behind true (POSIX) time from then on, no second time.
    for (let k = MIDNIGHT + 1; k <= MIDNIGHT + 30; k++) expect(offsets[k]).toBeCloseTo(-1, 3);
    expect(sim.logLines.filter((line) => / leap second inserted \(leapsecmode step\)$/.test(line))).toHaveLength(1);
  });

  it('slew: no step, the second corrected at the maximum slew rate over about 12 s', () => {
    const { offsets, freqs } = leapRun('slew');
    expect(Math.abs(offsets[MIDNIGHT])).toBeLessThan(1e-3);
    for (let k = 1; k <= MIDNIGHT + 30; k++) expect(freqs[k]).toBeGreaterThan(-0.0834); // never steps, never runs backwards
    expect(offsets[MIDNIGHT + 6]).toBeCloseTo(-0.5, 1);
    expect(offsets[MIDNIGHT + 11]).toBeGreaterThan(-1);
    for (let k = MIDNIGHT + 13; k <= MIDNIGHT + 30; k++) expect(offsets[k]).toBeCloseTo(-1, 3);
  });

  it('ignore: announced, but the clock is left alone', () => {
    const { offsets, leaps } = leapRun('ignore');
    expect(leaps.get(MIDNIGHT - 1)).toBe(header.Leap.InsertSecond);
    expect(leaps.get(MIDNIGHT + 2)).toBe(header.Leap.None);
    for (let k = 0; k <= MIDNIGHT + 30; k++) expect(Math.abs(offsets[k])).toBeLessThan(1e-3);
  });

  it('an expired list announces nothing and changes nothing, and says so at boot', () => {
    const { offsets, leaps, sim } = leapRun('', IETF_TAIL.replace('3960057600', '3692200000'));
    for (const leap of leaps.values()) expect(leap).toBe(header.Leap.None);
    for (let k = 0; k <= MIDNIGHT + 30; k++) expect(Math.abs(offsets[k])).toBeLessThan(1e-3);
    expect(sim.logLines.some((line) => /leap-seconds\.list: the list expired on 2016-12-31: update it$/.test(line))).toBe(true);
  });

  it('a bad or missing file is logged, never fatal', () => {
    const { offsets, sim } = leapRun('', 'garbage\n3692217600 37 # ok\n');
    expect(sim.logLines.some((line) => / leap-seconds\.list:1: want NTPSECONDS TAI-UTC \[# comment\] \(line ignored\)$/.test(line))).toBe(true);
    expect(offsets[MIDNIGHT + 5]).toBeCloseTo(0, 3);
    const missing = runSimulation({
      duration: 5, epoch: EPOCH, config: 'local stratum 10\nleapseclist none.list\n', crystal: { offset: 0, freq: 0, wander: 0 }, servers: [],
      network: { baseDelay: 1e-4, jitter: 0 },
    }, 1);
    expect(missing.sim.logLines.some((line) => /none\.list: no such file/.test(line))).toBe(true);
  });
});
