// (d) tshark decodes one request/reply exchange; every field is what the server meant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Capture, freeUdpPort, requirePeer, signed8, type TsharkRow } from './peers.js';
import { exchange, parseHeader } from './ntpwire.js';
import { VBoard } from './vboard.js';

const skip = requirePeer('tshark');

/** tshark's absolute time ("Nov 23, 2026 12:55:57.842392154 UTC") as Unix seconds. */
function tsharkTime(s: string): number {
  const m = /^(.+ \d\d:\d\d:\d\d)\.(\d+) UTC$/.exec(s);
  if (!m) throw new Error(`unexpected tshark time: ${s}`);
  return Date.parse(`${m[1]} UTC`) / 1000 + Number(`0.${m[2]}`);
}

describe.skipIf(skip !== undefined)(`tshark decodes the board's reply${skip ? ` (${skip})` : ''}`, () => {
  let board: VBoard | undefined;
  let cap: Capture | undefined;
  beforeAll(async () => {
    board = await VBoard.start({ ntpPort: await freeUdpPort(), config: 'local stratum 3\n' });
  }, 30_000);
  afterAll(async () => {
    await board?.stop();
    cap?.cleanup();
  }, 20_000);

  it('one exchange, VN 4 and VN 3', async () => {
    cap = new Capture(board!.port, 30);
    await cap.start();
    const exchanges = [];
    for (const version of [4, 3]) exchanges.push(await exchange('127.0.0.1', board!.port, { version, poll: 6 }));
    await cap.stop();
    const rows = await cap.decode();
    const find = (hex: string): TsharkRow => {
      const row = rows.find((r) => r['udp.payload'].replace(/:/g, '') === hex);
      expect(row, `packet ${hex} not in capture:\n${JSON.stringify(rows, null, 1)}`).toBeDefined();
      return row!;
    };

    for (const { request, reply, sentAt, receivedAt } of exchanges) {
      const req = find(request.toString('hex'));
      const rep = find(reply.toString('hex'));
      const h = parseHeader(reply);
      const vn = (request[0] >> 3) & 7;
      expect(rep['_ws.malformed']).toBe('');
      expect(req['_ws.malformed']).toBe('');
      expect(rep['ntp.flags.li']).toBe('0');
      expect(rep['ntp.flags.vn']).toBe(String(vn));
      expect(rep['ntp.flags.mode']).toBe('4');
      expect(rep['ntp.stratum']).toBe('3');
      expect(signed8(rep['ntp.ppoll'])).toBe(h.poll);
      expect(signed8(rep['ntp.precision'])).toBe(h.precision);
      expect(h.precision).toBeGreaterThanOrEqual(-30);
      expect(h.precision).toBeLessThanOrEqual(-5);
      expect(Number(rep['ntp.rootdelay'])).toBe(h.rootDelay);
      expect(Number(rep['ntp.rootdispersion'])).toBe(h.rootDispersion);
      expect(rep['ntp.refid'].replace(/:/g, '')).toBe('7f7f0101');
      // Origin is the request's transmit timestamp, byte for byte.
      expect(reply.subarray(24, 32).toString('hex')).toBe(request.subarray(40, 48).toString('hex'));
      expect(rep['ntp.org']).toBe(req['ntp.xmt']);
      // Receive <= transmit, both within 1 s of this machine's clock during the exchange.
      const rec = tsharkTime(rep['ntp.rec']);
      const xmt = tsharkTime(rep['ntp.xmt']);
      expect(Math.abs(rec - h.rec)).toBeLessThan(1e-6);
      expect(Math.abs(xmt - h.xmt)).toBeLessThan(1e-6);
      expect(rec).toBeLessThanOrEqual(xmt);
      expect(rec).toBeGreaterThan(sentAt - 1);
      expect(xmt).toBeLessThan(receivedAt + 1);
      expect(tsharkTime(rep['ntp.reftime'])).toBeLessThanOrEqual(xmt);
    }
  }, 60_000);
});
