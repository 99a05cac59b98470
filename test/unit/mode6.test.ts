// Mode-6 queries through the real appliance (app.start on a fake board): the
// NTP port's handler gets the datagrams, as on the board.
import { describe, expect, it } from 'vitest';
import * as commands from '../../src/console/commands';
import { defaultServerOptions } from '../../src/config/types';
import * as syncAssociations from '../../src/sync/associations';
import * as localClock from '../../src/clock/local';
import * as control from '../../src/ntp/control';
import type { ControlMessage } from '../../src/ntp/control';
import { computeMac, digestMatches } from '../../src/ntp/mac';
import * as refid from '../../src/ntp/refid';
import * as ipv4 from '../../src/net/ipv4';
import type { Peer } from '../../src/platform';
import { Counter } from '../../src/serve/responder';
import { ntpBoard, shaDigest } from './fakes';
import { prng } from './ntp-bytes';
import { SourceField } from '../../src/sync/source';

const START = 1_800_000_000.25;
// Mode 6 answers localhost only by default (issue 16): ntpq on the board's own host.
const FROM: Peer = { address: '127.0.0.7', port: 40123 };
const STRANGER: Peer = { address: '192.0.2.7', port: 40123 };
const KEY_TEXT = 'HEX:000102030405060708090a0b0c0d0e0f';
const KEY = '\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f';

function board(configText: string) {
  const { app, state, send } = ntpBoard({ 'ntp.conf': configText, 'ntp.keys': '7 MD5 ' + KEY_TEXT + '\n' }, START);
  return { app, state, send: (datagram: string, from: Peer = FROM) => send(datagram, from) };
}

let sequence = 100;

function request(opcode: number, associationId: number, data = '', version = 2): string {
  return control.encode({
    leap: 0, version, flags: 0, opcode, sequence: ++sequence, status: 0, associationId, offset: 0, count: data.length,
    data, macOffset: -1,
  });
}

/** Decodes a response's fragments; checks the framing every fragment must have. */
function reassemble(sent: { data: string }[], requestBytes: string) {
  const asked = control.decode(requestBytes, 0)!;
  const fragments: ControlMessage[] = [];
  for (const datagram of sent) {
    expect(datagram.data.length % 4).toBe(0);
    const fragment = control.decode(datagram.data, 0)!;
    expect(fragment.version).toBe(asked.version);
    expect(fragment.flags & control.RESPONSE_BIT).toBe(control.RESPONSE_BIT);
    expect([fragment.opcode, fragment.sequence, fragment.associationId]).toEqual([asked.opcode, asked.sequence, asked.associationId]);
    expect(fragment.data.length).toBe(fragment.count);
    expect(fragment.count).toBeLessThanOrEqual(control.MAX_FRAGMENT_DATA);
    fragments.push(fragment);
  }
  expect(fragments.length).toBeGreaterThan(0);
  let data = '';
  fragments.forEach((fragment, i) => {
    expect(fragment.offset).toBe(data.length);
    expect((fragment.flags & control.MORE_BIT) !== 0).toBe(i < fragments.length - 1);
    data += fragment.data;
  });
  const last = fragments[fragments.length - 1];
  return { data, status: last.status, error: (last.flags & control.ERROR_BIT) !== 0, fragments };
}

/** "a=1, b=2,\r\nc=3\r\n" → { a: '1', b: '2', c: '3' } (values in quotes keep them). */
function parseVariables(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of text.replace(/\r\n/g, ' ').split(',')) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const equals = trimmed.indexOf('=');
    out[trimmed.substring(0, equals)] = trimmed.substring(equals + 1);
  }
  return out;
}

function query(b: ReturnType<typeof board>, opcode: number, associationId: number, data = '') {
  const bytes = request(opcode, associationId, data);
  return reassemble(b.send(bytes), bytes);
}

function associations(b: ReturnType<typeof board>): { id: number; status: number }[] {
  const answer = query(b, control.Opcode.ReadStatus, 0);
  expect(answer.data.length % 4).toBe(0);
  const list = [];
  for (let i = 0; i < answer.data.length; i += 4) {
    list.push({
      id: (answer.data.charCodeAt(i) << 8) | answer.data.charCodeAt(i + 1),
      status: (answer.data.charCodeAt(i + 2) << 8) | answer.data.charCodeAt(i + 3),
    });
  }
  return list;
}

