// (b) ntpdig (which only talks to port 123) against the board inside a network namespace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, deleteNetns, ntpdig, requirePeer } from './peers.js';
import { VBoard } from './vboard.js';

const skip = requirePeer('ntpdig', 'netns');

describe.skipIf(skip !== undefined)(`ntpdig against the board in a namespace${skip ? ` (${skip})` : ''}`, () => {
  let ns: string | undefined;
  beforeAll(async () => { ns = await createNetns(); }, 20_000);
  afterAll(async () => { await deleteNetns(ns); }, 20_000);

  async function withBoard(config: string | undefined, fn: () => Promise<void>): Promise<void> {
    const board = await VBoard.start({ ntpPort: 123, netns: ns, config });
    try {
      await fn();
    } finally {
      await board.stop();
    }
  }

  it('accepts the board with local stratum 3', async () => {
    await withBoard('local stratum 3\n', async () => {
      const r = await ntpdig(['-t', '2', '127.0.0.1'], { netns: ns });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      // e.g. "2026-11-23 12:55:58.730548 (+0000) +0.000036 +/- 0.000114 127.0.0.1 s3 no-leap"
      expect(r.stdout).toMatch(/[+-]\d+\.\d+ \+\/- \d+\.\d+ 127\.0\.0\.1 s3 no-leap/);
    });
  }, 60_000);

  it('refuses the unsynchronised board (no local stratum: LI=3, stratum 16)', async () => {
    await withBoard(undefined, async () => {
      const r = await ntpdig(['-t', '2', '127.0.0.1'], { netns: ns });
      const text = r.stdout + r.stderr;
      expect(r.code, text).not.toBe(0);
      // ntpdig 1.2.2 tests stratum > 15 before LI: a stratum-16 reply is "stratum too high";
      // an LI=3 reply with a lower stratum would be "leap not in sync".
      expect(text).toMatch(/ntpdig: 127\.0\.0\.1: Response dropped: (stratum too high|leap not in sync)/);
      expect(text).toContain('ntpdig: no eligible servers');
      expect(text).not.toMatch(/\+\/-/);
    });
  }, 60_000);
});
