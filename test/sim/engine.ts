/**
 * A seeded discrete-event simulator that runs the appliance's core through
 * the board interface (src/platform.ts) in simulated time, as clknetsim runs
 * chronyd: a crystal with an offset, a frequency error and wander; a network
 * with delay, jitter, asymmetry, loss and outages; stratum-1 servers with
 * their own clocks; and the served time measured against true time every
 * simulated second.
 *
 * Time model. True time t runs from 0 (Unix time `epoch` + t). Events (timers,
 * datagrams) sit on a heap ordered by true time. The core is single-threaded
 * like Espruino: an event runs at max(its time, the moment the previous one
 * finished), and each rawClock() read costs `readCost` of simulated CPU time
 * (so that the core's precision measurement sees a real resolution instead
 * of a frozen clock). Timers count raw (crystal) milliseconds, as Espruino's
 * do: a fast crystal fires them early in true time.
 *
 * GPS. With `gps` in the spec, a simulated receiver (board/virtual/gps-receiver.mjs)
 * is wired as on the appliance's board: its NMEA reaches a UART opened on rx
 * D16, its pulse a watch on D4. Each second's events are put on the queue a
 * second ahead. An edge's handler gets the raw clock at the edge's true time
 * (the interrupt's timestamp) though it runs when the CPU is free, as
 * Espruino's setWatch does; a UART set to another speed reads garbage.
 */
import { loadModule, releaseModules } from '../unit/modules';
import { createGpsReceiver, ESP32_GPS_WIRING, uartRead } from '../../board/virtual/gps-receiver.mjs';
import type { GpsEvent, GpsReceiver, GpsReceiverOptions } from '../../board/virtual/gps-receiver.mjs';
import type { Appliance } from '../../src/appliance';
import { start } from '../../src/app';
import * as localClock from '../../src/clock/local';
import type { BoardServices, DatagramHandler, HttpHandler, Peer, Platform, UdpSocket } from '../../src/platform';
import { shaDigest } from '../unit/fakes';
import { Crystal } from './crystal';
import type { CrystalSpec } from './crystal';
import { score } from './metrics';
import type { Limits, Score } from './metrics';
import { Network } from './network';
import type { NetworkSpec } from './network';
import { EventQueue } from './queue';
import type { SimEvent } from './queue';
import { createRandom } from './random';
import { NtpServer } from './server';
import type { ServerSpec } from './server';

/** 2025-01-01T00:00:00Z: a realistic date, so the core's doubles carry today's rounding. */
export const DEFAULT_EPOCH = 1735689600;
export const NTP_PORT = 123;

/** Random streams, one per model, so no model's draws shift another's. */
const STREAM_CRYSTAL = 1;
const STREAM_NETWORK = 2;
const STREAM_CORE = 3;
const STREAM_GPS = 4;
/** The ESP32's Storage area (board/espruino/ESP32.json saved_code) and Espruino's per-file header. */
const SIM_FLASH_BYTES = 224 * 4096;
const STORAGE_FILE_HEADER = 32;

export interface SimSpec {
  /** Seconds of true time to simulate. */
  duration: number;
  /** Unix time at true time 0 (whole seconds). */
  epoch?: number;
  /** ntp.conf text. */
  config: string;
  /** ntp.drift text (the crystal's frequency error in ppm), when the board has one. */
  drift?: string;
  /** Further Storage files. */
  storage?: { [name: string]: string };
  crystal: CrystalSpec;
  servers: ServerSpec[];
  network: NetworkSpec;
  /**
   * A GPS receiver on the board (NMEA to the UART on rx D16, pulse on D4).
   * Its times and intervals (startTime, outages, stale) are simulated true
   * time t; the engine supplies the epoch and a seed from the run's seed.
   */
  gps?: Omit<GpsReceiverOptions, 'epoch' | 'seed'>;
  /** Host names resolve() knows besides dotted quads; a list is handed out round-robin, one address per lookup (as a pool's DNS). */
  names?: { [host: string]: string | string[] };
  /** Simulated CPU time per rawClock() read, seconds (default 1 µs). */
  readCost?: number;
  /** Called after each second's sample (k = 0 … duration). */
  observe?: (sim: Simulation, second: number, app: Appliance) => void;
  /** Called after every event (timer, datagram, boot): to catch states that do not last a second. */
  afterEvent?: (sim: Simulation, app: Appliance) => void;
}

