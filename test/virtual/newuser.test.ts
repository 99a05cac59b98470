// Issue 6, tried as a new user would: the virtual board as `npm start` runs it (its
// default configuration, board/virtual/demo.conf), driven through its stdin console:
// help, tracking, sources -v, config set server …, config save, reboot — and after
// the reboot the saved configuration is in force.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPort, sleep } from '../interop/peers.js';
import { VBoard } from '../interop/vboard.js';

const DEMO = fs.readFileSync(path.resolve(__dirname, '../../board/virtual/demo.conf'), 'utf8');

describe('a new user on the virtual board', () => {
  let board: VBoard | undefined;

  beforeAll(async () => {
    board = await VBoard.start({ ntpPort: await freeUdpPort(), config: DEMO, timeoutS: 90 });
  }, 30_000);

  afterAll(async () => {
    await board?.stop();
  }, 20_000);

  it('help, tracking, sources -v, config set/save, reboot: the saved configuration is in force after the reboot', async () => {
    const b = board!;
    const help = await b.command('help');
    for (const name of ['tracking', 'sources', 'config', 'reboot', 'refclocks']) expect(help).toMatch(new RegExp('^' + name + ' ', 'm'));
    expect(await b.command('tracking')).toMatch(/^Reference ID    : [0-9A-F]{8} \(.*\)\nStratum         : [0-9]+\n/);
    expect(await b.command('sources -v')).toMatch(/Source mode .*\n(.*\n)*MS Name\/IP address {9}Stratum Poll Reach LastRx Last sample {15}\n=+\n#. (GPS|PPS) /);
    expect(await b.command('config set server 192.0.2.1 iburst')).toBe('200 OK');
    expect(await b.command('config set local stratum 9')).toBe('200 OK');
    expect(await b.command('config save')).toMatch(/^200 OK\nSaved as generation 1; reboot to apply\.$/);
    expect(await b.command('config')).toMatch(/server 192\.0\.2\.1 iburst\n.*\(saved changes take effect at the next reboot\)$/s);
    expect(await b.command('reboot')).toBe('Rebooting.');
    await sleep(1500); // the board restarts and prints its banner
    const config = await b.command('config');
    expect(config).toMatch(/^ {2}1 {2}# Configuration a fresh virtual board/);
    expect(config).toMatch(/local stratum 9\n.*server 192\.0\.2\.1 iburst$/s);
    expect(config).not.toMatch(/saved changes|edited/);
    expect(await b.command('sources -a')).toMatch(/^\^. 192\.0\.2\.1 /m);
    expect(b.stderr).toMatch(/\[vboard\] reboot #1/);
  }, 60_000);
});
