import { describe, expect, it } from 'vitest';
import * as localClock from '../../src/clock/local';
import * as header from '../../src/ntp/header';
import * as timestamp from '../../src/ntp/timestamp';
import * as clientLog from '../../src/serve/clientlog';
import * as responder from '../../src/serve/responder';
import * as drops from '../../src/serve/drops';
import * as requests from '../../src/serve/request';
import * as replyHeader from '../../src/serve/replyheader';
import { Counter } from '../../src/serve/responder';
import { bytes, fakeClock, macRoutes, recordingSocket } from './fakes';

const FROM = { address: '192.0.2.7', port: 40123 };

/** A client request with a distinctive transmit field, built byte by byte. */
function request(firstByte: number, length = 48, poll = 6): string {
  let text = String.fromCharCode(firstByte, 0, poll, 0xec);
  while (text.length < 40) text += '\0';
  text += bytes('e8d5a1b2 01020304');
  while (text.length < length) text += '\x01';
  return text;
}

function setup(localStratum: number | null) {
  const { state, clock } = fakeClock();
  const service = responder.create(clock, clientLog.create(8), () => 0.5, () => requests, () => replyHeader);
  // As app.ts routes it (the MAC code loaded for each such request).
  service.routes = macRoutes(clock.readRaw);
  if (localStratum !== null) localClock.holdLocalReference(clock, localStratum, localClock.now(clock));
  replyHeader.refresh(service);
  const { sent, socket } = recordingSocket();
  service.socket = socket;
  return { state, clock, service, sent };
}

