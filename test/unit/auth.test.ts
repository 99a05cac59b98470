import { describe, expect, it } from 'vitest';
import * as localClock from '../../src/clock/local';
import { defaultServerOptions } from '../../src/config/types';
import * as header from '../../src/ntp/header';
import * as keys from '../../src/ntp/keys';
import * as mac from '../../src/ntp/mac';
import * as packet from '../../src/ntp/packet';
import * as timestamp from '../../src/ntp/timestamp';
import * as clientLog from '../../src/serve/clientlog';
import * as responder from '../../src/serve/responder';
import * as requests from '../../src/serve/request';
import * as replyHeader from '../../src/serve/replyheader';
import { Counter } from '../../src/serve/responder';
import * as exchange from '../../src/sync/exchange';
import * as pollModule from '../../src/sync/poll';
import * as sourceModule from '../../src/sync/source';
import * as sourceAuth from '../../src/sync/sourceauth';
import { fakeClock, recordingSocket, shaDigest, macRoutes } from './fakes';
import { SourceField } from '../../src/sync/source';
import { LastPacketField, testsText } from '../../src/sync/lastpacket';

const KEYS = keys.parseKeys('1 MD5 HEX:00112233445566778899aabbccddeeff\n2 SHA1 shared-secret-two\n3 SHA256 HEX:' + 'ab'.repeat(32) + '\n');
const AUTH: keys.Authenticator = { keys: KEYS.keys, sha: shaDigest };
const FROM = { address: '192.0.2.9', port: 4000 };

function request(version = 4): string {
  let text = String.fromCharCode((version << 3) | 3, 0, 6, 0);
  while (text.length < 40) text += '\0';
  return text + '\x01\x02\x03\x04\x05\x06\x07\x08';
}

function server() {
  const { clock, state } = fakeClock();
  localClock.holdLocalReference(clock, 2, localClock.now(clock));
  const service = responder.create(clock, clientLog.create(8), () => 0.5, () => requests, () => replyHeader);
  service.auth = AUTH;
  // As app.ts routes it (the MAC code loaded for each such request).
  service.routes = macRoutes(clock.readRaw);
  replyHeader.refresh(service);
  const { sent, socket } = recordingSocket();
  service.socket = socket;
  return { service, sent, state };
}

describe('server authentication', () => {
  it('signs the reply with the key of a valid request (MD5, SHA1, SHA256 in v4 and v3)', () => {
    expect(KEYS.errors).toEqual([]);
    const cases: [number, number][] = [[1, 4], [2, 4], [3, 4], [3, 3]];
    for (const [keyId, version] of cases) {
      const { service, sent, state } = server();
      const key = keys.findKey(AUTH.keys, keyId)!;
      const req = request(version);
      responder.handle(service, req + mac.macTrailer(keyId, key.type, key.secret, req, shaDigest), FROM, state.raw);
      expect(sent).toHaveLength(1);
      const reply = sent[0].data;
      const trailer = packet.parseTrailer(reply)!;
      expect(trailer.macKeyId).toBe(keyId);
      expect(mac.verifyMac(reply, trailer.macOffset, keyId, key.type, key.secret, shaDigest)).toBe(true);
      expect(header.decode(reply, 0).version).toBe(version);
      expect(service.counters[Counter.Authenticated]).toBe(1);
    }
  });

  it('answers an unknown key and a wrong digest alike, with a crypto-NAK', () => {
    for (const trailerOf of [
      (req: string) => timestamp.writeUint32(99) + '\0'.repeat(16), // unknown key id 99
      (req: string) => { const m = mac.macTrailer(1, 'MD5', keys.findKey(AUTH.keys, 1)!.secret, req, shaDigest); return m.substring(0, 19) + String.fromCharCode(m.charCodeAt(19) ^ 1); },
    ]) {
      const { service, sent, state } = server();
      const req = request();
      responder.handle(service, req + trailerOf(req), FROM, state.raw);
      expect(sent).toHaveLength(1);
      expect(sent[0].data.length).toBe(52);
      expect(sent[0].data.substring(48)).toBe('\0\0\0\0');
      expect(service.counters[Counter.CryptoNak]).toBe(1);
    }
  });
});

