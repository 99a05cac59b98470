// The console's test board: app.start() on a fake board whose timers run when
// the test advances time, whose sockets answer the sources' requests with real
// mode-4 replies, and whose console is fed keystrokes; and the check that a bad
// argument gets one line and changes nothing.
import { expect } from 'vitest';
import * as appModule from '../../src/app';
import type { Appliance } from '../../src/appliance';
import * as header from '../../src/ntp/header';
import * as refid from '../../src/ntp/refid';
import * as ipv4 from '../../src/net/ipv4';
import * as timestamp from '../../src/ntp/timestamp';
import type { DatagramHandler } from '../../src/platform';
import { fakePlatform } from './fakes';
import { SourceField } from '../../src/sync/source';

export const START = 1_800_000_000.25;

interface Timer {
  id: number;
  at: number;
  order: number;
  run: () => void;
  every: number;
}

export interface Server {
  /** The server's clock minus our raw clock at START, and how that grows (fraction). */
  offset: number;
  rate: number;
  delay: number;
  answer: boolean;
}

/** An appliance on a fake board. Servers 192.0.2.x answer when listed in `servers`. */
export function board(configText: string, servers: Record<string, Server> = {}) {
  const state = { raw: START };
  const fake = fakePlatform(() => state.raw, { 'ntp.conf': configText });
  const platform = fake.platform;
  const timers: Timer[] = [];
  let nextId = 1;
  let order = 0;
  function schedule(seconds: number, run: () => void, every = 0): number {
    const id = nextId++;
    timers.push({ id, at: state.raw + seconds, order: order++, run, every });
    return id;
  }
  platform.after = (ms, run, a, b, c) => schedule(ms / 1000, () => run(a as never, b as never, c as never));
  platform.every = (ms, run, a, b, c) => schedule(ms / 1000, () => run(a as never, b as never, c as never), ms / 1000);
  platform.cancelTimer = (id) => {
    const i = timers.findIndex((t) => t.id === id);
    if (i >= 0) timers.splice(i, 1);
  };
  // Names resolve a moment later, as on the board; *.invalid never does.
  platform.resolve = (host, callback) => {
    schedule(0.001, () => callback(host.endsWith('.invalid') ? null : ipv4.parseIpv4(host) >= 0 ? host : '192.0.2.200'));
  };
  const sockets: { port: number; handler: DatagramHandler; closed: boolean; sent: number }[] = [];
  platform.udpBind = (port, handler) => {
    const socket = { port, handler, closed: false, sent: 0 };
    sockets.push(socket);
    return {
      send(data: string, toPort: number, address: string) {
        socket.sent++;
        const server = servers[address];
        if (!server || !server.answer) return;
        const serverTime = state.raw + server.delay / 2 + server.offset + server.rate * (state.raw - START);
        const reply = header.encode({
          leap: 0, version: 4, mode: 4, stratum: 1, pollLog2: data.charCodeAt(2), precisionLog2: -20,
          rootDelay: 1 / 1024, rootDispersion: 1 / 512, referenceId: refid.fromAscii('GPS'),
          referenceTime: timestamp.fromUnix(serverTime - 8), originTime: timestamp.decode(data, 40),
          receiveTime: timestamp.fromUnix(serverTime), transmitTime: timestamp.fromUnix(serverTime),
        });
        schedule(server.delay, () => {
          if (!socket.closed) socket.handler(reply, { address, port: toPort }, state.raw);
        });
      },
      close() {
        socket.closed = true;
      },
    };
  };
  let feed: (chunk: string) => void = () => {};
  platform.onConsoleData = (callback) => (feed = callback);
  const app = appModule.start(platform);
  app.clock.precisionLog2 = -20; // the fake raw clock never ticks between reads

  function advance(seconds: number) {
    const end = state.raw + seconds;
    for (;;) {
      timers.sort((a, b) => a.at - b.at || a.order - b.order);
      if (timers.length === 0 || timers[0].at > end) break;
      const timer = timers.shift()!;
      if (timer.at > state.raw) state.raw = timer.at;
      if (timer.every > 0) {
        timer.at += timer.every;
        timers.push(timer);
      }
      timer.run();
    }
    state.raw = end;
  }

  /** Types a line; returns what the console wrote before the next prompt (or all of it so far). */
  function type(line: string): string {
    const before = fake.output().length;
    feed(line + '\r');
    // The line runs in an event of its own (app.ts): that event, not what it schedules in turn.
    const due = timers.filter((t) => t.at <= state.raw && t.every === 0);
    for (const timer of due) {
      timers.splice(timers.indexOf(timer), 1);
      timer.run();
    }
    return stripPrompt(fake.output().slice(before));
  }

  advance(0); // the events boot scheduled for right after it (the sources' start)
  return { app, state, advance, type, output: fake.output, feed, sockets, logs: fake.logs, storage: fake.storage, resources: fake.resources, callbackErrors: fake.callbackErrors };
}

export function stripPrompt(text: string): string {
  return text.endsWith('ntp> ') ? text.slice(0, -5) : text;
}

export function answering(offset = 0.0005, rate = 0, delay = 0.004): Server {
  return { offset, rate, delay, answer: true };
}

/** What a bad argument must leave alone. */
export function snapshot(app: Appliance) {
  return JSON.stringify({
    sources: app.sync.sources.map((s) => [s.options, s.address, s.state[SourceField.Offline], s.state[SourceField.BurstLeft], s.state[SourceField.PollLog2], s.state[SourceField.StoppedBy]]),
    makestep: [app.config.makestepThreshold, app.config.makestepLimit],
    clock: [app.clock.offset, app.clock.baseFreq, app.clock.slewAmount],
    servers: app.config.servers,
    local: app.config.localStratum,
    reference: [app.clock.stratum, app.clock.referenceId, app.clock.leap, app.clock.rootDelay],
    selected: app.sync.selectedIndex,
    manual: app.sync.manual,
    access: [app.ntpAccess, app.cmdAccess],
    drift: app.platform.services().storageRead('ntp.drift') ?? null,
  });
}

export function expectOneLineError(b: ReturnType<typeof board>, line: string, pattern: RegExp) {
  const before = snapshot(b.app);
  const start = b.output().length;
  let text = b.type(line);
  if (text === '') {
    b.advance(0.01); // a command that resolves a name answers a moment later
    text = stripPrompt(b.output().slice(start));
  }
  const all = text;
  expect(all.split('\n')).toHaveLength(2);
  expect(all).toMatch(pattern);
  expect(snapshot(b.app)).toBe(before);
}