export interface RunResult {
  seed: number;
  /** offset[k]: served − true at second k. */
  offsets: Float64Array;
  /** freq[k]: served advance over second k − 1 → k, per true second, − 1 (freq[0] = NaN). */
  freqs: Float64Array;
  /** The crystal's own phase (raw − true) at each sample. */
  crystalPhase: Float64Array;
  sim: Simulation;
  app: Appliance;
  /** Wall-clock milliseconds the run took. */
  wallMs: number;
}

interface Binding {
  port: number;
  onDatagram: DatagramHandler;
  onError: (message: string) => void;
  closed: boolean;
}

interface Timer {
  event: SimEvent;
}

interface PinWatch {
  pin: string;
  edge: 'rising' | 'falling';
  onEdge: (rawTime: number) => void;
}

/** The board's GPS UART as the core last set it up (each serialOpen adds a data handler, as Serial2.on does). */
interface Uart {
  baud: number;
  rxPin: string;
  txPin: string;
  handlers: ((chunk: string) => void)[];
}

export class Simulation {
  readonly queue = new EventQueue();
  readonly crystal: Crystal;
  readonly network: Network;
  readonly servers = new Map<string, NtpServer>();
  readonly storage = new Map<string, string>();
  readonly consoleOutput: string[] = [];
  /** The firmware's HTTP handlers by port (the simulator has no TCP: tests call them directly). */
  readonly httpHandlers = new Map<number, HttpHandler>();
  readonly logLines: string[] = [];
  readonly epoch: number;
  readonly platform: Platform & BoardServices;
  /** The CPU's position on the true timeline: when the running event has got to. */
  now = 0;
  /** Set while the simulator itself reads the served time (no CPU cost, no side effects). */
  private sampling = false;
  private readonly readCost: number;
  private readonly bindings = new Map<number, Binding>();
  private readonly timers = new Map<number, Timer>();
  private nextTimerId = 1;
  private nextEphemeralPort = 49152;
  private consoleInput: ((chunk: string) => void) | null = null;
  private readonly names: { [host: string]: string | string[] };
  /** Lookups per name so far (round-robin position). */
  readonly lookups = new Map<string, number>();
  readonly gps: GpsReceiver | null = null;
  /** Receiver events delivered: edges to watches, chunks to the UART; chunks nobody heard (UART not open, or on another pin). */
  readonly gpsTraffic = { edges: 0, edgesWatched: 0, chunks: 0, unheard: 0 };
  private uart: Uart | null = null;
  private readonly pinWatches = new Map<number, PinWatch>();
  private nextWatchId = 1;
  /** Datagrams the core sent, by destination; and what happened to them. */
  readonly traffic = { sent: 0, toUnknown: 0, lostUp: 0, lostDown: 0, delivered: 0, undeliverable: 0 };

  constructor(spec: SimSpec, readonly seed: number) {
    this.epoch = spec.epoch ?? DEFAULT_EPOCH;
    this.readCost = spec.readCost ?? 1e-6;
    this.names = spec.names ?? {};
    this.crystal = new Crystal(spec.crystal, this.epoch, createRandom(seed, STREAM_CRYSTAL));
    this.network = new Network(spec.network, createRandom(seed, STREAM_NETWORK));
    for (const server of spec.servers) this.servers.set(server.address, new NtpServer(server, this.epoch));
    this.platform = this.createPlatform(createRandom(seed, STREAM_CORE));
    if (spec.gps) {
      const gpsSeed = Math.floor(createRandom(seed, STREAM_GPS).uniform() * 4294967296);
      this.gps = createGpsReceiver({ ...spec.gps, epoch: this.epoch, seed: gpsSeed });
      this.scheduleGps(this.gps, spec.gps.startTime ?? 0);
    }
  }

