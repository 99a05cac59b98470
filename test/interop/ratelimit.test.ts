// Issue 4 load test: 200,000 requests in 20 s at a board with rate limiting on:
// abusers on 1,000 source ports (40 loopback addresses × 25 ports), and one
// request in 20 from a fresh address, so that the board's client log is full
// and recycling. The log must stay at its capacity, abusers must get RATE
// kisses (1 in 4 of limited requests, as configured) or silence, a
// well-behaved chronyd must keep the board selected throughout, and a chronyd
// that polls too fast must log the RATE kiss and back off.
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chronyd, freeUdpPort, parseColon, requirePeer, sleep } from './peers.js';
import { parseStats, VBoard } from './vboard.js';

const skip = requirePeer('chronyd', 'chronyc');
const ADDRESSES = 40;
const PORTS_PER_ADDRESS = 25;
/** One request in this many comes from a new address (a one-off client). */
const ONE_OFF_EVERY = 20;
const TOTAL = 200_000;
const SECONDS = 20;

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
}

/** The board process itself (the child is `timeout`, whose child is node). */
function boardPid(board: VBoard): number {
  const children = readFileSync(`/proc/${board.child.pid}/task/${board.child.pid}/children`, 'utf8').trim().split(/\s+/);
  return Number(children[0]);
}

