// (c) python3-ntplib (a decoder, not a judge) reads the board's reply.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPort, ntplibQuery, requirePeer } from './peers.js';
import { VBoard } from './vboard.js';

const skip = requirePeer('ntplib');

describe.skipIf(skip !== undefined)(`python3-ntplib against the board${skip ? ` (${skip})` : ''}`, () => {
  let board: VBoard | undefined;
  beforeAll(async () => {
    board = await VBoard.start({ ntpPort: await freeUdpPort(), config: 'local stratum 3\n' });
  }, 30_000);
  afterAll(async () => { await board?.stop(); }, 20_000);

  it.each([3, 4])('decodes a reply to a version %i request', async (version) => {
    const r = await ntplibQuery('127.0.0.1', board!.port, version);
    expect(r.version).toBe(version);
    expect(r.mode).toBe(4);
    expect(r.leap).toBe(0);
    expect(r.stratum).toBe(3);
    expect(r.ref_id).toBe(0x7f7f0101);
    expect(r.precision).toBeGreaterThanOrEqual(-30);
    expect(r.precision).toBeLessThanOrEqual(-5);
    expect(r.recv_timestamp).toBeLessThanOrEqual(r.tx_timestamp);
    expect(Math.abs(r.tx_time - Date.now() / 1000)).toBeLessThan(5);
  }, 30_000);
});
