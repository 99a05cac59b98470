import { describe, expect, it } from 'vitest';
import * as discipline from '../../src/clock/discipline';
import * as localClock from '../../src/clock/local';
import { defaultServerOptions } from '../../src/config/types';
import * as header from '../../src/ntp/header';
import * as refid from '../../src/ntp/refid';
import * as timestamp from '../../src/ntp/timestamp';
import * as select from '../../src/sync/select';
import * as exchange from '../../src/sync/exchange';
import * as pollModule from '../../src/sync/poll';
import * as sourceModule from '../../src/sync/source';
import * as sourcestats from '../../src/sync/sourcestats';
import { fakeClock } from './fakes';
import { SourceField } from '../../src/sync/source';
import { StatsField } from '../../src/sync/sourcestats';
import { LastPacketField, testsText } from '../../src/sync/lastpacket';

const SERVER = { address: '192.0.2.1', port: 123 };

function newSource(clock = fakeClock()) {
  const source = sourceModule.create(defaultServerOptions(SERVER.address));
  sourceModule.setAddress(source, SERVER.address);
  return { source, ...clock };
}

/** A server reply to `request` from a server whose clock is `serverOffset` ahead, `delay` after sending. */
function reply(request: string, sendTime: number, overrides: Partial<header.NtpHeader> = {}, serverOffset = 0.001, delay = 0.002) {
  const receive = timestamp.fromUnix(sendTime + delay / 2 + serverOffset);
  const transmit = timestamp.fromUnix(sendTime + delay / 2 + serverOffset + 0.0001);
  return header.encode({
    leap: 0, version: 4, mode: 4, stratum: 1, pollLog2: 6, precisionLog2: -20, rootDelay: 0, rootDispersion: 0.0001,
    referenceId: refid.fromAscii('GPS'), referenceTime: timestamp.fromUnix(sendTime - 10),
    originTime: timestamp.decode(request, 40), receiveTime: receive, transmitTime: transmit, ...overrides,
  });
}

describe('source on-wire tests', () => {
  it('turns a good reply into a sample with the right offset and delay', () => {
    const { source, clock, state } = newSource();
    const request = pollModule.makeRequest(source, clock);
    expect(request.length).toBe(48);
    expect(request.charCodeAt(0)).toBe(0x23);
    const sent = state.raw;
    state.raw += 0.0021; // the exchange took the delay plus the server's 0.1 ms
    const outcome = exchange.receive(source, clock, reply(request, sent), SERVER, state.raw, 3, false);
    expect(outcome.sample).not.toBeNull();
    expect(outcome.sample!.offset).toBeCloseTo(0.001, 6);
    expect(outcome.sample!.delay).toBeCloseTo(0.002, 6);
    expect(source.state[SourceField.Reach]).toBe(1);
    expect(testsText(source.lastPacket![LastPacketField.Tests])).toBe('111 111 1111');
  });

  it('rejects a duplicate, a bogus origin, and replies from elsewhere', () => {
    const { source, clock, state } = newSource();
    const request = pollModule.makeRequest(source, clock);
    const good = reply(request, state.raw);
    expect(exchange.receive(source, clock, good, { address: '192.0.2.99', port: 123 }, state.raw, 3, false).sample).toBeNull();
    expect(exchange.receive(source, clock, good, { address: SERVER.address, port: 124 }, state.raw, 3, false).sample).toBeNull();
    const bogus = good.substring(0, 24) + '\x01\x02\x03\x04\x05\x06\x07\x08' + good.substring(32);
    expect(exchange.receive(source, clock, bogus, SERVER, state.raw, 3, false).sample).toBeNull();
    expect(exchange.receive(source, clock, good, SERVER, state.raw, 3, false).sample).not.toBeNull();
    // The same reply again: a duplicate (and its origin is no longer outstanding).
    expect(exchange.receive(source, clock, good, SERVER, state.raw, 3, false).sample).toBeNull();
    expect(source.state[SourceField.Valid]).toBe(1);
  });

  it('counts but does not use replies with zero timestamps, unsynchronised servers, or too much distance', () => {
    const cases: [Partial<header.NtpHeader>, string][] = [
      [{ receiveTime: { seconds: 0, fraction: 0 } }, '110 111 1111'],
      [{ leap: 3 }, '111 111 1011'],
      [{ stratum: 16 }, '111 111 1011'],
      [{ rootDispersion: 5 }, '111 111 1101'],
    ];
    for (const [override, tests] of cases) {
      const { source, clock, state } = newSource();
      const request = pollModule.makeRequest(source, clock);
      expect(exchange.receive(source, clock, reply(request, state.raw, override), SERVER, state.raw + 0.002, 3, false).sample).toBeNull();
      expect(testsText(source.lastPacket![LastPacketField.Tests])).toBe(tests);
    }
  });

  it('rejects samples above maxdelay', () => {
    const { source, clock, state } = newSource();
    source.options.maxDelay = 0.001;
    const request = pollModule.makeRequest(source, clock);
    expect(exchange.receive(source, clock, reply(request, state.raw), SERVER, state.raw + 0.0021, 3, false).sample).toBeNull();
    expect(testsText(source.lastPacket![LastPacketField.Tests])).toBe('111 011 1111');
  });

  it('honours a RATE kiss with a valid origin, never past 2^13 s', () => {
    const { source, clock, state } = newSource();
    for (let i = 0; i < 10; i++) {
      const request = pollModule.makeRequest(source, clock);
      const kiss = reply(request, state.raw, { stratum: 0, leap: 3, referenceId: refid.KISS_RATE, pollLog2: 7 });
      expect(exchange.receive(source, clock, kiss, SERVER, state.raw, 3, false).kiss).toBe('RATE');
      state.raw += 1;
    }
    expect(source.state[SourceField.PollLog2]).toBe(13);
    expect(source.state[SourceField.StoppedBy]).toBe(0);
  });

  it('stops on DENY and RSTR, but only with a valid origin (RFC 8633 5.4)', () => {
    for (const code of [refid.KISS_DENY, refid.KISS_RSTR]) {
      const { source, clock, state } = newSource();
      const request = pollModule.makeRequest(source, clock);
      const forged = reply(request, state.raw, { stratum: 0, leap: 3, referenceId: code, originTime: { seconds: 1, fraction: 2 } });
      expect(exchange.receive(source, clock, forged, SERVER, state.raw, 3, false).kiss).toBe('');
      expect(source.state[SourceField.StoppedBy]).toBe(0);
      const real = reply(request, state.raw, { stratum: 0, leap: 3, referenceId: code });
      expect(exchange.receive(source, clock, real, SERVER, state.raw, 3, false).kiss).toBe(refid.toAscii(code));
      expect(source.state[SourceField.StoppedBy]).toBe(code);
      expect(select.selectable(source)).toBe(false);
    }
  });

  it('shifts the reach register on every request', () => {
    const { source, clock } = newSource();
    source.state[SourceField.Reach] = 0xff;
    for (let i = 0; i < 3; i++) pollModule.makeRequest(source, clock);
    expect(source.state[SourceField.Reach]).toBe(0xf8);
  });
});