  /** Puts the receiver's events up to `from` + 1 s on the queue, then comes back at `from` + 1 s for the next second. */
  private scheduleGps(receiver: GpsReceiver, from: number): void {
    const sim = this;
    this.at(from, function () {
      for (const event of receiver.eventsUntil(from + 1)) {
        sim.at(event.time, function () {
          sim.deliverGps(receiver, event);
        });
      }
      sim.scheduleGps(receiver, from + 1);
    });
  }

  private deliverGps(receiver: GpsReceiver, event: GpsEvent): void {
    if (event.kind === 'edge') {
      this.gpsTraffic.edges++;
      const edge = event.level === 1 ? 'rising' : 'falling';
      for (const watch of [...this.pinWatches.values()]) {
        if (watch.pin !== ESP32_GPS_WIRING.pps || watch.edge !== edge) continue;
        this.gpsTraffic.edgesWatched++;
        // Timestamped in the interrupt, at the edge; the handler runs when the CPU is free.
        watch.onEdge(this.crystal.read(event.time));
      }
      return;
    }
    const uart = this.uart;
    if (!uart || uart.rxPin !== ESP32_GPS_WIRING.rx) {
      this.gpsTraffic.unheard++;
      return;
    }
    this.gpsTraffic.chunks++;
    const chunk = uartRead(event.chunk, receiver.options.baud, uart.baud);
    if (chunk.length === 0) return;
    for (const handler of [...uart.handlers]) handler(chunk);
  }

  /** Runs `callback` at true time `time` (or when the CPU is free after it). */
  at(time: number, callback: () => void): SimEvent {
    return this.queue.push(time, callback);
  }

  /** The served time read by the simulator at true time `trueTime` (≥ now). */
  served(app: Appliance, trueTime: number): number {
    if (trueTime > this.now) this.now = trueTime;
    this.sampling = true;
    try {
      return localClock.now(app.clock);
    } finally {
      this.sampling = false;
    }
  }

  /** Types text on the serial console. */
  type(text: string): void {
    if (this.consoleInput) this.consoleInput(text);
  }

  /** Runs events up to and including true time `until`; `onSecond` is called at each whole second ≥ `fromSecond`. */
  runUntil(until: number, fromSecond: number, onSecond: (second: number) => void, afterEvent?: () => void): void {
    let nextSecond = fromSecond;
    for (;;) {
      const event = this.queue.peek();
      const eventTime = event ? event.time : Infinity;
      if (nextSecond <= until && nextSecond <= eventTime) {
        onSecond(nextSecond);
        nextSecond++;
        continue;
      }
      if (!event || eventTime > until) break;
      this.queue.pop();
      if (event.time > this.now) this.now = event.time;
      try {
        event.run();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error('at simulated t=' + this.now.toFixed(6) + ' s: ' + message, { cause: error });
      }
      if (afterEvent) afterEvent();
    }
    if (until > this.now) this.now = until;
  }

  private trueDelay(rawSeconds: number): number {
    return rawSeconds / (1 + this.crystal.frequencyAt(this.now));
  }

