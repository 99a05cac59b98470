// Issue 4: broadcast and multicast on a LAN made of two network namespaces
// joined by a veth pair (10.200.x.1 and 10.200.x.2). One virtual board sends
// mode-5 packets, the other follows them as a broadcast/multicast client: it
// must synchronise within 2 minutes and serve time within 2 ms of this
// machine's clock (measured by ntpdig inside its namespace), and tshark must
// decode the mode-5 packets cleanly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Capture, Chronyd, createNetns, deleteNetns, ntpdig, parseColon, requirePeer, run, sleep } from './peers.js';
import { VBoard } from './vboard.js';

const skip = requirePeer('netns', 'ntpdig', 'tshark', 'chronyd');
const SUBNET = `10.200.${process.pid % 200}`;

async function ip(args: string[]): Promise<void> {
  const r = await run('ip', args, { timeoutS: 10 });
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

/**
 * Waits until the follower is synchronised to the sender at `stratum`, has
 * taken samples from broadcasts (not only from its delay calibration), and
 * ntpdig in its namespace finds it within 2 ms. Returns what it saw.
 */
async function followUntilSynchronised(follower: VBoard, namespace: string, stratum: string) {
  const started = Date.now();
  let tracking: Record<string, string> = {};
  let data: Record<string, string> = {};
  let offset = Infinity;
  while (Date.now() - started < 120_000) {
    await sleep(4000);
    tracking = parseColon(await follower.command('tracking'));
    data = parseColon(await follower.command('ntpdata'));
    if (tracking['Leap status'] !== 'Normal' || tracking['Stratum'] !== stratum) continue;
    // 4 valid replies calibrate the delay; more are broadcasts used as samples.
    if (!(Number(data['Total valid RX']) > 6)) continue;
    const dig = await ntpdig(['-t', '2', '127.0.0.1'], { netns: namespace });
    const match = /([-+][0-9.]+) \+\/-/.exec(dig.stdout);
    offset = match ? Number(match[1]) : Infinity;
    if (Math.abs(offset) < 2e-3) break;
  }
  const stats = parseColon(await follower.command('serverstats'));
  return { elapsed: (Date.now() - started) / 1000, tracking, data, offset, broadcastsReceived: Number(stats['Broadcasts received']) };
}

describe.skipIf(skip !== undefined)(`broadcast and multicast between two boards${skip ? ` (${skip})` : ''}`, () => {
  let server = '';
  let client = '';
  const boards: VBoard[] = [];

  beforeAll(async () => {
    server = await createNetns();
    client = await createNetns();
    const a = `vb${process.pid % 100000}a`;
    const b = `vb${process.pid % 100000}b`;
    await ip(['link', 'add', a, 'netns', server, 'type', 'veth', 'peer', 'name', b, 'netns', client]);
    await ip(['-n', server, 'addr', 'add', `${SUBNET}.1/24`, 'dev', a]);
    await ip(['-n', client, 'addr', 'add', `${SUBNET}.2/24`, 'dev', b]);
    await ip(['-n', server, 'link', 'set', a, 'up']);
    await ip(['-n', client, 'link', 'set', b, 'up']);
    // Multicast needs a route for 224.0.0.0/4 on both sides, or the group join fails silently.
    await ip(['-n', server, 'route', 'add', '224.0.0.0/4', 'dev', a]);
    await ip(['-n', client, 'route', 'add', '224.0.0.0/4', 'dev', b]);
  }, 30_000);

  afterAll(async () => {
    for (const board of boards) await board.stop();
    await deleteNetns(server);
    await deleteNetns(client);
  }, 30_000);

  for (const mode of ['broadcast', 'multicast']) {
    it(`a ${mode} client follows a ${mode} server within 2 minutes, to 2 ms`, async () => {
      const destination = mode === 'broadcast' ? `${SUBNET}.255` : '224.0.1.1';
      const sender = await VBoard.start({ netns: server, ntpPort: 123, bind: '0.0.0.0', timeoutS: 200,
        config: `local stratum 3\nbroadcast 8 ${destination}\n` });
      boards.push(sender);
      const capture = new Capture(123, 150, { iface: `vb${process.pid % 100000}b`, netns: client });
      await capture.start();
      const follower = await VBoard.start({ netns: client, ntpPort: 123, bind: '0.0.0.0', ppm: 25, offset: 0.2, seed: 5, timeoutS: 200,
        config: mode === 'broadcast' ? 'broadcastclient\n' : 'multicastclient 224.0.1.1\n' });
      boards.push(follower);
      const seen = await followUntilSynchronised(follower, client, '4');
      console.log(`[${mode}] synchronised in ${seen.elapsed.toFixed(0)} s; ntpdig offset ${(seen.offset * 1e3).toFixed(3)} ms; ` +
        `reference ${seen.tracking['Reference ID']}; ${seen.data['Total valid RX']} samples, ${seen.broadcastsReceived} broadcasts received`);
      expect(seen.tracking['Reference ID']).toMatch(new RegExp(`\\(${SUBNET.replace(/\./g, '\\.')}\\.1\\)$`));
      expect(Number(seen.data['Total valid RX'])).toBeGreaterThan(6);
      expect(Math.abs(seen.offset)).toBeLessThan(2e-3);
      expect(seen.elapsed).toBeLessThan(120);
      const stats = parseColon(await sender.command('serverstats'));
      expect(Number(stats['Broadcasts sent'])).toBeGreaterThan(0);
      await capture.stop();
      const rows = (await capture.decode()).filter((row) => row['ntp.flags.mode'] === '5');
      capture.cleanup();
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row['_ws.malformed']).toBe('');
        expect(row['ntp.flags.vn']).toBe('4');
        expect(row['ntp.stratum']).toBe('3');
        expect(Number(row['ntp.ppoll'])).toBe(3);
        expect(row['ntp.refid']).toBe('7f7f0101');
        expect(row['udp.payload'].length).toBe(96);
      }
      for (const board of boards.splice(0)) await board.stop();
    }, 200_000);
  }

  it('our broadcast client follows chronyd as a broadcast server', async () => {
    const chronyd = new Chronyd({ role: 'server', port: 123, netns: server, timeoutS: 180 });
    chronyd.config = () => ['port 123', 'local stratum 2', 'allow', `broadcast 8 ${SUBNET}.255`, 'cmdport 0',
      `bindcmdaddress ${chronyd.sock}`, `pidfile ${chronyd.dir}/p.pid`, `driftfile ${chronyd.dir}/d.drift`].join('\n') + '\n';
    await chronyd.start();
    try {
      const follower = await VBoard.start({ netns: client, ntpPort: 123, bind: '0.0.0.0', ppm: 15, offset: 0.1, seed: 6, timeoutS: 200,
        config: 'broadcastclient\n' });
      boards.push(follower);
      const seen = await followUntilSynchronised(follower, client, '3');
      console.log(`[chronyd broadcast] synchronised in ${seen.elapsed.toFixed(0)} s; ntpdig offset ${(seen.offset * 1e3).toFixed(3)} ms; ` +
        `${seen.data['Total valid RX']} samples, ${seen.broadcastsReceived} broadcasts received`);
      expect(seen.tracking['Reference ID']).toMatch(new RegExp(`\\(${SUBNET.replace(/\./g, '\\.')}\\.1\\)$`));
      expect(seen.broadcastsReceived).toBeGreaterThan(2);
      expect(Math.abs(seen.offset)).toBeLessThan(2e-3);
      for (const board of boards.splice(0)) await board.stop();
    } finally {
      await chronyd.stop();
    }
  }, 200_000);
});
