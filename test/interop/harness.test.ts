// Self-test of the interop harness against chronyd acting as the server (local
// stratum 1). Needs no board: it shows the peers and helpers work on this machine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chronyd, Capture, createNetns, deleteNetns, freeUdpPort, ntpdig, ntplibQuery, requirePeer, signed8 } from './peers.js';
import { exchange, startFakeServer, type FakeServer } from './ntpwire.js';

const skip = requirePeer('chronyd', 'chronyc', 'ntplib', 'tshark');

describe.skipIf(skip !== undefined)(`harness vs chronyd server${skip ? ` (${skip})` : ''}`, () => {
  let server: Chronyd;
  let port: number;

  beforeAll(async () => {
    port = await freeUdpPort();
    server = new Chronyd({ role: 'server', port });
    await server.start();
  }, 20_000);
  afterAll(async () => { await server?.stop(); }, 10_000);

  it('chronyd client selects chronyd server and all NTP tests pass', async () => {
    const client = new Chronyd({ role: 'client', port });
    try {
      await client.start();
      await client.waitSelected(20_000);
      const d = await client.ntpdata('127.0.0.1');
      expect(d['NTP tests']).toBe('111 111 1111');
      expect(d['Stratum']).toBe('1');
      expect(d['Mode']).toBe('Server');
      expect(d['Reference ID']).toMatch(/^7F7F0101/);
    } finally {
      await client.stop();
    }
  }, 40_000);

  it('ntplib decodes chronyd', async () => {
    const r = await ntplibQuery('127.0.0.1', port, 3);
    expect(r).toMatchObject({ version: 3, mode: 4, leap: 0, stratum: 1, ref_id: 0x7f7f0101 });
    expect(r.precision).toBeGreaterThanOrEqual(-30);
    expect(r.precision).toBeLessThanOrEqual(-5);
  }, 20_000);

  it('tshark decodes one exchange', async () => {
    const cap = new Capture(port, 20);
    try {
      await cap.start();
      const { request, reply } = await exchange('127.0.0.1', port, { version: 4, poll: 6 });
      await cap.stop();
      const rows = await cap.decode();
      const rep = rows.find((r) => r['ntp.flags.mode'] === '4');
      expect(rep, JSON.stringify(rows)).toBeDefined();
      expect(rep!['udp.payload'].replace(/:/g, '')).toBe(reply.toString('hex'));
      expect(signed8(rep!['ntp.precision'])).toBe(reply.readInt8(3));
      expect(rep!['ntp.refid'].replace(/:/g, '')).toBe('7f7f0101');
      expect(reply.subarray(24, 32).equals(request.subarray(40, 48))).toBe(true);
      expect(rep!['_ws.malformed']).toBe('');
    } finally {
      cap.cleanup();
    }
  }, 40_000);
});

const skipNs = requirePeer('chronyd', 'ntpdig', 'netns');

describe.skipIf(skipNs !== undefined)(`harness: ntpdig in a namespace${skipNs ? ` (${skipNs})` : ''}`, () => {
  let ns: string;
  beforeAll(async () => { ns = await createNetns(); }, 20_000);
  afterAll(async () => { await deleteNetns(ns); }, 20_000);

  it('ntpdig accepts chronyd on port 123 in the namespace', async () => {
    const server = new Chronyd({ role: 'server', port: 123, netns: ns });
    try {
      await server.start();
      const r = await ntpdig(['-t', '2', '127.0.0.1'], { netns: ns });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/[+-]\d+\.\d+ \+\/- \d+\.\d+ 127\.0\.0\.1 s1 no-leap/);
    } finally {
      await server.stop();
    }
  }, 40_000);

  // What ntpdig 1.2.2 prints: it checks stratum (> 15) before LI, so LI=3 + stratum 16 is
  // "stratum too high"; LI=3 with a valid stratum is "leap not in sync". Both end with
  // "ntpdig: no eligible servers" and exit status 1.
  it.each([
    [3, 16, 'Response dropped: stratum too high'],
    [3, 3, 'Response dropped: leap not in sync'],
  ])('ntpdig refuses LI=%i stratum %i', async (leap, stratum, message) => {
    let fake: FakeServer | undefined;
    try {
      fake = await startFakeServer({ netns: ns, port: 123, leap, stratum });
      const r = await ntpdig(['-t', '2', '127.0.0.1'], { netns: ns });
      expect(r.code).toBe(1);
      expect(r.stderr + r.stdout).toContain(`ntpdig: 127.0.0.1: ${message}`);
      expect(r.stderr + r.stdout).toContain('ntpdig: no eligible servers');
    } finally {
      await fake?.stop();
    }
  }, 40_000);
});
