// Issue 14: broadcasts a client can calibrate against. A broadcast client
// (ntpd's) sends its delay-calibration requests to the broadcast's source
// address and port, so that port must answer mode 3 — through the same
// responder, access rules and rate limit as the NTP port. Multicasts leave
// from the NTP port itself. Our own broadcast client calibrates the same way.
import { describe, expect, it } from 'vitest';
import { start } from '../../src/app';
import * as header from '../../src/ntp/header';
import * as timestamp from '../../src/ntp/timestamp';
import type { DatagramHandler, UdpSocket } from '../../src/platform';
import * as responder from '../../src/serve/responder';
import { fakePlatform } from './fakes';
import { SourceField } from '../../src/sync/source';

const CLIENT = { address: '192.0.2.7', port: 123 };
/** The port our fake kernel gives the never-bound sender, as a real one picks an ephemeral port. */
const EPHEMERAL_PORT = 40_123;

interface Sent { data: string; port: number; address: string; fromPort: number }

/** The app on a fake board whose timers and sockets the test drives; `senders` are the never-bound sockets it opened. */
function board(config: string) {
  const state = { raw: 1_800_000_000.5 };
  const { platform } = fakePlatform(() => state.raw, { 'ntp.conf': config });
  const sent: Sent[] = [];
  const handlers: { [port: number]: DatagramHandler } = {};
  const senders: { handler: DatagramHandler; closed: boolean }[] = [];
  const timers: { at: number; every: number; run: () => void }[] = [];
  platform.after = (ms, run, a, b, c) => timers.push({ at: state.raw + ms / 1000, every: 0, run: () => run(a as never, b as never, c as never) });
  platform.every = (ms, run, a, b, c) => timers.push({ at: state.raw + ms / 1000, every: ms / 1000, run: () => run(a as never, b as never, c as never) });
  const socketOn = (port: number, onClose: () => void = () => {}): UdpSocket => ({
    send: (data, toPort, address) => sent.push({ data, port: toPort, address, fromPort: port }),
    close: onClose,
  });
  platform.udpBind = (port, handler) => {
    handlers[port] = handler;
    return socketOn(port);
  };
  platform.udpSender = (handler) => {
    const sender = { handler, closed: false };
    senders.push(sender);
    return socketOn(EPHEMERAL_PORT + senders.length - 1, () => (sender.closed = true));
  };
  const app = start(platform);
  app.clock.precisionLog2 = -20; // a raw clock that never ticks measures as 1 s
  const advance = (seconds: number) => {
    const end = state.raw + seconds;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const next = timers[0];
      if (!next || next.at > end) break;
      state.raw = next.at;
      if (next.every > 0) next.at += next.every;
      else timers.shift();
      next.run();
    }
    state.raw = end;
  };
  return { app, sent, handlers, senders, advance, state };
}

function request(transmitUnix: number): string {
  return header.encode({
    leap: 0, version: 4, mode: 3, stratum: 0, pollLog2: 6, precisionLog2: -20, rootDelay: 0, rootDispersion: 0,
    referenceId: 0, referenceTime: timestamp.fromUnix(0), originTime: timestamp.fromUnix(0), receiveTime: timestamp.fromUnix(0),
    transmitTime: timestamp.fromUnix(transmitUnix),
  });
}

