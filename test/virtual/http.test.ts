// The virtual board's HTTP: Espruino's require('http') over Node's http (a
// probe script in the sandbox), and the real bundle serving the status page
// it installed from firmware/status.html into the board's Storage.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox } from '../../board/virtual/sandbox.mjs';
import { hostFile } from '../../board/virtual/storage.mjs';
import { freeUdpPort } from '../interop/peers';
import { VBoard } from '../interop/vboard';

const REPO = path.resolve(__dirname, '../..');
const cleanups: (() => void | Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('virtual board HTTP', () => {
  it('offers Espruino\'s http server: req.url/method, writeHead, end; a throwing handler is an uncaught error, not a crash', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vhttp-'));
    const logs: string[] = [];
    const uncaught: unknown[] = [];
    const sandbox = createSandbox({
      crystal: { read: () => Date.now() / 1000, step: () => {} },
      console: { write: () => {} },
      storageDir: dir,
      ntpPort: 0,
      httpPort: 0,
      bindAddress: '127.0.0.1',
      log: (text) => logs.push(text),
      onUncaught: (error) => uncaught.push(error),
    });
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }), () => sandbox.close());
    sandbox.load(`require('http').createServer(function (req, res) {
      if (req.url === '/throw') throw new Error('boom');
      res.writeHead(201, { 'Content-Type': 'text/plain' });
      res.end(req.method + ' ' + req.url + ' \\xe9');
    }).listen(80);`, 'probe.js');
    let ready: RegExpExecArray | null = null;
    for (let i = 0; i < 100 && !ready; i++) {
      await new Promise((r) => setTimeout(r, 20));
      ready = /^ready http 80 -> 127\.0\.0\.1:(\d+)$/.exec(logs.join('\n').split('\n').find((l) => l.startsWith('ready http')) ?? '');
    }
    expect(ready, logs.join('\n')).not.toBeNull();
    const base = `http://127.0.0.1:${ready![1]}`;
    const response = await fetch(base + '/a?b=1', { method: 'PUT' });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('text/plain');
    // Strings are bytes, as on the board: \xe9 is one byte.
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from('PUT /a?b=1 \xe9', 'latin1'));
    await expect(fetch(base + '/throw', { signal: AbortSignal.timeout(8000) })).rejects.toThrow();
    expect(String(uncaught[0])).toMatch(/boom/);
  }, 15_000);

  it('the board installs firmware/status.html into Storage and serves it at /; 404 and 405 otherwise', async () => {
    const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'vhttp-storage-'));
    cleanups.push(() => fs.rmSync(storage, { recursive: true, force: true }));
    const board = await VBoard.start({ ntpPort: await freeUdpPort(), storage, gps: ['--no-gps'], timeoutS: 30 });
    cleanups.push(() => board.stop());
    const page = fs.readFileSync(path.join(REPO, 'firmware/status.html'));
    expect(fs.readFileSync(hostFile(storage, 'status.html')).equals(page)).toBe(true);
    const base = await board.httpUrl();
    const index = await fetch(base + '/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(Buffer.from(await index.arrayBuffer()).equals(page)).toBe(true);
    expect((await fetch(base + '/nothing')).status).toBe(404);
    expect((await fetch(base + '/status', { method: 'POST', body: 'x' })).status).toBe(405);
    const status = (await (await fetch(base + "/status")).json()) as { synchronised: boolean };
    expect(status.synchronised).toBe(false);
    expect(await board.command('log tracking')).toMatch(/^=+\n {3}Date \(UTC\) Time/);
  }, 40_000);
});
