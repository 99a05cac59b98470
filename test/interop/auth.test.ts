// Issue 4: symmetric-key authentication against chronyd, both directions, with
// SHA1 and MD5 keys (and, issue 16, SHA256 keys whose ids look like extension-field lengths): chronyd as a client of the board, and the board as a
// client of chronyd. Each side reports the exchange authenticated; a wrong key
// is rejected on both sides.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hostFile } from '../../board/virtual/storage.mjs';
import { Chronyd, freeUdpPort, parseColon, removeDir, requirePeer, sleep, tempDir } from './peers.js';
import { VBoard } from './vboard.js';

const skip = requirePeer('chronyd', 'chronyc');
const KEYS: { [type: string]: string } = {
  SHA1: '1 SHA1 HEX:8c5b0f6fb2bb4e2c6d1b0a7e3f9a2c4d5e6f7a8b',
  MD5: '1 MD5 HEX:00112233445566778899aabbccddeeff',
};
const WRONG: { [type: string]: string } = {
  SHA1: '1 SHA1 HEX:0c5b0f6fb2bb4e2c6d1b0a7e3f9a2c4d5e6f7a8b',
  MD5: '1 MD5 HEX:10112233445566778899aabbccddeeff',
};

/** A board whose Storage holds ntp.keys. */
async function boardWithKeys(keyLine: string, config: string): Promise<{ board: VBoard; dir: string }> {
  const dir = tempDir('vboard-keys');
  const storage = join(dir, 'storage');
  mkdirSync(storage, { recursive: true });
  writeFileSync(hostFile(storage, 'ntp.keys'), keyLine + '\n');
  const board = await VBoard.start({ ntpPort: await freeUdpPort(), storage, config, timeoutS: 90 });
  return { board, dir };
}

function chronydWithKeys(keyLine: string, lines: (chronyd: Chronyd) => string[]): Chronyd {
  const chronyd = new Chronyd({ role: 'client', port: 0, timeoutS: 90 });
  chronyd.config = () => {
    writeFileSync(join(chronyd.dir, 'keys'), keyLine + '\n');
    return [...lines(chronyd), `keyfile ${join(chronyd.dir, 'keys')}`, 'cmdport 0', `bindcmdaddress ${chronyd.sock}`,
      `pidfile ${chronyd.dir}/p.pid`, `driftfile ${chronyd.dir}/d.drift`].join('\n') + '\n';
  };
  return chronyd;
}

