// Issue 3 interop: chronyd serving `local stratum 1` on loopback (its clock is
// this machine's clock: the truth) is the board's upstream. The board's crystal
// runs 40 ppm fast and starts 0.5 s off. Within 3 minutes the board must be
// synchronised with its frequency correction within 1 ppm of the crystal's
// error, and a second chronyd querying the board must find it within 1 ms.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chronyd, freeUdpPort, parseColon, requirePeer, sleep } from './peers.js';
import { VBoard } from './vboard.js';

const skip = requirePeer('chronyd', 'chronyc');
const CRYSTAL_PPM = 40;

describe.skipIf(skip !== undefined)(`chronyd upstream of the board${skip ? ` (${skip})` : ''}`, () => {
  let upstream: Chronyd | undefined;
  let board: VBoard | undefined;
  let downstream: Chronyd | undefined;

  beforeAll(async () => {
    const upstreamPort = await freeUdpPort();
    upstream = new Chronyd({ role: 'server', port: upstreamPort, timeoutS: 300 });
    await upstream.start();
    board = await VBoard.start({
      ntpPort: await freeUdpPort(),
      ppm: CRYSTAL_PPM,
      offset: 0.5,
      seed: 3,
      timeoutS: 300,
      config: `server 127.0.0.1 port ${upstreamPort} iburst minpoll 0 maxpoll 2\n`,
    });
  }, 30_000);

  afterAll(async () => {
    await downstream?.stop();
    await board?.stop();
    await upstream?.stop();
  }, 30_000);

  it('synchronises, learns the crystal within 1 ppm, and serves time within 1 ms', async () => {
    const started = Date.now();
    let tracking: Record<string, string> = {};
    let frequencyError = Infinity;
    while (Date.now() - started < 180_000) {
      tracking = parseColon(await board!.command('tracking'));
      const match = /^([0-9.]+) ppm (slow|fast)$/.exec(tracking['Frequency'] ?? '');
      const crystalPpm = match ? (match[2] === 'fast' ? 1 : -1) * Number(match[1]) : NaN;
      frequencyError = Math.abs(crystalPpm - CRYSTAL_PPM);
      if (tracking['Leap status'] === 'Normal' && tracking['Reference ID']?.startsWith('7F000001') && frequencyError < 1) break;
      await sleep(2000);
    }
    const elapsed = (Date.now() - started) / 1000;
    expect(tracking['Reference ID'], JSON.stringify(tracking)).toMatch(/^7F000001 \(127\.0\.0\.1\)$/);
    expect(tracking['Stratum']).toBe('2');
    expect(tracking['Leap status']).toBe('Normal');
    expect(frequencyError, `tracking: ${JSON.stringify(tracking)}`).toBeLessThan(1);
    expect(elapsed).toBeLessThan(180);

    // A second chronyd measures the board's served time against this machine's clock.
    downstream = new Chronyd({ role: 'client', port: board!.port, timeoutS: 120 });
    await downstream.start();
    await downstream.waitSelected(30_000);
    await sleep(4000); // a few more samples at its 0.25-1 s polling
    const data = await downstream.ntpdataAllPassed('127.0.0.1');
    expect(data['NTP tests']).toBe('111 111 1111');
    expect(data['Stratum']).toBe('2');
    const offset = Number(/^([-+0-9.e]+) seconds$/.exec(data['Offset'] ?? '')?.[1]);
    console.log(`[upstream] synchronised after ${elapsed.toFixed(0)} s; frequency error ${frequencyError.toFixed(3)} ppm; ` +
      `downstream chronyd offset ${(offset * 1e6).toFixed(1)} us`);
    expect(Math.abs(offset)).toBeLessThan(1e-3);
  }, 240_000);
});