describe.skipIf(skip !== undefined)(`rate limiting under load${skip ? ` (${skip})` : ''}`, () => {
  let board: VBoard | undefined;
  let polite: Chronyd | undefined;
  let greedy: Chronyd | undefined;
  const sockets: dgram.Socket[] = [];

  beforeAll(async () => {
    board = await VBoard.start({
      ntpPort: await freeUdpPort(),
      timeoutS: 200,
      config: 'local stratum 3\nclientloglimit 64\nratelimit interval 1 burst 4 leak 2 kod 2\n',
    });
    polite = new Chronyd({ role: 'client', port: board.port, timeoutS: 150, extraConfig: ['bindacqaddress 127.0.0.1'] });
    polite.config = () => [
      `server 127.0.0.1 port ${board!.port} iburst minpoll 2 maxpoll 2`, 'port 0', 'bindacqaddress 127.0.0.1', 'cmdport 0',
      `bindcmdaddress ${polite!.sock}`, `pidfile ${polite!.dir}/p.pid`, `driftfile ${polite!.dir}/d.drift`,
    ].join('\n') + '\n';
    await polite.start();
    await polite.waitSelected(30_000);
  }, 60_000);

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await greedy?.stop();
    await polite?.stop();
    await board?.stop();
  }, 30_000);

  it('keeps memory bounded, kisses or drops abusers, and keeps serving chronyd', async () => {
    const replies = { normal: 0, rate: 0, other: 0 };
    for (let a = 0; a < ADDRESSES; a++) {
      for (let p = 0; p < PORTS_PER_ADDRESS; p++) {
        const socket = dgram.createSocket('udp4');
        socket.on('message', (msg) => {
          if (msg.length >= 48 && msg[1] === 0 && msg.toString('latin1', 12, 16) === 'RATE') replies.rate++;
          else if (msg.length >= 48 && (msg[0] & 7) === 4) replies.normal++;
          else replies.other++;
        });
        await new Promise<void>((resolve) => socket.bind(0, `127.1.${a >> 8}.${(a & 255) + 1}`, resolve));
        sockets.push(socket);
      }
    }
    const pid = boardPid(board!);
    const request = Buffer.alloc(48);
    request[0] = 0x23;
    let oneOffCount = 0;
    const rssBefore = rssKb(pid);
    const started = Date.now();
    let sent = 0;
    const selectedChecks: string[] = [];
    let nextCheck = started + 2000;
    while (sent < TOTAL && Date.now() - started < SECONDS * 1000 + 5000) {
      // Pace to TOTAL over SECONDS, in small bursts.
      const due = Math.min(TOTAL, Math.floor(((Date.now() - started) / (SECONDS * 1000)) * TOTAL));
      while (sent < due) {
        request.writeUInt32BE(sent, 44);
        if (sent % ONE_OFF_EVERY === 0) {
          // A new client each time: a fresh socket bound to a fresh loopback address.
          const n = oneOffCount++;
          const socket = dgram.createSocket('udp4');
          socket.bind(0, `127.2.${(n >> 8) & 255}.${(n & 255) + 1}`, () => {
            socket.send(request, board!.port, '127.0.0.1', () => socket.close());
          });
        } else {
          sockets[sent % sockets.length].send(request, board!.port, '127.0.0.1');
        }
        sent++;
      }
      if (Date.now() > nextCheck) {
        nextCheck += 4000;
        selectedChecks.push(await polite!.chronyc('sources'));
      }
      await sleep(5);
    }
    await sleep(1000);
    const rssAfter = rssKb(pid);
    const stats = parseStats(await board!.command('serverstats'));
    const clients = (await board!.command('clients')).split('\n').slice(2).filter((line) => line.trim() !== '');
    console.log(`[ratelimit] sent ${sent}; board received ${stats['NTP packets received']}, replied ${stats['NTP replies sent']}, ` +
      `rate-limited ${stats['Dropped: rate limited']}, RATE kisses ${stats["Kiss-o'-death RATE sent"]}, over limit answered ` +
      `${stats['Over limit, answered']}; client records dropped ${stats['Client log records dropped']}; ` +
      `we got ${replies.normal} replies and ${replies.rate} RATE kisses; board RSS ${rssBefore} -> ${rssAfter} kB`);

    expect(sent).toBe(TOTAL);
    // The client log is full and recycling, not growing.
    expect(clients.length).toBeLessThanOrEqual(64);
    // Issue 16: a record goes only once its bucket has refilled; newcomers that find none use the shared record.
    expect(stats['Client log records dropped'] + stats['Requests on shared record']).toBeGreaterThan(oneOffCount / 2);
    expect(rssAfter - rssBefore).toBeLessThan(64 * 1024);
    // Abusers: mostly limited; about 1 in 4 limited requests kissed, the rest silent.
    const limited = stats['Dropped: rate limited'];
    expect(limited).toBeGreaterThan(stats['NTP packets received'] / 4);
    expect(stats["Kiss-o'-death RATE sent"]).toBeGreaterThan(limited / 8);
    expect(stats["Kiss-o'-death RATE sent"]).toBeLessThan(limited / 2);
    expect(replies.rate).toBeGreaterThan(0);
    expect(replies.other).toBe(0);
    // The polite chronyd kept the board selected at every check, and still does.
    expect(selectedChecks.length).toBeGreaterThanOrEqual(4);
    for (const sources of selectedChecks) expect(sources).toMatch(/^\^\* 127\.0\.0\.1 /m);
    expect(await polite!.chronyc('sources')).toMatch(/^\^\* 127\.0\.0\.1 /m);
    // After the flood, chrony's delay tests can fail a few 4-s samples in a row (seen once in CI as
    // '111 101 0000'): wait for a clean one for up to 40 s, the expectation unchanged.
    const data = await polite!.ntpdataAllPassed('127.0.0.1', 40);
    expect(data['NTP tests']).toBe('111 111 1111');
  }, 150_000);

  it('a chronyd polling too fast gets RATE kisses, logs them and backs off', async () => {
    greedy = new Chronyd({ role: 'client', port: board!.port, timeoutS: 100 });
    greedy.config = () => [
      `server 127.0.0.1 port ${board!.port} minpoll -3 maxpoll 4`, 'port 0', 'bindacqaddress 127.0.0.3', 'cmdport 0',
      `bindcmdaddress ${greedy!.sock}`, `pidfile ${greedy!.dir}/p.pid`, `driftfile ${greedy!.dir}/d.drift`,
    ].join('\n') + '\n';
    await greedy.start();
    const greedyStarted = Date.now();
    // The greedy chronyd heard RATE (1 in 4 of its limited requests is kissed) and backed off:
    // chronyd adds 4 poll intervals to its next transmission after each RATE kiss.
    // Bounded; generous because on a loaded machine chronyd's first polls are slow to leave.
    const until = Date.now() + 60_000;
    while (!/Received KoD RATE from 127\.0\.0\.1/.test(greedy!.log) && Date.now() < until) await sleep(500);
    expect(greedy!.log).toMatch(/Received KoD RATE from 127\.0\.0\.1/);
    // Its rate from the first kiss on: the rate since its start also counted the seconds before
    // the first kiss, which grow with the machine's load (1.0 to 2.2 requests/s in three runs).
    const kissed = { at: Date.now(), sent: Number(parseColon(await greedy!.chronyc('ntpdata', '127.0.0.1'))['Total TX']) };
    // A while after the first kiss, to see the rate it settles at: 20 s, since its kisses come at
    // random (1 in 4 limited requests) and one CI run on a loaded machine saw 2.09/s over 10 s.
    await sleep(20_000);
    const greedyData = parseColon(await greedy!.chronyc('ntpdata', '127.0.0.1'));
    const txRate = (Number(greedyData['Total TX']) - kissed.sent) / ((Date.now() - kissed.at) / 1000);
    const overall = Number(greedyData['Total TX']) / ((Date.now() - greedyStarted) / 1000);
    console.log(`[ratelimit] greedy chronyd: ${txRate.toFixed(2)} requests/s after the first RATE kiss ` +
      `(${overall.toFixed(2)}/s since it started) against its 2/s unthrottled (poll -1)`);
    expect(txRate).toBeLessThan(2);
  }, 120_000);
});

