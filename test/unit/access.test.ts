import { describe, expect, it } from 'vitest';
import type { Appliance } from '../../src/appliance';
import * as configuration from '../../src/config/parse';
import * as configTypes from '../../src/config/types';
import * as accesscmd from '../../src/console/accesscmd';
import * as header from '../../src/ntp/header';
import * as refid from '../../src/ntp/refid';
import * as access from '../../src/serve/access';
import * as accessRules from '../../src/serve/accessrules';
import * as clientLog from '../../src/serve/clientlog';
import * as responder from '../../src/serve/responder';
import * as drops from '../../src/serve/drops';
import * as requests from '../../src/serve/request';
import * as replyHeader from '../../src/serve/replyheader';
import { Counter } from '../../src/serve/responder';
import { fakeClock, recordingSocket } from './fakes';

function table(lines: string): access.AccessTable {
  const t = access.create();
  for (const line of lines.trim().split('\n')) {
    if (line.trim() === '') continue;
    const words = line.trim().split(/\s+/);
    const directive = configuration.parseAccess(words[0] === 'allow', words.slice(1));
    if (typeof directive === 'string') throw new Error(directive);
    expect(accessRules.addRule(t, directive.allow, directive.all, directive.subnet)).toBeNull();
  }
  return t;
}

const allowed = (t: access.AccessTable, address: string) => access.isAllowedAddress(t, address);

describe('access rules (chrony semantics)', () => {
  it('serves everyone without rules, and no one but the allowed once there are rules', () => {
    expect(allowed(access.create(), '203.0.113.9')).toBe(true);
    const t = table('allow 192.168.1.0/24');
    expect(allowed(t, '192.168.1.77')).toBe(true);
    expect(allowed(t, '192.168.2.1')).toBe(false);
  });

  it('lets the most specific subnet decide, whatever the order', () => {
    const t = table('allow 10.1.2\ndeny 10');
    expect(allowed(t, '10.1.2.3')).toBe(true);
    expect(allowed(t, '10.1.3.3')).toBe(false);
    const u = table('deny 10\nallow 10.1.2');
    expect(allowed(u, '10.1.2.3')).toBe(true);
  });

  it('lets the later directive win for the same subnet', () => {
    expect(allowed(table('allow 10/8\ndeny 10/8'), '10.0.0.1')).toBe(false);
    expect(allowed(table('deny 10/8\nallow 10/8'), '10.0.0.1')).toBe(true);
  });

  it('lets `all` override the more specific rules given before it', () => {
    const t = table('allow 10.1.2\ndeny all 10');
    expect(allowed(t, '10.1.2.3')).toBe(false);
    const u = table('deny all 10\nallow 10.1.2');
    expect(allowed(u, '10.1.2.3')).toBe(true);
  });

  it('reads chrony subnet forms and refuses bad ones', () => {
    expect(accessRules.parseSubnet('')).toEqual([0, 0]);
    expect(accessRules.parseSubnet('192.168')).toEqual([0xc0a80000, 16]);
    expect(accessRules.parseSubnet('192.168.1.99/24')).toEqual([0xc0a80100, 24]);
    expect(accessRules.parseSubnet('1.2.3.4')).toEqual([0x01020304, 32]);
    for (const bad of ['1.2.3.4/33', '1.2.3.4/', '300.1.1.1', 'a.b', '1.2.3.4.5', '1.2.3.4/x']) expect(accessRules.parseSubnet(bad)).toBeNull();
    expect(allowed(table('allow'), '8.8.8.8')).toBe(true);
    expect(allowed(table('allow\ndeny 8.8.8.8'), '8.8.8.8')).toBe(false);
  });

  it('bounds the table', () => {
    const t = access.create();
    for (let i = 0; i < access.MAX_RULES; i++) expect(accessRules.addRule(t, true, false, '10.0.0.' + i)).toBeNull();
    expect(accessRules.addRule(t, true, false, '10.0.1.1')).toMatch(/Too many/);
  });
});

