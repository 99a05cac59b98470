// The virtual board's host contract: ready line, serial console, prompt exit on SIGTERM.
import { afterAll, describe, expect, it } from 'vitest';
import { freeUdpPort } from './peers.js';
import { exchange, parseHeader } from './ntpwire.js';
import { VBoard, parseStats } from './vboard.js';

describe('virtual board contract', () => {
  const boards: VBoard[] = [];
  afterAll(async () => { for (const b of boards) await b.stop(); }, 20_000);

  it('boots, answers NTP, runs console commands and exits 0 on SIGTERM', async () => {
    const port = await freeUdpPort();
    const b = await VBoard.start({ ntpPort: port, config: 'local stratum 3\n' });
    boards.push(b);
    expect(b.address).toBe('127.0.0.1');
    expect(b.port).toBe(port);

    const { reply } = await exchange('127.0.0.1', port);
    expect(parseHeader(reply)).toMatchObject({ li: 0, mode: 4, stratum: 3, refid: '7f7f0101' });

    expect(await b.command('help')).toMatch(/tracking/);
    const tracking = await b.command('tracking');
    expect(tracking).toMatch(/^Reference ID\s+: 7F7F0101/m);
    expect(tracking).toMatch(/^Stratum\s+: 3$/m);
    expect(tracking).toMatch(/^Leap status\s+: Normal$/m);
    const stats = parseStats(await b.command('serverstats'));
    expect(stats['NTP packets received']).toBeGreaterThanOrEqual(1);
    expect(stats['NTP packets dropped']).toBe(0);
    expect(await b.command('config')).toMatch(/local stratum 3/);

    const t0 = Date.now();
    expect(await b.stop()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000);
  }, 60_000);

  it('without local stratum it is unsynchronised (LI=3, stratum 16)', async () => {
    const port = await freeUdpPort();
    const b = await VBoard.start({ ntpPort: port });
    boards.push(b);
    const { reply } = await exchange('127.0.0.1', port);
    expect(parseHeader(reply)).toMatchObject({ li: 3, mode: 4, stratum: 16 });
    expect(await b.command('tracking')).toMatch(/^Leap status\s+: Not synchronised$/m);
  }, 60_000);
});