describe('sourcestats regression', () => {
  it('recovers offset and slope of a clean line, and follows it after a correction', () => {
    const stats = sourcestats.create();
    for (let i = 0; i < 10; i++) sourcestats.add(stats, 1000 + 64 * i, 0.01 + 2e-5 * 64 * i, 0.002, 1e-6);
    expect(sourcestats.regress(stats, 1e-6)).toBe(true);
    expect(stats[StatsField.Slope]).toBeCloseTo(2e-5, 12);
    expect(sourcestats.predictOffset(stats, 1000)).toBeCloseTo(0.01, 9);
    sourcestats.applyCorrection(stats, 1576, 0.01 + 2e-5 * 576, 2e-5);
    sourcestats.regress(stats, 1e-6);
    expect(Math.abs(stats[StatsField.Slope])).toBeLessThan(1e-12);
    expect(Math.abs(sourcestats.predictOffset(stats, 1576))).toBeLessThan(1e-9);
  });

  it('keeps at most MAX_SAMPLES, oldest out', () => {
    const stats = sourcestats.create();
    for (let i = 0; i < 40; i++) sourcestats.add(stats, i, 0, 0.001, 0);
    expect(stats[StatsField.Count]).toBe(sourcestats.MAX_SAMPLES);
    expect(sourcestats.sample(stats, 0).time).toBe(40 - sourcestats.MAX_SAMPLES);
  });

  it('down-weights samples with excess delay', () => {
    const stats = sourcestats.create();
    for (let i = 0; i < 12; i++) {
      const queued = i % 3 === 0 ? 0.05 : 0; // every third sample waited 50 ms on one path
      sourcestats.add(stats, 64 * i, 0.001 + queued / 2, 0.002 + queued, 0);
    }
    sourcestats.regress(stats, 1e-6);
    expect(Math.abs(sourcestats.predictOffset(stats, 700) - 0.001)).toBeLessThan(0.002);
  });

  it('drops old samples when the residuals stop being random (a changed frequency)', () => {
    const stats = sourcestats.create();
    for (let i = 0; i < 16; i++) {
      const t = 64 * i;
      sourcestats.add(stats, t, i < 8 ? 0 : 1e-5 * (t - 448), 0.001, 0);
    }
    sourcestats.regress(stats, 1e-7);
    expect(stats[StatsField.Count]).toBeLessThan(16);
    expect(stats[StatsField.Slope]).toBeGreaterThan(0.5e-5);
  });
});