const SYSTEM_NAMES = ['version', 'processor', 'system', 'leap', 'stratum', 'precision', 'rootdelay', 'rootdisp', 'refid',
  'reftime', 'clock', 'peer', 'tc', 'mintc', 'offset', 'frequency', 'sys_jitter', 'clk_jitter', 'clk_wander'];
const PEER_NAMES = ['srcadr', 'srcport', 'dstadr', 'dstport', 'leap', 'stratum', 'precision', 'rootdelay', 'rootdisp', 'refid',
  'reftime', 'rec', 'reach', 'unreach', 'hmode', 'pmode', 'hpoll', 'ppoll', 'headway', 'flash', 'keyid', 'offset', 'delay',
  'dispersion', 'jitter', 'xleave', 'filtdelay', 'filtoffset', 'filtdisp'];

describe('mode 6', () => {
  it('READVAR 0: the system variables ntpq prints, from the clock state, in ntpd units', () => {
    const b = board('local stratum 10\n');
    b.app.clock.rootDelay = 0.0123;
    const answer = query(b, control.Opcode.ReadVariables, 0);
    expect(answer.error).toBe(false);
    expect(answer.data.endsWith('\r\n')).toBe(true);
    for (const line of answer.data.split('\r\n')) expect(line.length).toBeLessThanOrEqual(74);
    const vars = parseVariables(answer.data);
    expect(Object.keys(vars)).toEqual(expect.arrayContaining(SYSTEM_NAMES));
    expect(vars.stratum).toBe('10');
    expect(vars.leap).toBe('0');
    expect(vars.refid).toBe(ipv4.toDottedQuad(refid.LOCAL_REFERENCE_ID));
    expect(vars.precision).toBe(String(b.app.clock.precisionLog2));
    expect(Number(vars.rootdelay)).toBeCloseTo(12.3, 3);
    expect(vars.clock).toMatch(/^0x[0-9a-f]{8}\.[0-9a-f]{8}$/);
    expect(parseInt(vars.clock.substring(2, 10), 16)).toBe(Math.floor(localClock.now(b.app.clock)) + 2208988800);
    // Status: leap 0, clock source "local" (5), an event count and the last event (clock_sync, 5).
    expect(answer.status >> 14).toBe(0);
    expect((answer.status >> 8) & 0x3f).toBe(5);
    expect(answer.status & 15).toBe(5);
  });

  it('an unsynchronised board says so: leap 3, stratum 16, clock source unspecified', () => {
    const b = board('');
    const answer = query(b, control.Opcode.ReadVariables, 0);
    const vars = parseVariables(answer.data);
    expect(vars.stratum).toBe('16');
    expect(vars.leap).toBe('3');
    expect(answer.status >> 14).toBe(3);
    expect((answer.status >> 8) & 0x3f).toBe(0);
  });

  it('READVAR with a list answers only those names, in that order', () => {
    const b = board('local stratum 10\n');
    const answer = query(b, control.Opcode.ReadVariables, 0, 'stratum, refid,offset');
    expect(answer.error).toBe(false);
    expect(Object.keys(parseVariables(answer.data))).toEqual(['stratum', 'refid', 'offset']);
  });

  it('errors as ntpd: unknown variable, association, opcode; a bad count', () => {
    const b = board('local stratum 10\nserver 192.0.2.1\n');
    const unknownVariable = query(b, control.Opcode.ReadVariables, 0, 'stratum,nosuchvar');
    expect(unknownVariable.error).toBe(true);
    expect(unknownVariable.status >> 8).toBe(control.ControlError.UnknownVariable);
    expect(unknownVariable.data).toBe('');
    const unknownAssociation = query(b, control.Opcode.ReadVariables, 999);
    expect(unknownAssociation.status >> 8).toBe(control.ControlError.BadAssociation);
    for (const opcode of [0, 3, 4, 5, 6, 7, 8, 9, 10, 12, 31]) {
      const answer = query(b, opcode, 0);
      expect(answer.error).toBe(true);
      expect(answer.status >> 8).toBe(control.ControlError.BadOpcode);
    }
    const bytes = request(control.Opcode.ReadVariables, 0, 'stratum');
    const longCount = bytes.substring(0, 10) + '\0\x40' + bytes.substring(12);
    const answer = reassemble(b.send(longCount), longCount);
    expect(answer.status >> 8).toBe(control.ControlError.BadFormat);
  });

  it('READSTAT 0 lists each source once with stable ids and ntpd peer status words', () => {
    const b = board('refclock GPS\nserver 192.0.2.1\nserver 192.0.2.2\nlocal stratum 10\n');
    const sources = b.app.sync.sources;
    expect(sources.length).toBe(3);
    const first = associations(b);
    expect(first.map((a) => a.id)).toEqual([1, 2, 3]);
    // Selection codes from the source's state: * sys.peer 6, + candidate 4, - outlier 3, x falseticker 1, else 0.
    const cases: [string, number][] = [['*', 6], ['+', 4], ['-', 3], ['x', 1], ['?', 0]];
    for (const [status, code] of cases) {
      sources[1].status = status;
      sources[1].state[SourceField.Reach] = 0o377;
      const word = associations(b)[1].status;
      expect((word >> 8) & 7).toBe(code);
      expect(word & 0x8000).toBe(0x8000); // configured
      expect(word & 0x1000).toBe(0x1000); // reachable
    }
    sources[2].state[SourceField.Reach] = 0;
    expect(associations(b)[2].status & 0x1000).toBe(0);
    // Deleting a source keeps the others' ids; a new one gets a fresh id.
    expect(commands.dispatch(b.app, 'delete 192.0.2.1')).toMatch(/200 OK/);
    expect(associations(b).map((a) => a.id)).toEqual([1, 3]);
    expect(syncAssociations.addSource(b.app.sync, defaultServerOptions('192.0.2.9'))).toBeNull();
    expect(associations(b).map((a) => a.id)).toEqual([1, 3, 4]);
  });

  it('READVAR of an association: the peer variables, the refclock as ntpd shows one', () => {
    const b = board('refclock GPS\nserver 192.0.2.1 key 7\n');
    const list = associations(b);
    const refclock = query(b, control.Opcode.ReadVariables, list[0].id);
    expect(refclock.error).toBe(false);
    const clockVars = parseVariables(refclock.data);
    expect(Object.keys(clockVars)).toEqual(expect.arrayContaining(PEER_NAMES));
    expect(clockVars.srcadr).toMatch(/^127\.127\.\d+\.\d+$/);
    expect(clockVars.refid).toBe('GPS');
    expect(clockVars.stratum).toBe('0');
    const server = parseVariables(query(b, control.Opcode.ReadVariables, list[1].id).data);
    expect(server.srcadr).toBe('192.0.2.1');
    expect(server.keyid).toBe('7');
    expect(server.hmode).toBe('3');
    expect(server.refid).toBe('INIT');
    expect(list[1].status & 0x4000).toBe(0x4000); // a key is configured
    // READSTAT of one association: its status word and all its variables.
    const status = query(b, control.Opcode.ReadStatus, list[1].id);
    expect(status.status).toBe(list[1].status);
    expect(Object.keys(parseVariables(status.data))).toEqual(Object.keys(server));
  });

  it('fragments a long answer into pieces of at most 468 bytes that join up', () => {
    const b = board('local stratum 10\n');
    const names = new Array(40).fill('version').join(',');
    const answer = query(b, control.Opcode.ReadVariables, 0, names);
    expect(answer.fragments.length).toBeGreaterThan(2);
    expect(answer.data.split('version=').length - 1).toBe(40);
  });

  it('a signed request: answered under a known key, a permission error otherwise', () => {
    const b = board('local stratum 10\n');
    function signed(keyId: number, key: string) {
      let bytes = request(control.Opcode.ReadVariables, 0, 'stratum');
      bytes += control.padding(bytes.length, 8);
      return bytes + String.fromCharCode(0, 0, 0, keyId) + computeMac('MD5', key, bytes, shaDigest);
    }
    const good = signed(7, KEY);
    const sent = b.send(good);
    const answer = reassemble(sent, good);
    expect(answer.error).toBe(false);
    expect(parseVariables(answer.data)).toEqual({ stratum: '10' });
    const reply = sent[0].data;
    const macAt = (12 + answer.fragments[0].count + 7) & ~7;
    expect(reply.length).toBe(macAt + 4 + 16);
    expect(reply.charCodeAt(macAt + 3)).toBe(7);
    expect(digestMatches(reply.substring(0, macAt), reply.substring(macAt + 4), 'MD5', KEY, shaDigest)).toBe(true);
    for (const bad of [signed(8, KEY), signed(7, 'not the key')]) {
      const refused = reassemble(b.send(bad), bad);
      expect(refused.error).toBe(true);
      expect(refused.status >> 8).toBe(control.ControlError.Permission);
      expect(refused.data).toBe('');
    }
  });

  it('by default answers localhost only: a stranger gets nothing, whatever it asks (issue 16)', () => {
    const b = board('refclock GPS\nserver 192.0.2.1\nlocal stratum 10\n');
    for (const asked of [request(1, 0), request(2, 0), request(2, 1), request(1, 1), request(2, 0, 'version'), request(9, 0)]) {
      expect(b.send(asked, STRANGER)).toEqual([]);
      expect(b.send(asked, { address: '10.0.0.1', port: 123 })).toEqual([]);
      expect(b.send(asked, FROM).length).toBeGreaterThan(0);
    }
    expect(commands.dispatch(b.app, 'cmdaccheck 192.0.2.7')).toBe('209 Access denied\n');
    expect(commands.dispatch(b.app, 'cmdaccheck 127.0.0.1')).toBe('208 Access allowed\n');
  });

  it('opened with cmdallow: a first query gets no reply larger than itself; then answers, rate-limited like NTP', () => {
    const b = board('local stratum 10\ncmdallow all\nratelimit interval 1 burst 3 leak 2\n');
    const counters = b.app.responder.counters;
    const readvar = request(control.Opcode.ReadVariables, 0);
    expect(readvar.length).toBe(12);
    // First contact: a 12-byte error answer is no amplification, so it goes; a 350-byte READVAR answer does not.
    const error = b.send(request(9, 0), STRANGER);
    expect(error).toHaveLength(1);
    expect(error[0].data.length).toBeLessThanOrEqual(12);
    const other = { address: '198.51.100.9', port: 1 };
    expect(b.send(readvar, other)).toEqual([]);
    expect(counters[Counter.ControlDropped]).toBe(1);
    // Known now: answered in full, until its bucket (shared with its NTP requests) is empty:
    // of the burst of 3, the first contact took one.
    expect(b.send(request(control.Opcode.ReadVariables, 0), other).length).toBeGreaterThan(0);
    expect(b.send(request(control.Opcode.ReadVariables, 0), other).length).toBeGreaterThan(0);
    expect(b.send(request(control.Opcode.ReadVariables, 0), other)).toEqual([]);
    expect(counters[Counter.ControlDropped]).toBe(2);
    b.state.raw += 2; // one token back after 2 s
    expect(b.send(request(control.Opcode.ReadVariables, 0), other).length).toBeGreaterThan(0);
    expect(b.send(request(control.Opcode.ReadVariables, 0), other)).toEqual([]);
    // An NTP request from a known address takes from the same bucket.
    b.state.raw += 2;
    const ntp = '\x23' + '\0'.repeat(47);
    expect(b.send(ntp, other)).toHaveLength(1);
    expect(b.send(request(control.Opcode.ReadVariables, 0), other)).toEqual([]);
    // Localhost is exempt from the first-contact rule (no one can forge it), not from the rate limit.
    expect(b.send(readvar, { address: '127.0.0.2', port: 5 }).length).toBeGreaterThan(0);
  });

  it('cmddeny: no answer, counted as a dropped command packet', () => {
    const b = board('local stratum 10\ncmdallow\ncmddeny 192.0.2.0/24\n');
    expect(b.send(request(control.Opcode.ReadVariables, 0), STRANGER)).toEqual([]);
    expect(b.send(request(control.Opcode.ReadVariables, 0), { address: '198.51.100.1', port: 1 })).toEqual([]); // first contact
    expect(b.send(request(control.Opcode.ReadVariables, 0), { address: '198.51.100.1', port: 1 })).toHaveLength(1);
    const counters = b.app.responder.counters;
    expect(counters[Counter.Control]).toBe(3);
    expect(counters[Counter.ControlDropped]).toBe(2);
    const stats = commands.dispatch(b.app, 'serverstats') as string;
    expect(stats).toMatch(/Command packets received\s*: 3\n/);
    expect(stats).toMatch(/Command packets dropped\s*: 2\n/);
    // Rules added on the console apply to the next query (its first contact was the denied one: no record).
    commands.dispatch(b.app, 'cmdallow 192.0.2.7');
    expect(b.send(request(control.Opcode.ReadVariables, 0), STRANGER)).toEqual([]);
    expect(b.send(request(control.Opcode.ReadVariables, 0), STRANGER)).toHaveLength(1);
  });

  it('drops (and counts) what is not a request: short, responses, fragments, bad versions', () => {
    const b = board('local stratum 10\n');
    const good = request(control.Opcode.ReadVariables, 0);
    const bad = [
      good.substring(0, 11),
      good.charAt(0) + String.fromCharCode(0x82) + good.substring(2), // response bit
      good.charAt(0) + String.fromCharCode(0x22) + good.substring(2), // more bit
      String.fromCharCode(0x06) + good.substring(1), // version 0
      String.fromCharCode(0x3e) + good.substring(1), // version 7
    ];
    for (const datagram of bad) expect(b.send(datagram)).toEqual([]);
    expect(b.app.responder.counters[Counter.ControlDropped]).toBe(bad.length);
    // The NTP counters are not touched by them.
    expect(b.app.responder.counters[Counter.DropShort]).toBe(0);
    expect(b.app.responder.counters[Counter.DropMode]).toBe(0);
  });

  it('fuzz: thousands of random and mutated mode-6 datagrams are answered well-formed or dropped and counted', () => {
    const b = board('refclock GPS\nserver 192.0.2.1\nlocal stratum 10\ncmdallow\ncmddeny 203.0.113.0/24\n');
    const random = prng(6);
    const seeds = [
      request(1, 0), request(2, 0), request(2, 1, 'stratum,refid'), request(2, 2), request(1, 2), request(2, 0, 'version='),
    ];
    const counters = b.app.responder.counters;
    const total = 6000;
    let answered = 0;
    for (let n = 0; n < total; n++) {
      let datagram: string;
      if (n % 3 === 0) {
        datagram = '';
        const length = Math.floor(random() * 80);
        for (let i = 0; i < length; i++) datagram += String.fromCharCode(Math.floor(random() * 256));
      } else {
        datagram = seeds[n % seeds.length];
        const flips = 1 + Math.floor(random() * 4);
        for (let f = 0; f < flips; f++) {
          const at = Math.floor(random() * (datagram.length + 4));
          const byte = String.fromCharCode(Math.floor(random() * 256));
          datagram = random() < 0.2 ? datagram.substring(0, at) : datagram.substring(0, at) + byte + datagram.substring(at + 1);
        }
      }
      // Always mode 6, so every one is the control handler's to judge.
      datagram = datagram === '' ? '\x06' : String.fromCharCode((datagram.charCodeAt(0) & 0xf8) | 6) + datagram.substring(1);
      const from = random() < 0.1 ? { address: '203.0.113.5', port: 123 } : FROM;
      const droppedBefore = counters[Counter.ControlDropped];
      const sent = b.send(datagram, from);
      if (sent.length > 0) {
        answered++;
        expect(counters[Counter.ControlDropped]).toBe(droppedBefore);
        const asked = control.decode(datagram, 0)!;
        for (const reply of sent) {
          expect(reply.address).toBe(from.address);
          expect(reply.data.length % 4).toBe(0);
          const fragment = control.decode(reply.data, 0)!;
          expect(fragment.flags & control.RESPONSE_BIT).toBe(control.RESPONSE_BIT);
          expect(fragment.sequence).toBe(asked.sequence);
          expect(fragment.count).toBeLessThanOrEqual(control.MAX_FRAGMENT_DATA);
          expect(fragment.data.length).toBe(fragment.count);
        }
      } else {
        expect(counters[Counter.ControlDropped]).toBe(droppedBefore + 1);
      }
    }
    expect(counters[Counter.Control]).toBe(total);
    expect(answered + counters[Counter.ControlDropped]).toBe(total);
    expect(answered).toBeGreaterThan(total / 4);
    // Still answering properly afterwards.
    expect(parseVariables(query(b, control.Opcode.ReadVariables, 0, 'stratum').data)).toEqual({ stratum: '10' });
  });
});