/** Issue 16, items 4 and 5. */
describe('deny lines alone, the mode-6 default, malformed prefix lengths', () => {
  it('a deny line alone denies that subnet only: the default stays "serve" until an allow line narrows it', () => {
    const t = table('deny 203.0.113.0/24');
    expect(allowed(t, '127.0.0.9')).toBe(true);
    expect(allowed(t, '192.168.1.20')).toBe(true);
    expect(allowed(t, '203.0.113.5')).toBe(false);
    const several = table('deny 203.0.113.0/24\ndeny 10/8');
    expect(allowed(several, '10.1.1.1')).toBe(false);
    expect(allowed(several, '172.16.0.1')).toBe(true);
    // An allow line narrows it, wherever it stands.
    const narrowed = table('deny 203.0.113.0/24\nallow 192.168.1');
    expect(allowed(narrowed, '127.0.0.9')).toBe(false);
    expect(allowed(narrowed, '192.168.1.20')).toBe(true);
    // A bare `deny` and `deny all` still match everyone.
    expect(allowed(table('deny'), '127.0.0.9')).toBe(false);
    expect(allowed(table('deny all'), '127.0.0.9')).toBe(false);
  });

  it('accheck after `deny 203.0.113.0/24` on a board without rules: 127.0.0.9 allowed (208)', () => {
    const app = { ntpAccess: access.create(), cmdAccess: access.create() } as unknown as Appliance;
    expect(accesscmd.run(app, 'accheck', ['127.0.0.9'])).toBe('208 Access allowed\n');
    expect(accessRules.addRule(app.ntpAccess, false, false, '203.0.113.0/24')).toBeNull();
    expect(accesscmd.run(app, 'accheck', ['127.0.0.9'])).toBe('208 Access allowed\n');
    expect(accesscmd.run(app, 'accheck', ['203.0.113.7'])).toBe('209 Access denied\n');
  });

  it('mode 6 defaults to localhost only; cmdallow lines add to it, cmddeny can take it away', () => {
    const cmd = (text: string) => {
      const parsed = configuration.parse(text);
      expect(parsed.errors).toEqual([]);
      const t = access.create();
      for (const d of parsed.config.cmdAccess) expect(accessRules.addRule(t, d.allow, d.all, d.subnet)).toBeNull();
      return t;
    };
    const byDefault = cmd('');
    expect(allowed(byDefault, '127.0.0.1')).toBe(true);
    expect(allowed(byDefault, '127.3.2.1')).toBe(true);
    expect(allowed(byDefault, '192.168.1.20')).toBe(false);
    expect(allowed(byDefault, '203.0.113.5')).toBe(false);
    const lan = cmd('cmdallow 192.168.1.0/24\n');
    expect(allowed(lan, '192.168.1.20')).toBe(true);
    expect(allowed(lan, '127.0.0.1')).toBe(true);
    expect(allowed(lan, '10.0.0.1')).toBe(false);
    expect(allowed(cmd('cmdallow all\n'), '203.0.113.5')).toBe(true);
    expect(allowed(cmd('cmddeny 127.0.0.0/8\n'), '127.0.0.1')).toBe(false);
    // The NTP service itself is not narrowed by the mode-6 default.
    expect(configuration.parse('').config.ntpAccess).toEqual([]);
  });

  const BAD_PREFIXES = ['1e1', '0x8', '+8', '8.0', '08', '', '33', '-0', ' 8', '8 ', '1_0', '００', '0008', '32.', '.5'];
  it.each(BAD_PREFIXES)('refuses the prefix length "/%s"', (bits) => {
    expect(accessRules.parseSubnet('1.2.3.4/' + bits)).toBeNull();
  });
  it('accepts plain decimal prefix lengths 0..32', () => {
    for (let bits = 0; bits <= 32; bits++) expect(accessRules.parseSubnet('10.0.0.0/' + bits)?.[1]).toBe(bits);
  });
  it('refuses them in allow, deny, cmdallow and cmddeny with a line-numbered error, and on the console', () => {
    for (const directive of ['allow', 'deny', 'cmdallow', 'cmddeny']) {
      const text = ['/1e1', '/0x8', '/+8', '/8.0', '/08', '/', '/33'].map((bits) => directive + ' 1.2.3.4' + bits).join('\n');
      const parsed = configuration.parse('local stratum 3\n' + text + '\n' + directive + ' 1.2.3.4/8\n');
      expect(parsed.errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
      for (const error of parsed.errors) expect(error.message).toMatch(/not a subnet/);
      const app = { ntpAccess: access.create(), cmdAccess: access.create() } as unknown as Appliance;
      for (const bits of ['/1e1', '/0x8', '/+8', '/8.0', '/08', '/', '/33']) {
        const answer = accesscmd.run(app, directive, ['1.2.3.4' + bits]);
        expect(answer).toMatch(/^Could not read address/);
      }
      expect(app.ntpAccess.networks.length + app.cmdAccess.networks.length).toBe(0);
    }
  });
});

describe('configuration of access and rate limits', () => {
  it('parses allow/deny/cmdallow/cmddeny, ratelimit and denykod with line-numbered errors', () => {
    const parsed = configuration.parse('allow 192.168.1\ndeny all\ncmdallow 127.0.0.1\nratelimit interval 1 burst 4 leak 3 kod 1\ndenykod\nallow 1.2.3.4/40\nratelimit burst 0\n');
    expect(parsed.config.ntpAccess).toEqual([{ allow: true, all: false, subnet: '192.168.1' }, { allow: false, all: true, subnet: '' }]);
    expect(parsed.config.cmdAccess).toHaveLength(2); // the built-in localhost rule, then the line
    expect(parsed.config.rateLimit).toEqual({ intervalLog2: 1, burst: 4, leakLog2: 3, kodLog2: 1 });
    expect(parsed.config.denyKiss).toBe(true);
    expect(parsed.errors.map((e) => e.line)).toEqual([6, 7]);
  });
});

describe('responder with access control and rate limiting', () => {
  function setup(options: { rules?: string; rate?: configTypes.RateLimit; denyKiss?: boolean; random?: () => number }) {
    const { clock, state } = fakeClock();
    const t = table(options.rules ?? '');
    const log = clientLog.create(16);
    const service = responder.create(clock, log, options.random ?? (() => 0.99), () => requests, () => replyHeader);
    log.access = t;
    if (options.rate) {
      log.tokenInterval = Math.pow(2, options.rate.intervalLog2);
      log.tokenBurst = options.rate.burst;
      service.leakLog2 = options.rate.leakLog2;
      service.rateKissLog2 = options.rate.kodLog2;
    }
    service.denyKiss = options.denyKiss ?? false;
    localClockLocal(clock);
    replyHeader.refresh(service);
    const { sent, socket } = recordingSocket();
    service.socket = socket;
    let request = '\x23\x00\x06\xec';
    while (request.length < 40) request += '\0';
    request += '\x11\x22\x33\x44\x55\x66\x77\x88';
    const ask = (address: string, at = state.raw) => responder.handle(service, request, { address, port: 123 }, at);
    return { service, sent, ask, state, log };
  }

  function localClockLocal(clock: ReturnType<typeof fakeClock>['clock']) {
    clock.leap = 0;
    clock.stratum = 2;
    clock.referenceId = 0x7f7f0101;
  }

  it('drops denied clients silently by default and counts them', () => {
    const { service, sent, ask, log } = setup({ rules: 'allow 192.168.1' });
    ask('192.168.1.5');
    ask('10.0.0.1');
    expect(sent).toHaveLength(1);
    expect(service.counters[Counter.DropDenied]).toBe(1);
    expect(log.ntpDrops[log.slots['10.0.0.1']]).toBe(1);
    expect(drops.dropped(service)).toBe(1);
  });

  it('sends a DENY kiss when configured: LI=3, stratum 0, the request origin', () => {
    const { sent, ask, service } = setup({ rules: 'deny all', denyKiss: true });
    ask('10.0.0.1');
    expect(sent).toHaveLength(1);
    const kiss = header.decode(sent[0].data, 0);
    expect(kiss.leap).toBe(3);
    expect(kiss.stratum).toBe(0);
    expect(kiss.mode).toBe(4);
    expect(refid.toAscii(kiss.referenceId)).toBe('DENY');
    expect(sent[0].data.substr(24, 8)).toBe('\x11\x22\x33\x44\x55\x66\x77\x88');
    expect(service.counters[Counter.KissDeny]).toBe(1);
  });

  it('answers a burst, then limits to one request per interval', () => {
    const { sent, ask, state, service } = setup({ rate: { intervalLog2: 3, burst: 4, leakLog2: -1, kodLog2: -1 } });
    for (let i = 0; i < 10; i++) ask('10.0.0.1', state.raw + i * 0.1);
    expect(sent).toHaveLength(4);
    expect(service.counters[Counter.DropRateLimited]).toBe(6);
    ask('10.0.0.1', state.raw + 0.9 + 8); // one interval later: one token back
    ask('10.0.0.1', state.raw + 0.9 + 8.1);
    expect(sent).toHaveLength(5);
    ask('10.0.0.2', state.raw + 10); // another client has its own bucket
    expect(sent).toHaveLength(6);
  });

  it('kisses RATE and leaks the configured shares', () => {
    let draws = 0;
    const sequence = [0.9, 0.1, 0.1, 0.9, 0.9, 0.9]; // leak? kiss? per limited request
    const { sent, ask, state, service } = setup({ rate: { intervalLog2: 3, burst: 1, leakLog2: 2, kodLog2: 1 }, random: () => sequence[draws++ % sequence.length] });
    ask('10.0.0.1', state.raw); // the one token
    ask('10.0.0.1', state.raw + 0.1); // leak draw 0.9: no; kiss draw 0.1 < 1/2: RATE
    ask('10.0.0.1', state.raw + 0.2); // leak draw 0.1 < 1/4: answered
    ask('10.0.0.1', state.raw + 0.3); // leak 0.9 no; kiss 0.9 no: silence
    expect(sent.map((s) => header.decode(s.data, 0).stratum)).toEqual([2, 0, 2]);
    expect(refid.toAscii(header.decode(sent[1].data, 0).referenceId)).toBe('RATE');
    expect(service.counters[Counter.KissRate]).toBe(1);
    expect(service.counters[Counter.Leaked]).toBe(1);
    expect(service.counters[Counter.DropRateLimited]).toBe(2);
  });

  it('keeps memory bounded under many clients: the log stays at its capacity', () => {
    const { ask, log, state } = setup({ rate: { intervalLog2: 3, burst: 8, leakLog2: -1, kodLog2: -1 } });
    // One-off clients 2 s apart: each record's bucket has refilled (8 s) by the time it is a candidate.
    for (let i = 0; i < 5000; i++) ask('10.' + ((i >> 16) & 255) + '.' + ((i >> 8) & 255) + '.' + (i & 255), state.raw + i * 2);
    expect(log.used).toBe(16);
    expect(Object.keys(log.slots)).toHaveLength(16);
    expect(Object.keys(log.slots).map((address) => clientLog.address(log, log.slots[address]))).toEqual(Object.keys(log.slots));
    expect(log.evicted).toBe(5000 - 16);
    expect(log.sharedRequests).toBe(0);
    // A flood of new addresses faster than buckets refill: the log still stays at its capacity.
    const start = state.raw + 5000 * 2;
    for (let i = 0; i < 5000; i++) ask('172.16.' + ((i >> 8) & 255) + '.' + (i & 255), start + i * 1e-3);
    expect(log.used).toBe(16);
    expect(Object.keys(log.slots)).toHaveLength(16);
    expect(log.sharedRequests).toBeGreaterThan(4000);
  });

  it('starts small and doubles up to its limit, keeping every record and the shared one', () => {
    const log = clientLog.create(20);
    expect(log.capacity).toBe(4);
    log.tokenInterval = 8;
    log.tokenBurst = 2;
    const seen: number[] = [];
    for (let i = 0; i < 30; i++) {
      const capacityBefore = log.capacity;
      clientLog.record(log, '10.1.0.' + i, 100 + i);
      if (log.capacity !== capacityBefore) seen.push(log.capacity);
      // Each client asks twice: its figures survive every growth.
      clientLog.record(log, '10.1.0.' + i, 101 + i);
    }
    expect(seen).toEqual([8, 16, 20]);
    expect(log.lastSeen.length).toBe(21);
    for (let i = 0; i < 20; i++) {
      const slot = log.slots['10.1.0.' + i];
      if (slot === undefined) continue;
      expect(clientLog.address(log, slot)).toBe('10.1.0.' + i);
      expect(log.ntpHits[slot]).toBe(2);
      expect(log.lastSeen[slot]).toBe(101 + i);
    }
    expect(log.used).toBe(20);
  });

  it('the responder serves from the grown log: the hot path reads its new arrays', () => {
    const { ask, log, state, sent } = setup({});
    for (let i = 0; i < 12; i++) ask('10.2.0.' + i, state.raw + i);
    for (let i = 0; i < 12; i++) ask('10.2.0.' + i, state.raw + 20 + i);
    expect(sent).toHaveLength(24);
    for (let i = 0; i < 12; i++) expect(log.ntpHits[log.slots['10.2.0.' + i]]).toBe(2);
  });
});

/**
 * Issue 16: with a 64-record log, an abuser once got all its requests answered
 * by making the table churn (its record was pushed out and came back with a
 * full burst). 6 s of one address at 100 requests/s, alone and then among 128
 * rotating addresses sending ten times as many; no leak, so only the buckets decide.
 */
describe('client-log churn does not pay (issue 16)', () => {
  const RATE = { intervalLog2: 1, burst: 4, leakLog2: -1, kodLog2: -1 };
  const ABUSER = '198.51.100.66';

  function run(rotating: number, options: { polite?: boolean; seconds?: number; floodFromMs?: number } = {}) {
    const { clock, state } = fakeClock();
    const log = clientLog.create(64);
    const service = responder.create(clock, log, () => 0.99, () => requests, () => replyHeader);
    log.tokenInterval = Math.pow(2, RATE.intervalLog2);
    log.tokenBurst = RATE.burst;
    clock.leap = 0;
    clock.stratum = 2;
    replyHeader.refresh(service);
    const { sent, socket } = recordingSocket();
    service.socket = socket;
    let request = '\x23\x00\x06\xec';
    while (request.length < 48) request += '\0';
    const start = state.raw;
    let polite = 0;
    // Time steps of 1 ms: the abuser every 10 ms, the rotating addresses 1 per ms each (ten times as many).
    for (let ms = 0; ms < (options.seconds ?? 6) * 1000; ms++) {
      const at = start + ms / 1000;
      if (ms % 10 === 0) responder.handle(service, request, { address: ABUSER, port: 123 }, at);
      if (rotating > 0 && ms >= (options.floodFromMs ?? 0)) responder.handle(service, request, { address: '203.0.113.' + (ms % rotating), port: 123 }, at);
      if (options.polite && ms % 4000 === 0) {
        const before = sent.length;
        responder.handle(service, request, { address: '192.0.2.1', port: 123 }, at);
        polite += sent.length - before;
      }
    }
    return { answered: sent.filter((d) => d.address === ABUSER).length, polite, log };
  }

  it('the abuser gets no more answers among 128 rotating addresses than alone', () => {
    const alone = run(0).answered;
    const mixed = run(128);
    expect(alone).toBe(4 + 2); // the burst, then one per 2 s
    expect(mixed.answered).toBeLessThanOrEqual(alone);
    expect(mixed.log.used).toBe(64);
    expect(mixed.log.sharedRequests).toBeGreaterThan(0);
  });

  it('a polite client that was there first keeps its record and its answers', () => {
    // Polling every 4 s, three times before the flood: all eight of its requests are answered.
    const { polite, log } = run(128, { polite: true, seconds: 30, floodFromMs: 10_000 });
    expect(polite).toBe(8);
    expect(clientLog.isKnown(log, '192.0.2.1')).toBe(true);
  });
});