// Issue 16: churning the 64-record client log must not pay. One address sends 100 requests/s for
// 6 s, alone; then another, equally fresh address does the same among 128 rotating addresses
// sending ten times as many. The second gets no more answers than the first (up to the random
// leak's noise), and a polite chronyd that was there first keeps the board selected.
describe.skipIf(skip !== undefined)(`client-log churn does not pay${skip ? ` (${skip})` : ''}`, () => {
  const SECONDS_PER_PHASE = 6;
  const ABUSER_RATE = 100;
  const ROTATING = 128;
  /** 1 in 2^4 limited requests leaks: the least the configuration allows, so the buckets decide. */
  const LEAK_LOG2 = 4;
  let board: VBoard | undefined;
  let polite: Chronyd | undefined;
  const sockets: dgram.Socket[] = [];

  beforeAll(async () => {
    board = await VBoard.start({
      ntpPort: await freeUdpPort(),
      timeoutS: 150,
      config: `local stratum 3\nclientloglimit 64\nratelimit interval 1 burst 4 leak ${LEAK_LOG2}\n`,
    });
    polite = new Chronyd({ role: 'client', port: board.port, timeoutS: 120 });
    polite.config = () => [
      `server 127.0.0.1 port ${board!.port} iburst minpoll 2 maxpoll 2`, 'port 0', 'bindacqaddress 127.0.0.1', 'cmdport 0',
      `bindcmdaddress ${polite!.sock}`, `pidfile ${polite!.dir}/p.pid`, `driftfile ${polite!.dir}/d.drift`,
    ].join('\n') + '\n';
    await polite.start();
    await polite.waitSelected(30_000);
  }, 60_000);

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await polite?.stop();
    await board?.stop();
  }, 30_000);

  async function boundSocket(address: string, onReply: () => void): Promise<dgram.Socket> {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (msg) => {
      // Real answers only: mode 4 with a non-zero stratum (a RATE kiss has stratum 0).
      if (msg.length >= 48 && (msg[0] & 7) === 4 && msg[1] !== 0) onReply();
    });
    await new Promise<void>((resolve) => socket.bind(0, address, resolve));
    sockets.push(socket);
    return socket;
  }

  /** SECONDS_PER_PHASE of `abuser` at ABUSER_RATE, with `rotating` sockets sending ten times that; the abuser's answers. */
  async function phase(abuserAddress: string, rotating: dgram.Socket[]): Promise<{ sent: number; answered: number; sources: string[] }> {
    let answered = 0;
    const abuser = await boundSocket(abuserAddress, () => answered++);
    const request = Buffer.alloc(48);
    request[0] = 0x23;
    const started = Date.now();
    const end = SECONDS_PER_PHASE * 1000;
    let sent = 0;
    let rotatingSent = 0;
    const sources: string[] = [];
    let nextCheck = 2000;
    for (let elapsed = 0; elapsed < end; elapsed = Date.now() - started) {
      const due = Math.floor((elapsed / 1000) * ABUSER_RATE);
      for (; sent < due; sent++) {
        request.writeUInt32BE(sent, 44);
        abuser.send(request, board!.port, '127.0.0.1');
      }
      const rotatingDue = rotating.length === 0 ? 0 : Math.floor((elapsed / 1000) * ABUSER_RATE * 10);
      for (; rotatingSent < rotatingDue; rotatingSent++) rotating[rotatingSent % rotating.length].send(request, board!.port, '127.0.0.1');
      if (elapsed > nextCheck) {
        nextCheck += 2000;
        sources.push(await polite!.chronyc('sources'));
      }
      await sleep(5);
    }
    await sleep(500);
    return { sent, answered, sources };
  }

  /** The board's count of requests from `address` (the `clients` report's NTP column). */
  async function hitsOf(address: string): Promise<number> {
    const line = (await board!.command('clients')).split('\n').find((l) => l.startsWith(address + ' '));
    return line ? Number(line.trim().split(/\s+/)[1]) : 0;
  }

  it('an address among 128 rotating ones gets no more answers than alone; a polite chronyd stays selected', async () => {
    const alone = await phase('127.3.0.1', []);
    const aloneHits = await hitsOf('127.3.0.1');
    const rotating: dgram.Socket[] = [];
    for (let i = 0; i < ROTATING; i++) rotating.push(await boundSocket(`127.4.0.${i + 1}`, () => undefined));
    const mixed = await phase('127.3.0.2', rotating);
    const stats = parseStats(await board!.command('serverstats'));
    const mixedHits = await hitsOf('127.3.0.2');
    console.log(`[ratelimit] alone: ${alone.answered} of ${alone.sent} answered (${aloneHits} reached the board); among ` +
      `${ROTATING} rotating addresses at 10x: ${mixed.answered} of ${mixed.sent} (${mixedHits} recorded); client records ` +
      `dropped ${stats['Client log records dropped']}, requests on the shared record ${stats['Requests on shared record']}`);
    expect(alone.sent).toBeGreaterThanOrEqual(SECONDS_PER_PHASE * ABUSER_RATE - 5);
    expect(mixed.sent).toBeGreaterThanOrEqual(SECONDS_PER_PHASE * ABUSER_RATE - 5);
    // The board heard the abuser: a board too slow to read its socket would prove nothing.
    expect(aloneHits).toBeGreaterThan(alone.sent * 0.9);
    // Alone: the burst, one per 2 s, and the leak (1 in 16 of the rest). Among the churn: no more,
    // up to four standard deviations of the difference of two leak draws.
    const leakNoise = 4 * Math.sqrt(2 * alone.sent * (1 / 16) * (15 / 16));
    expect(mixed.answered).toBeLessThanOrEqual(alone.answered + leakNoise);
    expect(mixed.answered).toBeLessThan(mixed.sent / 4);
    // Once the abuser has a record it keeps it (it is being limited): its requests are all recorded there.
    expect(mixedHits).toBeGreaterThan(mixed.sent * 0.9);
    expect(stats['Requests on shared record']).toBeGreaterThan(0);
    // The polite chronyd kept the board selected at every check, and still does.
    expect(mixed.sources.length).toBeGreaterThanOrEqual(2);
    for (const sources of [...alone.sources, ...mixed.sources]) expect(sources).toMatch(/^\^\* 127\.0\.0\.1 /m);
    expect(await polite!.chronyc('sources')).toMatch(/^\^\* 127\.0\.0\.1 /m);
  }, 90_000);
});
