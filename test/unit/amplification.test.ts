// Issue 16: mode 6 must not be a reflector. The table `npm run bench` prints
// (test/bench/amplification.ts), checked: by default a non-local address gets
// no mode-6 reply at all; opened with cmdallow, a first contact gets no more
// bytes than it sent; localhost (ntpq on the board's host) is answered in full.
import { describe, expect, it } from 'vitest';
import { measureAmplification } from '../bench/amplification';

describe('mode-6 amplification (the bench table)', () => {
  const rows = measureAmplification();
  const mode6 = rows.filter((row) => row.request.startsWith('mode 6'));

  it('covers the readable requests, every other opcode and a signed request', () => {
    expect(mode6.length).toBeGreaterThanOrEqual(20);
  });
  it.each(mode6.map((row) => [row.request, row] as const))('%s: no reply to a non-local address by default', (_name, row) => {
    expect(row.replyBytes['default, stranger']).toBe(0);
  });
  it.each(mode6.map((row) => [row.request, row] as const))('%s: with cmdallow all, a first contact gets at most its own size', (_name, row) => {
    expect(row.replyBytes['cmdallow all, first']).toBeLessThanOrEqual(row.requestBytes);
  });
  it('localhost and known addresses still get the full answers ntpq needs', () => {
    const rv = rows.find((row) => row.request.startsWith('mode 6 READVAR assoc 0 (ntpq rv)'))!;
    expect(rv.replyBytes['default, localhost']).toBeGreaterThan(200);
    expect(rv.replyBytes['cmdallow all, known']).toBe(rv.replyBytes['default, localhost']);
  });
  it('mode 7 (monlist) and mode 1 from a stranger get nothing; mode 3 byte for byte', () => {
    const byName = (prefix: string) => rows.find((row) => row.request.startsWith(prefix))!;
    expect(byName('mode 7').replyBytes['default, stranger']).toBe(0);
    expect(byName('mode 1').replyBytes['default, stranger']).toBe(0);
    expect(byName('mode 3').replyBytes['default, stranger']).toBe(48);
  });
});