describe('responder', () => {
  it('answers a v4 client with every header field from the clock state', () => {
    const { state, service, sent, clock } = setup(3);
    responder.handle(service, request(0x23), FROM, state.raw);
    expect(sent).toHaveLength(1);
    expect(sent[0].port).toBe(FROM.port);
    expect(sent[0].address).toBe(FROM.address);
    const reply = header.decode(sent[0].data, 0);
    expect(sent[0].data.length).toBe(48);
    expect(reply.leap).toBe(0);
    expect(reply.version).toBe(4);
    expect(reply.mode).toBe(4);
    expect(reply.stratum).toBe(3);
    expect(reply.pollLog2).toBe(6);
    expect(reply.precisionLog2).toBe(clock.precisionLog2);
    expect(reply.referenceId).toBe(0x7f7f0101);
    expect(reply.rootDelay).toBe(0);
    expect(reply.rootDispersion).toBeGreaterThan(0);
    expect(reply.rootDispersion).toBeLessThan(1e-3);
    // Origin is the request's transmit field, byte for byte.
    expect(sent[0].data.substr(24, 8)).toBe(bytes('e8d5a1b2 01020304'));
    expect(timestamp.toUnix(reply.receiveTime, state.raw)).toBeCloseTo(state.raw, 6);
    expect(timestamp.toUnix(reply.transmitTime, state.raw)).toBeCloseTo(state.raw, 6);
    expect(service.counters[Counter.Replied]).toBe(1);
  });

  it('echoes the request version for v1 to v4 and copies the client poll', () => {
    const { state, service, sent } = setup(2);
    for (const version of [1, 2, 3, 4]) responder.handle(service, request((version << 3) | 3, 48, version + 3), FROM, state.raw);
    expect(sent.map((s) => header.decode(s.data, 0).version)).toEqual([1, 2, 3, 4]);
    expect(sent.map((s) => header.decode(s.data, 0).pollLog2)).toEqual([4, 5, 6, 7]);
  });

  it('takes the receive timestamp from the arrival time and the transmit timestamp at send', () => {
    const { state, service, sent } = setup(2);
    const arrival = state.raw;
    state.raw += 0.004; // time spent between arrival and send
    responder.handle(service, request(0x23), FROM, arrival);
    const reply = header.decode(sent[0].data, 0);
    expect(timestamp.toUnix(reply.receiveTime, arrival)).toBeCloseTo(arrival, 6);
    expect(timestamp.toUnix(reply.transmitTime, arrival)).toBeCloseTo(arrival + 0.004, 6);
  });

  it('applies the clock correction to both timestamps', () => {
    const { state, service, sent, clock } = setup(2);
    clock.offset = 0.5;
    clock.freq = 1e-4;
    clock.raw0 = state.raw - 100;
    responder.handle(service, request(0x23), FROM, state.raw);
    const reply = header.decode(sent[0].data, 0);
    const expected = state.raw + 0.5 + 1e-4 * 100;
    expect(timestamp.toUnix(reply.transmitTime, state.raw)).toBeCloseTo(expected, 6);
  });

  it('a clock change shows in the very next reply, leap included, on the hot path and the general path alike', () => {
    const { state, service, sent, clock } = setup(null);
    responder.handle(service, request(0x23), FROM, state.raw); // a first request: the client gets a record, so the next takes the hot path
    expect(header.decode(sent[0].data, 0).leap).toBe(3);
    localClock.holdLocalReference(clock, 5, localClock.now(clock));
    responder.clockChanged(service);
    responder.handle(service, request(0x23), FROM, state.raw + 0.5);
    responder.handle(service, request(0x23), { address: '192.0.2.8', port: 123 }, state.raw + 0.5); // a new client: the general path
    for (const reply of sent.slice(1).map((s) => header.decode(s.data, 0))) {
      expect(reply.leap).toBe(0);
      expect(reply.stratum).toBe(5);
    }
    localClock.setUnsynchronised(clock);
    responder.clockChanged(service);
    responder.handle(service, request(0x23), { address: '192.0.2.9', port: 123 }, state.raw + 1);
    responder.handle(service, request(0x23), FROM, state.raw + 1);
    for (const reply of sent.slice(3).map((s) => header.decode(s.data, 0))) {
      expect(reply.leap).toBe(3);
      expect(reply.stratum).toBe(16);
    }
    expect(sent).toHaveLength(5);
  });

  it('says LI=3 and stratum 16 when unsynchronised, never a made-up stratum', () => {
    const { state, service, sent } = setup(null);
    responder.handle(service, request(0x23), FROM, state.raw);
    const reply = header.decode(sent[0].data, 0);
    expect(reply.leap).toBe(3);
    expect(reply.stratum).toBe(16);
    expect(reply.referenceId).toBe(0);
    expect(timestamp.isZero(reply.referenceTime)).toBe(true);
  });

  it('answers a request with a MAC it cannot check with a crypto-NAK, and extension fields with a plain header', () => {
    const { state, service, sent } = setup(2);
    responder.handle(service, request(0x23, 48 + 24), FROM, state.raw); // SHA1-sized MAC, no keys here
    responder.handle(service, request(0x23, 48 + 20), FROM, state.raw); // MD5-sized MAC
    let withExtension = request(0x23);
    withExtension += '\x12\x34\x00\x1c' + '\0'.repeat(24); // one 28-byte extension field, no MAC
    responder.handle(service, withExtension, FROM, state.raw);
    expect(sent.map((s) => s.data.length)).toEqual([52, 52, 48]);
    expect(sent[0].data.substring(48)).toBe('\0\0\0\0');
    expect(service.counters[Counter.CryptoNak]).toBe(2);
  });

  it('drops and counts each malformed class', () => {
    const { state, service, sent } = setup(2);
    const cases: [string, Counter][] = [
      ['', Counter.DropShort],
      [request(0x23).substring(0, 47), Counter.DropShort],
      [request(0x23, 532), Counter.DropOversized],
      [request(0x03), Counter.DropVersion], // version 0
      [request(0x2b), Counter.DropVersion], // version 5
      [request(0x3b), Counter.DropVersion], // version 7
      [request(0x24), Counter.DropMode], // a server reply
      [request(0x21), Counter.DropMode], // symmetric active (not served yet)
      [request(0x26), Counter.DropMode], // control
      [request(0x23, 50), Counter.DropFormat], // not a multiple of 4
      [request(0x23, 48 + 8), Counter.DropFormat], // 8 trailing bytes: neither a MAC nor an extension field
      [request(0x23, 48 + 72), Counter.DropFormat], // extension length 0x0101 overruns the datagram
    ];
    for (const [msg] of cases) responder.handle(service, msg, FROM, state.raw);
    expect(sent).toHaveLength(0);
    const expected = new Uint32Array(Counter.Count);
    expected[Counter.Received] = cases.length;
    for (const [, counter] of cases) expected[counter]++;
    expect(Array.from(service.counters)).toEqual(Array.from(expected));
    expect(drops.dropped(service)).toBe(cases.length);
  });

  it('records clients in a bounded log, oldest out', () => {
    const { state, service } = setup(2);
    for (let i = 0; i < 20; i++) responder.handle(service, request(0x23), { address: '10.0.0.' + i, port: 123 }, state.raw + i);
    const log = service.clients;
    expect(log.used).toBe(8);
    expect(log.evicted).toBe(12);
    expect(Object.keys(log.slots).sort()).toEqual(Array.from({ length: 8 }, (_, i) => '10.0.0.' + (i + 12)).sort());
  });

  it('answers a client it knows (the hot path) byte for byte as it answers a new one', () => {
    const { state, service, sent, clock } = setup(2);
    clock.offset = 0.5;
    clock.freq = 1e-4;
    clock.raw0 = state.raw - 100;
    responder.handle(service, request(0x23), FROM, state.raw - 1);
    state.raw += 0.003;
    responder.handle(service, request(0x23, 48, 9), FROM, state.raw - 0.003); // known: the hot path
    responder.handle(service, request(0x23, 48, 9), { address: '192.0.2.8', port: FROM.port }, state.raw - 0.003); // new
    expect(sent).toHaveLength(3);
    expect(sent[1].data).toBe(sent[2].data);
    expect(sent[1].port).toBe(FROM.port);
    expect(sent[1].address).toBe(FROM.address);
    expect(service.counters[Counter.Received]).toBe(3);
    expect(service.counters[Counter.Replied]).toBe(3);
  });

  it('records a client it knows as clientLog.record does, token bucket included', () => {
    for (const limit of [null, { interval: 2, burst: 3 }]) {
      const { state, service } = setup(2);
      const reference = clientLog.create(8);
      for (const log of [service.clients, reference]) {
        log.tokenInterval = limit ? limit.interval : 0;
        log.tokenBurst = limit ? limit.burst : 0;
      }
      const start = state.raw;
      for (const t of [0, 0.5, 1, 1.2, 5, 5.1, 5.2, 5.3, 5.4, 30, 29.5, 31]) {
        state.raw = start + t;
        responder.handle(service, request(0x23), FROM, state.raw);
        clientLog.record(reference, FROM.address, state.raw);
      }
      const log = service.clients;
      const slot = log.slots[FROM.address];
      expect(slot).toBe(reference.slots[FROM.address]);
      for (const field of ['ntpHits', 'lastSeen', 'averageInterval', 'lastInterval', 'tokens'] as const) {
        expect(log[field][slot], field).toBe(reference[field][slot]);
      }
      const refused = limit ? 4 : 0;
      expect(service.counters[Counter.Replied]).toBe(12 - refused);
      expect(service.counters[Counter.DropRateLimited]).toBe(refused);
      expect(log.ntpDrops[slot]).toBe(refused);
    }
  });

  it('serves everyone again once rate limiting is switched off', () => {
    const { state, service, sent } = setup(2);
    service.clients.tokenInterval = 16;
    service.clients.tokenBurst = 1;
    responder.handle(service, request(0x23), FROM, state.raw);
    responder.handle(service, request(0x23), FROM, state.raw + 1); // no token left
    expect(service.counters[Counter.DropRateLimited]).toBe(1);
    service.clients.tokenInterval = 0;
    service.clients.tokenBurst = 0;
    responder.handle(service, request(0x23), { address: '192.0.2.8', port: 123 }, state.raw + 2);
    responder.handle(service, request(0x23), FROM, state.raw + 3);
    expect(sent).toHaveLength(3);
    expect(service.counters[Counter.DropRateLimited]).toBe(1);
  });

  it('keeps the root dispersion sent an upper bound as the clock ages', () => {
    const { state, service, sent, clock } = setup(2);
    clock.referenceTime = localClock.now(clock) - 1000; // a reference 1000 s old
    replyHeader.refresh(service);
    state.raw += 5; // later than the precomputed header is valid for
    responder.handle(service, request(0x23), FROM, state.raw);
    const reply = header.decode(sent[0].data, 0);
    expect(reply.rootDispersion).toBeGreaterThanOrEqual(localClock.rootDispersionAt(clock, localClock.now(clock)));
  });
});
