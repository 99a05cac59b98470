// Symmetric associations through the real app: a configured peer sends mode 1
// from the NTP port; an unknown symmetric-active peer gets a passive
// association (mode-2 answers) only when authenticated or `acceptpeers` is set.
import { describe, expect, it } from 'vitest';
import { start } from '../../src/app';
import * as header from '../../src/ntp/header';
import * as keys from '../../src/ntp/keys';
import * as mac from '../../src/ntp/mac';
import * as timestamp from '../../src/ntp/timestamp';
import type { DatagramHandler } from '../../src/platform';
import { fakePlatform, shaDigest } from './fakes';
import { SourceField } from '../../src/sync/source';
import { LastPacketField, testsText } from '../../src/sync/lastpacket';

const PEER = { address: '192.0.2.50', port: 123 };

function board(config: string, keyText = '') {
  const state = { raw: 1_800_000_000.5 };
  const storage: Record<string, string> = { 'ntp.conf': config };
  if (keyText) storage['ntp.keys'] = keyText;
  const { platform } = fakePlatform(() => state.raw, storage);
  const sent: { data: string; port: number; address: string; fromPort: number }[] = [];
  let ntpHandler: DatagramHandler | null = null;
  const timers: { at: number; run: () => void }[] = [];
  platform.after = (ms, run, a, b, c) => timers.push({ at: state.raw + ms / 1000, run: () => run(a as never, b as never, c as never) });
  platform.udpBind = (port, handler) => {
    if (port === 123) ntpHandler = handler;
    return { send: (data, toPort, address) => sent.push({ data, port: toPort, address, fromPort: port }), close() {} };
  };
  const app = start(platform);
  const advance = (seconds: number) => {
    const end = state.raw + seconds;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const next = timers[0];
      if (!next || next.at > end) break;
      timers.shift();
      state.raw = next.at;
      next.run();
    }
    state.raw = end;
  };
  return { app, sent, advance, deliver: (msg: string) => ntpHandler!(msg, PEER, state.raw), state };
}

/** A mode-1 packet from the peer, with origin and receive answering `ours` (or zero). */
function active(ours: string | null, at: number, stratum = 1): string {
  return header.encode({
    leap: 0, version: 4, mode: 1, stratum, pollLog2: 4, precisionLog2: -20, rootDelay: 0, rootDispersion: 1e-4,
    referenceId: 0x47505300, referenceTime: timestamp.fromUnix(at - 3),
    originTime: ours ? timestamp.decode(ours, 40) : { seconds: 0, fraction: 0 },
    receiveTime: ours ? timestamp.fromUnix(at - 0.001) : { seconds: 0, fraction: 0 },
    transmitTime: timestamp.fromUnix(at),
  });
}

describe('symmetric peers', () => {
  it('a configured peer sends mode 1 from the NTP port and takes the answers as samples', () => {
    const b = board('local stratum 4\npeer 192.0.2.50\n');
    b.advance(1);
    const ours = b.sent.find((s) => s.address === PEER.address)!;
    expect(ours.fromPort).toBe(123);
    const first = header.decode(ours.data, 0);
    expect(first.mode).toBe(1);
    expect(first.stratum).toBe(4);
    const theirs = active(ours.data, b.state.raw + 0.0005, 1);
    b.deliver(theirs);
    expect(b.app.sync.sources[0].state[SourceField.Valid]).toBe(1);
    expect(testsText(b.app.sync.sources[0].lastPacket![LastPacketField.Tests])).toBe('111 111 1111');
    // Our next packet (one poll later) answers theirs: its origin is their transmit.
    const before = b.sent.length;
    b.advance(70);
    const next = b.sent.slice(before).filter((s) => s.address === PEER.address)[0];
    expect(next.data.substr(24, 8)).toBe(theirs.substr(40, 8));
  });

  it('an unknown, unauthenticated symmetric-active peer gets nothing', () => {
    const b = board('local stratum 4\n', '1 SHA1 HEX:0102030405060708090a0b0c0d0e0f1011121314\n');
    b.deliver(active(null, b.state.raw));
    expect(b.app.sync.sources).toHaveLength(0);
    expect(b.sent).toHaveLength(0);
  });

  it('an authenticated one gets a passive association that answers in mode 2', () => {
    const keyText = '1 SHA1 HEX:0102030405060708090a0b0c0d0e0f1011121314\n';
    const b = board('local stratum 4\n', keyText);
    const key = keys.parseKeys(keyText).keys[0];
    const packet = active(null, b.state.raw);
    b.deliver(packet + mac.macTrailer(1, key.type, key.secret, packet, shaDigest));
    expect(b.app.sync.sources).toHaveLength(1);
    expect(b.app.sync.sources[0].state[SourceField.PeerMode]).toBe(2);
    expect(b.sent).toHaveLength(1);
    const answer = header.decode(b.sent[0].data, 0);
    expect(answer.mode).toBe(2);
    expect(b.sent[0].data.substr(24, 8)).toBe(packet.substr(40, 8));
  });

  it('acceptpeers lets an unauthenticated one in', () => {
    const b = board('local stratum 4\nacceptpeers\n');
    b.deliver(active(null, b.state.raw));
    expect(b.app.sync.sources).toHaveLength(1);
    expect(header.decode(b.sent[0].data, 0).mode).toBe(2);
  });
});
