// The virtual board's GPS receiver, in real time: a small script in the
// sandbox (no firmware bundle needed) sets up Serial2 and a watch on D4, as
// the firmware's driver does, and must get the receiver's NMEA and pulses,
// each pulse stamped with the crystal's raw counter at the edge.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { createCrystal } from '../../board/virtual/crystal.mjs';
import { attachGpsReceiver } from '../../board/virtual/gps-attach.mjs';
import { createGpsReceiver } from '../../board/virtual/gps-receiver.mjs';
import { createSandbox } from '../../board/virtual/sandbox.mjs';
import * as nmea from '../../src/refclock/nmea';

const REPO = path.resolve(__dirname, '../..');
/** Collects [raw time of the latest rising edge, chunk] for each chunk, and every rising edge's time. */
const PROBE = `
var chunks = [], edges = [], lastEdge = NaN;
function listen(baud) {
  Serial2.setup(baud, { rx: D16, tx: D17 });
  Serial2.on('data', function (data) { chunks.push([lastEdge, data]); });
  setWatch(function (e) { lastEdge = e.time; edges.push(e.time); }, D4, { edge: 'rising', repeat: true });
}
`;

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** Sentences done well within the second, so two seconds' worth are in by the time the tests look. */
const QUICK = { nmeaDelay: 0.1, nmeaJitter: 0.01 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Probed {
  chunks: [number, string][];
  edges: number[];
}

/** Feeds the probe's chunks to the firmware's reader: [stated Unix second, second of the pulse before it] for each RMC. */
function rmcSeconds(probed: Probed) {
  const pairs: [number, number][] = [];
  let lastEdge = NaN;
  const reader = nmea.create((fix) => {
    if (fix.kind === 'RMC') pairs.push([fix.unixSeconds, Math.round(lastEdge)]);
  });
  for (const [edge, chunk] of probed.chunks) {
    lastEdge = edge;
    nmea.feed(reader, chunk);
  }
  return { pairs, counts: reader.counts };
}

describe('GPS receiver on the virtual board', () => {
  it('reaches a script that set up Serial2 and watches D4, pulses stamped with the raw clock at the edge', async () => {
    const trueNow = () => Date.now() / 1000;
    const start = trueNow();
    const epoch = Math.floor(start);
    const boards = ['right', 'wrong baud', 'no setup'].map((name) => {
      const crystal = createCrystal({ ppm: 300, offset: 0.25, trueNow });
      const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gps-vboard-'));
      const sandbox = createSandbox({
        crystal, console: { write() {} }, storageDir, ntpPort: 0, bindAddress: '127.0.0.1', log() {},
        onUncaught(error) { throw error; },
      });
      const receiver = createGpsReceiver({ epoch, startTime: start - epoch, seed: 2, ...QUICK });
      const gps = attachGpsReceiver({ sandbox, crystal, receiver, trueNow });
      cleanups.push(() => {
        gps.close();
        sandbox.close();
        fs.rmSync(storageDir, { recursive: true, force: true });
      });
      sandbox.load(PROBE, 'probe.js');
      if (name === 'right') sandbox.evaluate('listen(9600)');
      if (name === 'wrong baud') sandbox.evaluate('listen(4800)');
      if (name === 'no setup') sandbox.evaluate('Serial2.on("data", function (d) { chunks.push([0, d]); })');
      const probed = () => JSON.parse(vm.runInContext('JSON.stringify({ chunks: chunks, edges: edges })', sandbox.context as vm.Context)) as Probed;
      return { name, crystal, gps, probed };
    });
    await sleep(2600);
    const [right, wrongBaud, noSetup] = boards;

    const got = right.probed();
    expect(got.edges.length).toBeGreaterThanOrEqual(2);
    // The same receiver's pulses, replayed: each edge's time is the crystal's raw counter at that pulse.
    const pulses = createGpsReceiver({ epoch, startTime: start - epoch, seed: 2, ...QUICK }).eventsUntil(trueNow() - epoch)
      .filter((e) => e.kind === 'edge' && e.level === 1);
    got.edges.forEach((raw, i) => {
      expect(Math.abs(raw - right.crystal.rawAt(epoch + pulses[i].time))).toBeLessThan(2e-6);
    });
    expect(got.edges[1] - got.edges[0]).toBeCloseTo(1 + 300e-6, 5);
    const { pairs, counts } = rmcSeconds(got);
    expect(pairs.length).toBeGreaterThanOrEqual(2);
    expect(counts[nmea.ACCEPTED]).toBe(counts.reduce((a, b) => a + b, 0));
    // raw = true + 0.25 s + 300 ppm: the pulse before each RMC rounds to the second the RMC states.
    for (const [stated, pulse] of pairs) expect(stated).toBe(pulse);
    expect(right.gps.counts.unheard).toBe(0);

    const garbage = wrongBaud.probed();
    expect(garbage.chunks.length).toBeGreaterThan(5);
    expect(rmcSeconds(garbage).counts[nmea.ACCEPTED]).toBe(0);
    expect(wrongBaud.gps.counts.bytes).toBeGreaterThan(0);

    expect(noSetup.probed().chunks).toEqual([]);
    expect(noSetup.probed().edges).toEqual([]);
    expect(noSetup.gps.counts.unheard).toBeGreaterThan(5);
  });

  it('is attached by run.mjs, which takes the --gps flags', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gps-run-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const bundle = path.join(dir, 'probe.js');
    fs.writeFileSync(bundle, PROBE + `listen(9600);
setTimeout(function () { print('PROBE ' + JSON.stringify({ chunks: chunks, edges: edges })); }, 2600);
`);
    const run = (flags: string[], name: string) => new Promise<{ probed: Probed; stderr: string }>((resolve, reject) => {
      const child = spawn('timeout', ['-k', '2', '10', process.execPath, 'board/virtual/run.mjs', '--bundle', bundle,
        '--storage', path.join(dir, name), ...flags], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (data) => {
        stdout += data;
        const line = /PROBE (.*)\r?\n/.exec(stdout);
        if (line) {
          child.kill('SIGTERM');
          resolve({ probed: JSON.parse(line[1]), stderr });
        }
      });
      child.stderr.on('data', (data) => (stderr += data));
      child.on('exit', () => reject(new Error(`run.mjs ${flags.join(' ')} ended without a probe:\n${stderr}\n${stdout}`)));
    });
    const [stale, none] = await Promise.all([
      run(['--gps-mode', 'stale', '--gps-nmea-delay', String(QUICK.nmeaDelay), '--gps-nmea-jitter', String(QUICK.nmeaJitter), '--ppm=-100'], 'stale'),
      run(['--no-gps'], 'none'),
    ]);
    expect(stale.stderr).toMatch(/gps: RMC\+GGA on Serial2 \(rx D16\) at 9600 baud, pulse on D4, mode stale/);
    const { pairs, counts } = rmcSeconds(stale.probed);
    expect(pairs.length).toBeGreaterThanOrEqual(2);
    // RMC then GGA each second; the probe may have looked between the two.
    expect(counts[nmea.ACCEPTED]).toBe(counts.reduce((a, b) => a + b, 0));
    expect(counts[nmea.ACCEPTED]).toBeGreaterThanOrEqual(2 * pairs.length - 1);
    for (const [stated, pulse] of pairs) expect(stated).toBe(pulse - 1);
    expect(stale.probed.edges[1] - stale.probed.edges[0]).toBeCloseTo(1 - 100e-6, 5);
    expect(none.probed).toEqual({ chunks: [], edges: [] });
    expect(none.stderr).not.toMatch(/gps:/);
  });
});
