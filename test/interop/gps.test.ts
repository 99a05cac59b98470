// Issue 5 interop: the virtual board with its simulated GPS receiver (NMEA on
// Serial2, PPS on D4; attached by default) becomes a stratum-1 server. chronyd
// as a client must see stratum 1 with reference id PPS (or GPS), pass every
// NTP test, and measure the board within 1 ms of this machine's clock (the
// receiver's truth is this machine's clock).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chronyd, freeUdpPort, parseColon, requirePeer, sleep } from './peers.js';
import { VBoard } from './vboard.js';

const skip = requirePeer('chronyd', 'chronyc');

describe.skipIf(skip !== undefined)(`chronyd client of the GPS-disciplined board${skip ? ` (${skip})` : ''}`, () => {
  let board: VBoard | undefined;
  let chronyd: Chronyd | undefined;

  beforeAll(async () => {
    board = await VBoard.start({
      ntpPort: await freeUdpPort(),
      ppm: 30,
      offset: 0.3,
      seed: 5,
      timeoutS: 200,
      config: 'refclock GPS\nmakestep 1 3\n',
    });
  }, 30_000);

  afterAll(async () => {
    await chronyd?.stop();
    await board?.stop();
  }, 20_000);

  it('serves stratum 1 from the pulse; chronyd passes every test and measures it within 1 ms', async () => {
    const started = Date.now();
    let tracking: Record<string, string> = {};
    while (Date.now() - started < 120_000) {
      tracking = parseColon(await board!.command('tracking'));
      const correction = Number(/^([0-9.]+) seconds/.exec(tracking['System time'] ?? '')?.[1]);
      if (tracking['Stratum'] === '1' && /^(50505300 \(PPS\)|47505300 \(GPS\))$/.test(tracking['Reference ID'] ?? '') && correction < 1e-4) break;
      await sleep(2000);
    }
    const elapsed = (Date.now() - started) / 1000;
    expect(tracking['Reference ID'], JSON.stringify(tracking)).toMatch(/^50505300 \(PPS\)$/);
    expect(tracking['Stratum']).toBe('1');
    const refclocks = await board!.command('refclocks');
    expect(refclocks).toMatch(/^#\* PPS /m);
    expect(refclocks).toMatch(/Second count    : locked/);

    chronyd = new Chronyd({ role: 'client', port: board!.port, timeoutS: 120 });
    await chronyd.start();
    const sources = await chronyd.waitSelected(30_000);
    expect(sources).toMatch(/^\^\* 127\.0\.0\.1 +1 /m);
    await sleep(4000); // a few more samples at its 0.25-1 s polling
    const data = await chronyd.ntpdataAllPassed('127.0.0.1');
    expect(data['NTP tests']).toBe('111 111 1111');
    expect(data['Stratum']).toBe('1');
    expect(data['Reference ID']).toMatch(/^(50505300 \(PPS\)|47505300 \(GPS\))$/);
    expect(data['Leap status']).toBe('Normal');
    const offset = Number(/^([-+0-9.e]+) seconds$/.exec(data['Offset'] ?? '')?.[1]);
    console.log(`[gps] stratum 1 from the pulse after ${elapsed.toFixed(0)} s; chronyd measured the board at ${(offset * 1e6).toFixed(1)} us`);
    expect(Math.abs(offset)).toBeLessThan(1e-3);
  }, 200_000);
});