describe('selection', () => {
  function sourceWith(address: string, offset: number, distanceSeconds: number) {
    const source = sourceModule.create(defaultServerOptions(address));
    sourceModule.setAddress(source, address);
    source.state[SourceField.Reach] = 0xff;
    source.state[SourceField.Stratum] = 1;
    source.state[SourceField.Leap] = 0;
    source.lastSampleTime = 1000;
    source.state[SourceField.Delay] = distanceSeconds;
    const stats = sourcestats.create();
    source.stats = stats;
    for (let i = 0; i < 4; i++) sourcestats.add(stats, 1000 - 64 * (3 - i), offset, distanceSeconds, 0);
    sourcestats.regress(stats, 1e-6);
    return source;
  }

  it('names falsetickers and combines the truechimers', () => {
    const sources = [
      sourceWith('192.0.2.1', 0.001, 0.01),
      sourceWith('192.0.2.2', 0.002, 0.01),
      sourceWith('192.0.2.3', 0.0015, 0.02),
      sourceWith('192.0.2.4', 0.5, 0.01), // false
      sourceWith('192.0.2.5', -0.7, 0.01), // false
    ];
    const result = select.select(sources, 1000, -1, 1e-6, 16);
    expect(result.result).toBe('ok');
    expect(sources.map((s) => s.status).join('')).toMatch(/^[*+][*+][*+-]xx$/);
    expect(result.offset).toBeGreaterThan(0.0009);
    expect(result.offset).toBeLessThan(0.0021);
  });

  it('reports no majority when three of five disagree with everyone', () => {
    const sources = [
      sourceWith('192.0.2.1', 0.001, 0.01),
      sourceWith('192.0.2.2', 0.0012, 0.01),
      sourceWith('192.0.2.3', 0.4, 0.01),
      sourceWith('192.0.2.4', -0.4, 0.01),
      sourceWith('192.0.2.5', 0.9, 0.01),
    ];
    const result = select.select(sources, 1000, -1, 1e-6, 16);
    expect(result.result).toBe('no-majority');
    expect(result.selected).toBe(-1);
  });

  it('passes on the majority leap indicator of the combined sources', () => {
    const sources = [sourceWith('192.0.2.1', 0, 0.01), sourceWith('192.0.2.2', 0, 0.01), sourceWith('192.0.2.3', 0, 0.01)];
    sources[0].state[SourceField.Leap] = 1;
    sources[1].state[SourceField.Leap] = 1;
    expect(select.select(sources, 1000, -1, 1e-6, 16).leap).toBe(1);
    sources[1].state[SourceField.Leap] = 0;
    expect(select.select(sources, 1000, -1, 1e-6, 16).leap).toBe(0);
  });
});

describe('discipline', () => {
  it('steps per makestep only within the limit, else slews', () => {
    const { clock, state } = fakeClock();
    const d = discipline.create(1e-3);
    const before = localClock.now(clock);
    expect(discipline.update(d, clock, before, 0.5, 0, 1, 0.1, 1).stepped).toBe(true);
    expect(localClock.now(clock) - before).toBeCloseTo(0.5, 9);
    const second = discipline.update(d, clock, localClock.now(clock), 0.5, 0, 1, 0.1, 1);
    expect(second.stepped).toBe(false);
    expect(localClock.pendingCorrection(clock, state.raw)).toBeCloseTo(0.5, 9);
    expect(second.slewSeconds).toBeCloseTo(0.5 / localClock.MAX_SLEW_RATE, 6);
  });

  it('slews monotonically at the bounded rate and ends exactly', () => {
    const { clock, state } = fakeClock();
    const duration = localClock.slew(clock, 0.1, 1);
    let last = localClock.now(clock);
    for (let i = 0; i < 20; i++) {
      state.raw += duration / 20;
      const now = localClock.now(clock);
      expect(now - last).toBeGreaterThan(0);
      expect((now - last) / (duration / 20) - 1).toBeLessThanOrEqual(localClock.MAX_SLEW_RATE + 1e-5); // doubles near 1.8e9 s resolve 0.24 us
      last = now;
    }
    // The raw steps above are rounded at 1.8e9 s: what is left is that rounding, under a microsecond.
    expect(Math.abs(localClock.endSlew(clock))).toBeLessThan(1e-6);
    expect(localClock.idealTime(clock, state.raw) - state.raw).toBeCloseTo(0.1, 6);
  });

  it('weights a frequency estimate by how well it and the current frequency are known', () => {
    const { clock } = fakeClock();
    const unknown = discipline.create(1e-3);
    discipline.update(unknown, clock, 1000, 0, 50e-6, 1e-7, 0, 0);
    expect(clock.baseFreq).toBeCloseTo(50e-6, 8);
    const known = fakeClock().clock;
    const confident = discipline.create(1e-9);
    discipline.update(confident, known, 1000, 0, 50e-6, 1e-5, 0, 0);
    expect(Math.abs(known.baseFreq)).toBeLessThan(1e-9);
  });

  it('stores the crystal error and restores the exact correction', () => {
    for (const errorPpm of [5, -5, 5000, -5000, 50000, -50000]) {
      const { clock } = fakeClock();
      const parsed = discipline.parseDrift((errorPpm).toFixed(6) + ' 0.5\n')!;
      localClock.setFrequency(clock, parsed.freq);
      const crystal = errorPpm * 1e-6;
      expect(Math.abs((1 + crystal) * (1 + clock.baseFreq) - 1)).toBeLessThan(1e-12);
      expect(+discipline.driftText(clock, discipline.create(parsed.skew)).split(' ')[0]).toBeCloseTo(errorPpm, 5);
    }
    for (const bad of ['', 'x', 'NaN', '1e9', '\xff\x00']) expect(discipline.parseDrift(bad)).toBeNull();
  });
});