  private createPlatform(random: ReturnType<typeof createRandom>): Platform & BoardServices {
    const sim = this;
    const platform: Platform & BoardServices = {
      services: () => platform,
      digest: shaDigest,
      rawClock() {
        if (sim.sampling) return sim.crystal.read(sim.now);
        const t = sim.now;
        sim.now += sim.readCost;
        return sim.crystal.read(t);
      },
      udpBind(port, onDatagram, onError) {
        let bound = port;
        if (bound === 0) {
          while (sim.bindings.has(sim.nextEphemeralPort)) sim.nextEphemeralPort++;
          bound = sim.nextEphemeralPort++;
        }
        const binding: Binding = { port: bound, onDatagram, onError, closed: false };
        if (sim.bindings.has(bound)) {
          binding.closed = true;
          sim.at(sim.now, function () {
            onError('port ' + bound + ' already bound');
          });
        } else {
          sim.bindings.set(bound, binding);
        }
        const socket: UdpSocket = {
          send(data, toPort, address) {
            sim.send(binding, data, toPort, address);
          },
          close() {
            if (binding.closed) return;
            binding.closed = true;
            if (sim.bindings.get(bound) === binding) sim.bindings.delete(bound);
          },
        };
        return socket;
      },
      udpSender(onDatagram) {
        // The simulated network has no broadcast domain: an ephemeral port stands in for an unbound socket.
        return platform.udpBind(0, onDatagram, function () {}) as UdpSocket;
      },
      every(milliseconds, callback, a, b, c) {
        const id = sim.nextTimerId++;
        const periodRaw = milliseconds / 1000;
        const timer: Timer = { event: null as never };
        const arm = function (from: number) {
          timer.event = sim.at(from + sim.trueDelay(periodRaw), function () {
            arm(timer.event.time);
            callback(a as never, b as never, c as never);
          });
        };
        arm(sim.now);
        sim.timers.set(id, timer);
        return id;
      },
      after(milliseconds, callback, a, b, c) {
        const id = sim.nextTimerId++;
        const event = sim.at(sim.now + sim.trueDelay(milliseconds / 1000), function () {
          sim.timers.delete(id);
          callback(a as never, b as never, c as never);
        });
        sim.timers.set(id, { event });
        return id;
      },
      cancelTimer(id) {
        const timer = sim.timers.get(id);
        if (!timer) return;
        timer.event.cancelled = true;
        sim.timers.delete(id);
      },
      random() {
        return random.uniform();
      },
      resolve(host, callback) {
        const known = Object.prototype.hasOwnProperty.call(sim.names, host) ? sim.names[host] : null;
        let address: string | null = isDottedQuad(host) ? host : typeof known === 'string' ? known : null;
        if (Array.isArray(known)) {
          const count = sim.lookups.get(host) ?? 0;
          sim.lookups.set(host, count + 1);
          address = known.length > 0 ? known[count % known.length] : null;
        }
        sim.at(sim.now, function () {
          callback(address);
        });
      },
      consoleWrite(text) {
        sim.consoleOutput.push(text);
      },
      onConsoleData(callback) {
        sim.consoleInput = callback;
      },
      consoleEchoes: false,
      releaseConsole() {
        return '';
      },
      serialOpen(baud, rxPin, txPin, onData) {
        const handlers = sim.uart ? sim.uart.handlers : [];
        handlers.push(onData);
        // '' is the board's own pin (src/platform.ts): the ESP32 description's.
        sim.uart = { baud, rxPin: rxPin || ESP32_GPS_WIRING.rx, txPin: txPin || ESP32_GPS_WIRING.tx, handlers };
      },
      watchPin(pin, edge, onEdge) {
        const id = sim.nextWatchId++;
        sim.pinWatches.set(id, { pin: pin || ESP32_GPS_WIRING.pps, edge, onEdge });
        return id;
      },
      unwatchPin(id) {
        sim.pinWatches.delete(id);
      },
      httpServe(port, handle) {
        sim.httpHandlers.set(port, handle);
      },
      // The simulated board's link is always up (Wi-Fi outages are the virtual board's and the unit tests').
      wifiConnect(ssid, password, done) {
        sim.at(sim.now, function () {
          done(null);
        });
      },
      wifiSetIP() {},
      wifiSetHostname() {},
      wifiAddress() {
        return { address: SIM_BOARD_ADDRESS, netmask: '255.255.255.0', gateway: '192.168.1.1' };
      },
      onWifiLink() {},
      storageRead(name) {
        return sim.storage.get(name);
      },
      storageWrite(name, data) {
        sim.storage.set(name, data);
        return true;
      },
      storageFree() {
        let used = 0;
        sim.storage.forEach(function (data) {
          used += (STORAGE_FILE_HEADER + data.length + 3) & ~3;
        });
        return used < SIM_FLASH_BYTES ? SIM_FLASH_BYTES - used : 0;
      },
      // The simulator runs the TypeScript in V8: it cannot know what the interpreter would use.
      memory() {
        return null;
      },
      load: loadModule,
      release: releaseModules,
      // The simulator runs callbacks itself and lets an error fail the run.
      callbackErrors() {
        return { count: 0, last: '' };
      },
      log(message) {
        sim.logLines.push(sim.now.toFixed(3) + ' ' + message);
      },
      reboot() {
        // A simulation is one boot: a reboot is recorded, not performed.
        sim.logLines.push(sim.now.toFixed(3) + ' reboot requested');
      },
    };
    return platform;
  }

