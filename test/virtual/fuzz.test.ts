// 100,000 random and mutated datagrams at the running virtual board: it must
// not crash, must count every datagram it does not answer, and must still
// answer a good client afterwards.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPort } from '../interop/peers';
import { parseStats, VBoard } from '../interop/vboard';

const TOTAL = 100_000;
// Small enough to fit the board socket's receive buffer (about 100 small datagrams on Linux).
const BATCH = 40;

/** Seeded so a failure can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

function validRequest(id: number, version = 4): Buffer {
  const packet = Buffer.alloc(48);
  packet[0] = (version << 3) | 3;
  packet.writeUInt32BE(0xe0000000 + id, 40); // transmit: our id, to match the reply
  packet.writeUInt32BE(0xabcdef01, 44);
  return packet;
}

/** A random or mutated datagram; the test does not predict whether it is valid. */
function fuzzDatagram(next: () => number, id: number): Buffer {
  const kind = Math.floor(next() * 5);
  if (kind === 0) {
    // Pure noise, any length up to past Espruino's receive limit.
    return Buffer.from(Array.from({ length: Math.floor(next() * 600) }, () => Math.floor(next() * 256)));
  }
  const packet = validRequest(id, 1 + Math.floor(next() * 4));
  if (kind === 1) {
    // Bit flips anywhere in a valid request.
    for (let flips = 1 + Math.floor(next() * 4); flips > 0; flips--) packet[Math.floor(next() * 48)] ^= 1 << Math.floor(next() * 8);
    return packet;
  }
  if (kind === 2) return packet.subarray(0, Math.floor(next() * 48)); // truncated
  // Trailers: random length, sometimes shaped like extension fields or MACs.
  const trailer = Buffer.from(Array.from({ length: Math.floor(next() * 120) }, () => Math.floor(next() * 256)));
  if (kind === 3 && trailer.length >= 4) trailer.writeUInt16BE(Math.floor(next() * 64) * 4, 2);
  return Buffer.concat([packet, trailer]);
}

describe('fuzzing the running server', () => {
  let board: VBoard;
  let client: dgram.Socket;
  const replies = new Set<number>();
  let repliesReceived = 0;
  /** Mode-6 responses: fuzzed datagrams that happen to be ntpq requests get answered too. */
  let controlResponses = 0;

  beforeAll(async () => {
    board = await VBoard.start({ ntpPort: await freeUdpPort(), config: 'local stratum 4\n', timeoutS: 170 });
    client = dgram.createSocket('udp4');
    client.on('message', (msg) => {
      if ((msg[0] & 7) === 6) {
        controlResponses++;
        return;
      }
      repliesReceived++;
      if (msg.length >= 48) replies.add(msg.readUInt32BE(24) - 0xe0000000);
    });
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    client?.close();
    expect(await board?.stop()).toBe(0);
  });

  it(`survives ${TOTAL} bad datagrams and counts every one`, async () => {
    const next = random(20261123);
    const send = (packet: Buffer) => new Promise<void>((resolve, reject) =>
      client.send(packet, board.port, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
    let sent = 0;
    let fenceId = 10_000_000;
    const fences: number[] = [];
    while (sent < TOTAL) {
      for (let i = 0; i < BATCH && sent < TOTAL; i++, sent++) await send(fuzzDatagram(next, sent));
      // A valid request ends each batch: its reply means the board has read the whole batch
      // (one socket, in order), so the next batch cannot overflow its receive buffer.
      const fence = fenceId++;
      fences.push(fence);
      await send(validRequest(fence));
      sent++;
      const deadline = Date.now() + 5000;
      while (!replies.has(fence) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
      expect(replies.has(fence), `reply to fence ${fence}`).toBe(true);
    }
    const stats = parseStats(await board.command('serverstats'));
    expect(stats['NTP packets received']).toBe(sent);
    // Mode-6 datagrams are command packets, answered or dropped by the control handler.
    expect(stats['NTP replies sent'] + stats['NTP packets dropped'] + stats['Command packets received']).toBe(sent);
    expect(stats['Command packets received']).toBeGreaterThanOrEqual(stats['Command packets dropped']);
    if (controlResponses > 0) expect(stats['Command packets received']).toBeGreaterThan(stats['Command packets dropped']);
    expect(stats['NTP replies sent']).toBe(repliesReceived);
    expect(stats['NTP packets dropped']).toBeGreaterThan(TOTAL / 2);
    const reasons = ['Dropped: too short', 'Dropped: bad version', 'Dropped: not a request', 'Dropped: malformed'];
    for (const reason of reasons) expect(stats[reason], reason).toBeGreaterThan(0);
    expect(board.stderr).not.toMatch(/uncaught/i);
    expect(board.child.exitCode).toBeNull();
  }, 150_000);

  it('still answers a good client afterwards', async () => {
    const id = 99_999_999;
    client.send(validRequest(id, 3), board.port, '127.0.0.1');
    const deadline = Date.now() + 3000;
    while (!replies.has(id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(replies.has(id)).toBe(true);
  });
});
