import { describe, it, expect } from 'vitest';
import vm from 'node:vm';
import * as acorn from 'acorn';
// @ts-ignore -- plain ESM helper without type declarations
import { callgrindTotal, costFigures, ntpRequest, classifyReply, describe as describeCost, HANDWRITTEN, CONFIGS, TARGETS } from './device-cost.mjs';

describe('device cost (bench helpers)', () => {
  it('reads the instruction total of a callgrind dump', () => {
    const dump = 'version: 1\ncreator: callgrind-3.19.0\npid: 12\ncmd: espruino\npart: 2\n\npositions: line\nevents: Ir\nsummary: 123456\n\n\nfn=(1) main\n5 10\ntotals: 123456\n';
    expect(callgrindTotal(dump)).toBe(123456);
    expect(callgrindTotal('events: Ir\nsummary: 77\n')).toBe(77);
    expect(callgrindTotal('nothing here')).toBeNull();
  });

  it('divides by the replies and judges the ratio against the target', () => {
    const f = costFigures({ instructions: 1_300_000, replies: 1000 }, { instructions: 1_000_000, replies: 1000 }, TARGETS.plain);
    expect(f).toEqual({ firmware: 1300, handwritten: 1000, ratio: 1.3, target: 1.3, pass: true });
    const g = costFigures({ instructions: 2_000_000, replies: 999 }, { instructions: 1_000_000, replies: 1000 }, 1.5);
    expect(g.pass).toBe(false);
    expect(describeCost('', g)).toMatch(/^device cost: firmware 2002 instr\/request, hand-written 1000, ratio 2\.002 \(target ≤ 1\.5\) FAIL$/);
    // no replies, or a run that failed: no figure and no verdict
    expect(costFigures({ instructions: 5, replies: 0 }, { instructions: 5, replies: 5 }, 1.3)).toMatchObject({ firmware: null, ratio: null, pass: null });
    expect(costFigures(null, { instructions: 5, replies: 5 }, 1.3).pass).toBeNull();
    expect(describeCost(' x', costFigures(null, null, 1.3))).toBe('device cost x: n/a');
  });

  it('the measured configurations differ only by the access rules and a rate limit', () => {
    expect(CONFIGS.plain).toBe('local stratum 10\n');
    expect(CONFIGS.limited.startsWith(CONFIGS.plain)).toBe(true);
    expect(CONFIGS.limited).toMatch(/^allow 127\.0\.0\.0\/8$/m);
    expect(CONFIGS.limited).toMatch(/^ratelimit /m);
  });

  it('the hand-written responder is about ten lines of ES5 and answers as an NTP server', () => {
    expect(HANDWRITTEN.trim().split('\n').length).toBeLessThanOrEqual(10);
    expect(() => acorn.parse(HANDWRITTEN, { ecmaVersion: 5 })).not.toThrow();
    // Run it in V8 over a stand-in dgram socket: Espruino's message is a binary string.
    let handler: ((m: string, r: { address: string; port: number }) => void) | null = null;
    const sent: Array<{ data: string; port: number; address: string }> = [];
    const socket = {
      on: (ev: string, fn: typeof handler) => { if (ev === 'message') handler = fn; },
      send: (data: string, port: number, address: string) => { sent.push({ data, port, address }); },
      bind: (port: number) => { expect(port).toBe(123); },
    };
    const now = 1_800_000_000.25;
    vm.runInNewContext(HANDWRITTEN, { require: (m: string) => (m === 'dgram' ? { createSocket: () => socket } : null), getTime: () => now, Math, String });
    const request = ntpRequest(3_900_000_000, 0x12345678);
    request[2] = 6; // poll
    handler!(request.toString('latin1'), { address: '127.0.0.1', port: 40000 });
    handler!('short', { address: '127.0.0.1', port: 40000 }); // not a request: no answer
    expect(sent).toHaveLength(1);
    expect(sent[0].port).toBe(40000);
    const reply = Buffer.from(sent[0].data, 'latin1');
    expect(reply).toHaveLength(48);
    expect(classifyReply(reply, request)).toBe('reply');
    expect(reply[0]).toBe(0x24); // LI 0, version 4, mode 4
    expect(reply[1]).toBe(1);
    expect(reply[2]).toBe(6);
    expect(reply.toString('latin1', 12, 16)).toBe('LOCL');
    for (const at of [32, 40]) { // receive, transmit
      expect(reply.readUInt32BE(at)).toBe(Math.floor(now) + 2208988800);
      expect(reply.readUInt32BE(at + 4)).toBe(0x40000000);
    }
  });

  it('tells a reply from a kiss-o\'-death and from a reply to another request', () => {
    const request = ntpRequest(1, 2);
    const reply = Buffer.alloc(48);
    reply[0] = 0x24; reply[1] = 10;
    request.copy(reply, 24, 40, 48);
    expect(classifyReply(reply, request)).toBe('reply');
    reply[1] = 0;
    expect(classifyReply(reply, request)).toBe('kod');
    expect(classifyReply(reply, ntpRequest(1, 3))).toBe('bad');
    expect(classifyReply(reply.subarray(0, 40), request)).toBe('bad');
  });
});
