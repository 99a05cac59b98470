// (a) chronyd as a client selects the board and every NTP test passes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chronyd, freeUdpPort, requirePeer } from './peers.js';
import { VBoard } from './vboard.js';

const skip = requirePeer('chronyd', 'chronyc');

describe.skipIf(skip !== undefined)(`chronyd client of the board${skip ? ` (${skip})` : ''}`, () => {
  let board: VBoard | undefined;
  let chronyd: Chronyd | undefined;

  beforeAll(async () => {
    board = await VBoard.start({ ntpPort: await freeUdpPort(), config: 'local stratum 3\n' });
    chronyd = new Chronyd({ role: 'client', port: board.port });
    await chronyd.start();
  }, 30_000);

  afterAll(async () => {
    await chronyd?.stop();
    await board?.stop();
  }, 20_000);

  it('selects the board (^*) and ntpdata shows all tests passed, stratum 3, mode Server', async () => {
    const sources = await chronyd!.waitSelected(30_000);
    expect(sources).toMatch(new RegExp(`^\\^\\* 127\\.0\\.0\\.1 +3 `, 'm'));
    const d = await chronyd!.ntpdataAllPassed('127.0.0.1');
    expect(d['NTP tests']).toBe('111 111 1111');
    expect(d['Stratum']).toBe('3');
    expect(d['Mode']).toBe('Server');
    expect(d['Reference ID']).toMatch(/^7F7F0101/);
    expect(d['Leap status']).toBe('Normal');
  }, 60_000);
});