describe.skipIf(skip !== undefined)(`symmetric-key authentication with chronyd${skip ? ` (${skip})` : ''}`, () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!();
  }, 30_000);

  // Issue 16: chronyd sends SHA256-keyed requests as NTPv3 with the whole 32-byte digest; key ids
  // whose low 16 bits read as an extension-field length (16, 32, 36) were once refused. One board
  // with all the keys, one chronyd per key, all at once: every one selects it, authenticated.
  it('chronyd clients with SHA256 keys 16, 32, 36 and MD5/SHA1 keys 16, 32: all selected, all authenticated', async () => {
    const keyLines: { [name: string]: string } = {
      'SHA256 16': '16 SHA256 HEX:' + '16'.repeat(32),
      'SHA256 32': '32 SHA256 HEX:' + '32'.repeat(32),
      'SHA256 36': '36 SHA256 HEX:' + '24'.repeat(32),
      'MD5 16': '16 MD5 HEX:' + '0f'.repeat(16),
      'SHA1 32': '32 SHA1 HEX:' + '1f'.repeat(20),
    };
    // A board holds one key per id: the MD5/SHA1 ids get a second board.
    const sha256Board = await boardWithKeys(['SHA256 16', 'SHA256 32', 'SHA256 36'].map((name) => keyLines[name]).join('\n'), 'local stratum 3\n');
    cleanup.push(async () => { await sha256Board.board.stop(); removeDir(sha256Board.dir); });
    const otherBoard = await boardWithKeys([keyLines['MD5 16'], keyLines['SHA1 32']].join('\n'), 'local stratum 3\n');
    cleanup.push(async () => { await otherBoard.board.stop(); removeDir(otherBoard.dir); });
    const clients: { name: string; chronyd: Chronyd }[] = [];
    for (const name of Object.keys(keyLines)) {
      const board = name.startsWith('SHA256') ? sha256Board.board : otherBoard.board;
      const keyId = name.split(' ')[1];
      const chronyd = chronydWithKeys(keyLines[name], () => [`server 127.0.0.1 port ${board.port} iburst minpoll -2 maxpoll 0 key ${keyId}`, 'port 0']);
      cleanup.push(() => chronyd.stop());
      await chronyd.start();
      clients.push({ name, chronyd });
    }
    for (const { name, chronyd } of clients) {
      await chronyd.waitSelected(30_000);
      const data = parseColon(await chronyd.chronyc('ntpdata', '127.0.0.1'));
      expect(`${name}: ${data['Authenticated']}`).toBe(`${name}: Yes`);
      expect(`${name}: ${data['NTP tests']}`).toBe(`${name}: 111 111 1111`);
      if (name.startsWith('SHA256')) expect(`${name}: ${data['Version']}`).toBe(`${name}: 3`);
    }
    for (const board of [sha256Board.board, otherBoard.board]) {
      const stats = parseColon(await board.command('serverstats'));
      expect(Number(stats['Authenticated NTP packets'])).toBeGreaterThan(0);
      expect(Number(stats['Crypto-NAKs sent'])).toBe(0);
    }
  }, 90_000);

  for (const type of ['SHA1', 'MD5']) {
    it(`chronyd client → board server, ${type}: authenticated; a wrong key is refused`, async () => {
      const { board, dir } = await boardWithKeys(KEYS[type], 'local stratum 3\n');
      cleanup.push(async () => { await board.stop(); removeDir(dir); });
      const good = chronydWithKeys(KEYS[type], () => [`server 127.0.0.1 port ${board.port} iburst minpoll -2 maxpoll 0 key 1`, 'port 0']);
      const bad = chronydWithKeys(WRONG[type], () => [`server 127.0.0.1 port ${board.port} iburst minpoll -2 maxpoll 0 key 1`, 'port 0']);
      cleanup.push(() => good.stop(), () => bad.stop());
      await good.start();
      await bad.start();
      await good.waitSelected(30_000);
      const data = parseColon(await good.chronyc('ntpdata', '127.0.0.1'));
      expect(data['Authenticated']).toBe('Yes');
      expect(data['NTP tests']).toBe('111 111 1111');
      await sleep(3000);
      expect(await bad.chronyc('sources')).not.toMatch(/^\^\*/m);
      const badData = parseColon(await bad.chronyc('ntpdata', '127.0.0.1'));
      expect(badData['Authenticated']).not.toBe('Yes');
      const stats = parseColon(await board.command('serverstats'));
      expect(Number(stats['Authenticated NTP packets'])).toBeGreaterThan(0);
      expect(Number(stats['Crypto-NAKs sent'])).toBeGreaterThan(0);
    }, 60_000);

    it(`board client → chronyd server, ${type}: authenticated; a wrong key is refused`, async () => {
      const port = await freeUdpPort();
      const server = chronydWithKeys(KEYS[type], () => [`port ${port}`, 'bindaddress 127.0.0.1', 'local stratum 1', 'allow 127.0.0.1']);
      cleanup.push(() => server.stop());
      await server.start();
      const good = await boardWithKeys(KEYS[type], `server 127.0.0.1 port ${port} iburst minpoll 0 maxpoll 1 key 1\n`);
      const bad = await boardWithKeys(WRONG[type], `server 127.0.0.1 port ${port} iburst minpoll 0 maxpoll 1 key 1\n`);
      cleanup.push(async () => { await good.board.stop(); removeDir(good.dir); }, async () => { await bad.board.stop(); removeDir(bad.dir); });
      let data: Record<string, string> = {};
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        data = parseColon(await good.board.command('ntpdata 127.0.0.1'));
        if (data['Authenticated'] === 'Yes' && /^\^\*/m.test(await good.board.command('sources'))) break;
        await sleep(1000);
      }
      expect(data['Authenticated']).toBe('Yes');
      expect(data['NTP tests']).toBe('111 111 1111');
      // chronyd drops a request whose MAC does not verify: the board with the wrong key hears
      // nothing valid (no reply, or one that fails test 5), never authenticates, never selects.
      const badData = parseColon(await bad.board.command('ntpdata 127.0.0.1'));
      expect(badData['Authenticated']).toBe('No');
      expect(badData['NTP tests']).not.toBe('111 111 1111');
      expect(Number(badData['Total valid RX'])).toBe(0);
      expect(await bad.board.command('sources')).not.toMatch(/^\^\*/m);
    }, 60_000);
  }
});
