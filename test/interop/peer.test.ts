// Issue 4: symmetric peers. chronyd configured with `peer` to the virtual
// board, and the board with `peer` to chronyd: both sides see the other as a
// symmetric peer (chronyd's ntpdata: "Symmetric active") and every NTP test
// passes on both sides. The board (local stratum 2) is the better clock: chronyd
// (local stratum 5) follows it, and the board must not follow chronyd back,
// since chronyd is synchronised to it (loop detection). Had the board followed
// chronyd, chronyd's own loop test (its test D) would fail, as it should.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chronyd, freeUdpPort, parseColon, requirePeer, sleep } from './peers.js';
import { VBoard } from './vboard.js';

const skip = requirePeer('chronyd', 'chronyc');

describe.skipIf(skip !== undefined)(`symmetric peers with chronyd${skip ? ` (${skip})` : ''}`, () => {
  let board: VBoard | undefined;
  let chronyd: Chronyd | undefined;

  beforeAll(async () => {
    const boardPort = await freeUdpPort();
    const chronydPort = await freeUdpPort();
    chronyd = new Chronyd({ role: 'client', port: 0, timeoutS: 120 });
    chronyd.config = () => [`port ${chronydPort}`, 'bindaddress 127.0.0.1', 'local stratum 5',
      `peer 127.0.0.1 port ${boardPort} minpoll -2 maxpoll 0`, 'cmdport 0', `bindcmdaddress ${chronyd!.sock}`,
      `pidfile ${chronyd!.dir}/p.pid`, `driftfile ${chronyd!.dir}/d.drift`].join('\n') + '\n';
    await chronyd.start();
    board = await VBoard.start({ ntpPort: boardPort, timeoutS: 120, config: `local stratum 2\npeer 127.0.0.1 port ${chronydPort} minpoll 0 maxpoll 1\n` });
  }, 30_000);

  afterAll(async () => {
    await board?.stop();
    await chronyd?.stop();
  }, 30_000);

  it('both sides hold a symmetric association and pass every NTP test', async () => {
    let ours: Record<string, string> = {};
    let theirs: Record<string, string> = {};
    const until = Date.now() + 40_000;
    while (Date.now() < until) {
      await sleep(2000);
      ours = parseColon(await board!.command('ntpdata 127.0.0.1'));
      theirs = parseColon(await chronyd!.chronyc('ntpdata', '127.0.0.1'));
      if (ours['NTP tests'] === '111 111 1111' && theirs['NTP tests'] === '111 111 1111' &&
        /^7F000001/.test(parseColon(await chronyd!.chronyc('tracking'))['Reference ID'] ?? '')) break;
    }
    console.log(`[peer] chronyd sees mode "${theirs['Mode']}", tests ${theirs['NTP tests']}, stratum ${theirs['Stratum']}; ` +
      `board sees mode "${ours['Mode']}", tests ${ours['NTP tests']}, stratum ${ours['Stratum']}`);
    expect(theirs['Mode']).toMatch(/^Symmetric (active|passive)$/);
    expect(theirs['NTP tests']).toBe('111 111 1111');
    expect(ours['Mode']).toMatch(/^Symmetric (active|passive)$/);
    expect(ours['NTP tests']).toBe('111 111 1111');
    // chronyd follows the board; the board stays on its own reference and does not follow chronyd back.
    const theirTracking = parseColon(await chronyd!.chronyc('tracking'));
    expect(theirTracking['Reference ID']).toMatch(/^7F000001/);
    expect(theirTracking['Stratum']).toBe('3');
    const tracking = parseColon(await board!.command('tracking'));
    expect(tracking['Reference ID']).toMatch(/^7F7F0101/);
    expect(tracking['Stratum']).toBe('2');
  }, 60_000);
});