describe('server authentication: chronyd NTPv3 requests with whole SHA256 digests (issue 16)', () => {
  // chronyd 4.3 sends NTPv3 with all 32 bytes of a SHA256 digest; key ids 16, 32 and 36 once
  // parsed as extension fields (a crypto-NAK for 16 and 32, an unsigned reply for 36).
  const issueRequest = '1b000600000000000000000000000000000000000000000000000000000000000000000000000000965f640a062fe209' +
    '00000024a57e2d5147f49f18d1b03d6a8fca43df2eeaee73f07f8896e4f3910da0903376';
  const ids = [16, 32, 36, 20, 24, 1];
  const keyFile = ids.map((id) => id + ' SHA256 HEX:' + '24'.repeat(32)).join('\n') + '\n17 MD5 HEX:' + '10'.repeat(16) +
    '\n18 SHA1 HEX:' + '20'.repeat(20) + '\n';
  const chronyKeys: keys.Authenticator = { keys: keys.parseKeys(keyFile).keys, sha: shaDigest };

  function serve(datagram: string) {
    const { service, sent, state } = server();
    service.auth = chronyKeys;
    responder.handle(service, datagram, FROM, state.raw);
    return { service, sent };
  }

  it("the issue's request bytes (key 36) get a reply signed with key 36, whole digest, NTPv3", () => {
    const bytes = Buffer.from(issueRequest, 'hex').toString('latin1');
    const { service, sent } = serve(bytes);
    expect(sent).toHaveLength(1);
    const reply = sent[0].data;
    expect(reply.length).toBe(48 + 4 + 32);
    expect(header.decode(reply, 0).version).toBe(3);
    const key = keys.findKey(chronyKeys.keys, 36)!;
    expect(mac.verifyMac(reply, 48, 36, key.type, key.secret, shaDigest)).toBe(true);
    expect(service.counters[Counter.Authenticated]).toBe(1);
    expect(service.counters[Counter.CryptoNak]).toBe(0);
  });

  for (const keyId of [...ids, 17, 18]) {
    it(`NTPv3 request signed with key ${keyId} (${keys.findKey(chronyKeys.keys, keyId)!.type}): signed reply`, () => {
      const key = keys.findKey(chronyKeys.keys, keyId)!;
      const req = request(3);
      const { service, sent } = serve(req + mac.macTrailer(keyId, key.type, key.secret, req, shaDigest));
      expect(sent).toHaveLength(1);
      const trailer = packet.parseTrailer(sent[0].data)!;
      expect(trailer.macKeyId).toBe(keyId);
      expect(mac.verifyMac(sent[0].data, trailer.macOffset, keyId, key.type, key.secret, shaDigest)).toBe(true);
      expect(service.counters[Counter.Authenticated]).toBe(1);
    });
  }
});

describe('client authentication', () => {
  function source(keyId: number) {
    const clockState = fakeClock();
    const options = defaultServerOptions('192.0.2.1');
    options.keyId = keyId;
    const s = sourceModule.create(options);
    sourceModule.setAddress(s, '192.0.2.1');
    return { s, ...clockState };
  }

  function replyTo(req: string, at: number): string {
    return header.encode({
      leap: 0, version: 4, mode: 4, stratum: 1, pollLog2: 6, precisionLog2: -20, rootDelay: 0, rootDispersion: 1e-4,
      referenceId: 0x47505300, referenceTime: timestamp.fromUnix(at - 5), originTime: timestamp.decode(req, 40),
      receiveTime: timestamp.fromUnix(at + 0.001), transmitTime: timestamp.fromUnix(at + 0.0011),
    });
  }

  it('signs its requests and uses only replies signed with the same key', () => {
    const { s, clock, state } = source(2);
    const key = keys.findKey(AUTH.keys, 2)!;
    const req = sourceAuth.sign(s, AUTH, pollModule.makeRequest(s, clock));
    expect(req.length).toBe(48 + 4 + 20);
    expect(mac.verifyMac(req, 48, 2, key.type, key.secret, shaDigest)).toBe(true);
    const body = replyTo(req.substring(0, 48), state.raw);
    const signed = body + mac.macTrailer(2, key.type, key.secret, body, shaDigest);
    const outcome = exchange.receive(s, clock, signed, { address: '192.0.2.1', port: 123 }, state.raw + 0.002, 3, sourceAuth.verify(s, AUTH, signed));
    expect(outcome.sample).not.toBeNull();
    expect(s.lastPacket![LastPacketField.Authenticated]).toBe(1);
    expect(testsText(s.lastPacket![LastPacketField.Tests])).toBe('111 111 1111');
  });

  it('rejects unsigned replies, crypto-NAKs and wrong keys (test 5)', () => {
    const key1 = keys.findKey(AUTH.keys, 1)!;
    for (const sign of [(b: string) => b, (b: string) => b + '\0\0\0\0', (b: string) => b + mac.macTrailer(1, key1.type, key1.secret, b, shaDigest)]) {
      const { s, clock, state } = source(2);
      const req = sourceAuth.sign(s, AUTH, pollModule.makeRequest(s, clock));
      const body = replyTo(req.substring(0, 48), state.raw);
      const reply = sign(body);
      expect(exchange.receive(s, clock, reply, { address: '192.0.2.1', port: 123 }, state.raw + 0.002, 3, sourceAuth.verify(s, AUTH, reply)).sample).toBeNull();
      expect(testsText(s.lastPacket![LastPacketField.Tests])).toBe('111 111 0111');
      expect(s.state[SourceField.AuthFailures]).toBe(1);
    }
  });
});