describe('broadcast server: the port mode-5 packets leave from answers mode 3', () => {
  it('broadcasts leave from the never-bound sender, which answers a calibration request from that port', () => {
    const b = board('local stratum 3\nbroadcast 8 192.168.1.255\n');
    b.advance(17);
    const broadcasts = b.sent.filter((s) => s.address === '192.168.1.255');
    expect(broadcasts).toHaveLength(2);
    expect(broadcasts.every((s) => s.fromPort === EPHEMERAL_PORT && s.port === 123)).toBe(true);
    // One socket for the link's lifetime: a client's association is keyed on its port.
    expect(b.senders).toHaveLength(1);
    const volley = request(b.state.raw - 0.001);
    b.senders[0].handler(volley, CLIENT, b.state.raw);
    const reply = b.sent[b.sent.length - 1];
    expect(reply).toMatchObject({ address: CLIENT.address, port: CLIENT.port, fromPort: EPHEMERAL_PORT });
    const decoded = header.decode(reply.data, 0);
    expect(decoded.mode).toBe(4);
    expect(decoded.stratum).toBe(3);
    expect(reply.data.substr(24, 8)).toBe(volley.substr(40, 8));
    expect(b.app.responder.counters[responder.Counter.Replied]).toBe(1);
  });

  it('the sender applies the NTP port\'s access rules', () => {
    const b = board('local stratum 3\nbroadcast 8 192.168.1.255\nallow 10.0.0.0/8\n');
    b.advance(9);
    const before = b.sent.length;
    b.senders[0].handler(request(b.state.raw), CLIENT, b.state.raw);
    expect(b.sent.length).toBe(before);
    expect(b.app.responder.counters[responder.Counter.DropDenied]).toBe(1);
    b.senders[0].handler(request(b.state.raw), { address: '10.1.2.3', port: 123 }, b.state.raw);
    expect(b.sent.length).toBe(before + 1);
  });

  it('and shares the NTP port\'s rate limit: one client, one token bucket across both ports', () => {
    const b = board('local stratum 3\nbroadcast 8 192.168.1.255\nratelimit interval 3 burst 1\n');
    b.advance(9);
    const before = b.sent.length;
    b.handlers[123](request(b.state.raw), CLIENT, b.state.raw);
    expect(b.sent.length).toBe(before + 1);
    b.senders[0].handler(request(b.state.raw + 0.01), CLIENT, b.state.raw + 0.01);
    expect(b.sent.length).toBe(before + 1);
    expect(b.app.responder.counters[responder.Counter.DropRateLimited]).toBe(1);
  });

  it('only client requests are answered there: control and symmetric packets are dropped and counted', () => {
    const b = board('local stratum 3\nbroadcast 8 192.168.1.255\nacceptpeers\n');
    b.advance(9);
    const before = b.sent.length;
    const symmetric = request(b.state.raw).replace(/^./, String.fromCharCode((4 << 3) | 1));
    b.senders[0].handler(symmetric, CLIENT, b.state.raw);
    b.senders[0].handler('\x16\x02\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00', CLIENT, b.state.raw);
    expect(b.sent.length).toBe(before);
    expect(b.app.sync.sources).toHaveLength(0);
    expect(b.app.responder.counters[responder.Counter.DropMode]).toBe(2);
  });

  it('multicasts leave from the NTP port, which answers mode 3 already; no sender is opened', () => {
    const b = board('local stratum 3\nbroadcast 8 224.0.1.1\n');
    b.advance(9);
    const multicasts = b.sent.filter((s) => s.address === '224.0.1.1');
    expect(multicasts).toHaveLength(1);
    expect(multicasts[0].fromPort).toBe(123);
    expect(header.decode(multicasts[0].data, 0).mode).toBe(5);
    expect(b.senders).toHaveLength(0);
  });
});

/** A mode-5 packet from a stratum-2 server, sent at `transmitUnix`. */
function broadcastPacket(transmitUnix: number): string {
  return header.encode({
    leap: 0, version: 4, mode: 5, stratum: 2, pollLog2: 3, precisionLog2: -20, rootDelay: 0.001, rootDispersion: 0.001,
    referenceId: 0xc0000201, referenceTime: timestamp.fromUnix(transmitUnix - 8), originTime: timestamp.fromUnix(0),
    receiveTime: timestamp.fromUnix(0), transmitTime: timestamp.fromUnix(transmitUnix),
  });
}

describe('broadcast client: calibrates the way ntpd does', () => {
  it('sends its calibration requests to the broadcast\'s source address and port, and takes the answers from there', () => {
    const b = board('broadcastclient\n');
    const server = { address: '192.0.2.1', port: 45_678 };
    b.handlers[123](broadcastPacket(b.state.raw), server, b.state.raw);
    b.advance(0.2);
    const volley = b.sent.filter((s) => s.address === server.address);
    expect(volley).toHaveLength(1);
    expect(volley[0].port).toBe(server.port);
    const source = b.app.sync.sources[0];
    // The server's answer, from the port we asked, completes the first calibration exchange.
    const t1 = timestamp.toUnix(timestamp.decode(volley[0].data, 40), b.state.raw);
    const answer = header.encode({
      leap: 0, version: 4, mode: 4, stratum: 2, pollLog2: 3, precisionLog2: -20, rootDelay: 0.001, rootDispersion: 0.001,
      referenceId: 0xc0000201, referenceTime: timestamp.fromUnix(t1 - 8), originTime: timestamp.decode(volley[0].data, 40),
      receiveTime: timestamp.fromUnix(t1 + 0.001), transmitTime: timestamp.fromUnix(t1 + 0.0011),
    });
    b.state.raw = t1 + 0.002; // the clock is still uncorrected: raw time is its time
    const localPort = source.localPort!;
    expect(b.handlers[localPort]).toBeDefined();
    b.handlers[localPort](answer, { address: server.address, port: 123 }, b.state.raw);
    expect(source.state[SourceField.Valid]).toBe(0); // from another port than the one asked: not the server's answer
    b.handlers[localPort](answer, server, b.state.raw);
    expect(source.state[SourceField.Valid]).toBe(1);
    expect(source.state[SourceField.CalibratedDelay]).toBeCloseTo(0.002 - 0.0001, 6);
  });

  it('a broadcast from another port of the same server (restarted, reconnected) moves the calibration there', () => {
    const b = board('broadcastclient\n');
    const server = { address: '192.0.2.1', port: 45_678 };
    b.handlers[123](broadcastPacket(b.state.raw), server, b.state.raw);
    b.advance(10);
    const moved = { address: server.address, port: 51_000 };
    b.handlers[123](broadcastPacket(b.state.raw), moved, b.state.raw);
    const before = b.sent.length;
    b.advance(0.2);
    const volley = b.sent.slice(before).filter((s) => s.address === server.address);
    expect(volley.length).toBeGreaterThan(0);
    expect(volley.every((s) => s.port === moved.port)).toBe(true);
    expect(b.app.sync.sources).toHaveLength(1);
  });
});