  private send(from: Binding, data: string, port: number, address: string): void {
    if (typeof data !== 'string') throw new Error('send: data must be a binary string, got ' + typeof data);
    for (let i = 0; i < data.length; i++) {
      if (data.charCodeAt(i) > 255) throw new Error('send: data is not a binary string (char ' + i + ')');
    }
    if (from.closed) throw new Error('send on a closed socket');
    this.traffic.sent++;
    const server = this.servers.get(address);
    if (!server || port !== NTP_PORT) {
      this.traffic.toUnknown++;
      return;
    }
    const sentAt = this.now;
    const up = this.network.delay('up', sentAt);
    if (up < 0) {
      this.traffic.lostUp++;
      return;
    }
    const arrival = sentAt + up;
    const sim = this;
    // The server runs on its own machine: its events do not wait for the core's CPU.
    const reply = server.reply(data, arrival, arrival + server.processing);
    if (reply === null) return;
    const departure = arrival + server.processing;
    const down = this.network.delay('down', departure);
    if (down < 0) {
      this.traffic.lostDown++;
      return;
    }
    const peer: Peer = { address, port: NTP_PORT };
    this.at(departure + down, function () {
      const binding = sim.bindings.get(from.port);
      if (!binding || binding.closed) {
        sim.traffic.undeliverable++;
        return;
      }
      sim.traffic.delivered++;
      binding.onDatagram(reply, { address: peer.address, port: peer.port }, sim.platform.rawClock());
    });
  }
}

/** The simulated board's own address on its LAN. */
export const SIM_BOARD_ADDRESS = '192.168.1.50';

export function isDottedQuad(host: string): boolean {
  const parts = host.split('.');
  if (parts.length !== 4) return false;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || +part > 255) return false;
  }
  return true;
}

/** Boots the appliance on a fresh simulated board and runs it for spec.duration seconds, sampling every second. */
export function runSimulation(spec: SimSpec, seed: number): RunResult {
  const started = performance.now();
  const sim = new Simulation(spec, seed);
  sim.storage.set('ntp.conf', spec.config);
  if (spec.drift !== undefined) sim.storage.set('ntp.drift', spec.drift);
  if (spec.storage) for (const name of Object.keys(spec.storage)) sim.storage.set(name, spec.storage[name]);
  const app = start(sim.platform);
  if (spec.afterEvent) spec.afterEvent(sim, app);
  const n = Math.floor(spec.duration);
  const offsets = new Float64Array(n + 1);
  const freqs = new Float64Array(n + 1);
  const crystalPhase = new Float64Array(n + 1);
  freqs[0] = NaN;
  let previousTime = 0;
  sim.runUntil(n, 0, function (second) {
    const t = Math.max(second, sim.now);
    const served = sim.served(app, t);
    // served − (epoch + t), subtracting the large whole part first so it stays exact.
    const offset = served - sim.epoch - t;
    offsets[second] = offset;
    crystalPhase[second] = sim.crystal.phaseAt(t);
    if (second > 0) freqs[second] = (offset - offsets[second - 1]) / (t - previousTime);
    previousTime = t;
    if (spec.observe) spec.observe(sim, second, app);
  }, spec.afterEvent ? function () {
    (spec.afterEvent as NonNullable<SimSpec['afterEvent']>)(sim, app);
  } : undefined);
  return { seed, offsets, freqs, crystalPhase, sim, app, wallMs: performance.now() - started };
}

export interface ScenarioResult extends RunResult {
  score: Score;
}

/** runSimulation, then scored against `limits` as chrony's check_sync scores chronyd. */
export function runScenario(spec: SimSpec & { limits: Limits }, seed: number): ScenarioResult {
  const run = runSimulation(spec, seed);
  return Object.assign(run, { score: score(run.offsets, run.freqs, spec.limits) });
}
