/**
 * The Platform over Espruino's globals: with services.ts, the only code in the firmware that
 * touches getTime, dgram, Storage, timers and the serial console. What runs all the time is
 * here, resident; the rarely used services are services.ts, loaded on demand. The callbacks
 * Espruino keeps (a socket's, the console's, Wi-Fi's, a pin's, the HTTP server's) are all made
 * here: one made in services.ts would keep that whole module in memory.
 */
import { ON_DEMAND_PREFIX } from '../../src/modules';
import { parseIpv4 } from '../../src/net/ipv4';
import type { BoardServices, DatagramHandler, HttpHandler, Platform, UdpSocket } from '../../src/platform';
import type * as services from './services';

/** The console's port when the board names none (UART0 on ESP32 boards). */
const DEFAULT_CONSOLE_PORT = Serial1;
/** The Storage name of services.ts (rollup.config.js builds it). */
export const SERVICES_MODULE = 'ntpd-board';

/** What the resident platform and services.ts share. */
export const board = {
  /** The port the JavaScript console was on at boot (bootConsolePort). */
  consolePort: DEFAULT_CONSOLE_PORT,
  /** Errors caught in callbacks: how many, and the last. */
  faults: { count: 0, last: '' },
  /** A DNS server given with a fixed address (wifiSetIP), for the next connect. */
  dnsServer: '',
};

/** On-demand modules were loaded in this event: let go at its end (see release). */
let loaded = false;

/**
 * The port the JavaScript console was on at boot (E.getConsole(): Serial1 on an ESP32's UART,
 * USB on ESP32-S3/C3 boards and on Linux), so one bundle serves them all. A loopback means the
 * NTP console held it when the board was soft-rebooted: then the board's default.
 */
function bootConsolePort(): Serial {
  const name = E.getConsole();
  const port = name && name.indexOf('Loopback') < 0 ? (global as unknown as { [name: string]: Serial | undefined })[name] : undefined;
  return port !== undefined && typeof port.write === 'function' ? port : DEFAULT_CONSOLE_PORT;
}

export function log(message: string): void {
  board.consolePort.write('[ntp] ' + message + '\r\n');
}

function release(): void {
  loaded = false;
  // Forgetting a module frees its functions once nothing still refers to them.
  const cached = Modules.getCached();
  for (let i = 0; i < cached.length; i++) {
    if (cached[i].indexOf(ON_DEMAND_PREFIX) === 0) Modules.removeCached(cached[i]);
  }
  // A module's functions and its scope refer to each other: only the garbage collector frees
  // them, and left to itself it runs when memory has run out (LOW_MEMORY). process.memory()
  // runs it now, while the board is between events.
  process.memory();
}

// Every callback Espruino calls is a boundary: an error there would be an uncaught exception
// on a console nobody reads, and an outage. It is counted, logged, and the service goes on.
export function fault(where: string, error: unknown): void {
  const faults = board.faults;
  faults.count++;
  faults.last = where + ': ' + error;
  log('error in ' + faults.last + ' (' + faults.count + ' so far; still serving)');
}

/**
 * Runs an event's callback: what it throws is counted, and what it loaded let go. Each handler
 * Espruino holds calls this with its arguments: one closure per handler, not a wrapper's too;
 * timers call it directly (setTimeout's extra arguments): no closure per timer.
 */
export function run<A, B, C>(where: string, callback: (a: A, b: B, c: C) => void, a: A, b: B, c?: C): void {
  try {
    callback(a, b, c as C);
  } catch (error) {
    fault(where, error);
  }
  if (loaded) release();
}

/** A handler for Espruino to keep that hands its arguments to `callback` through run. */
export function handler<A, B>(where: string, callback: (a: A, b: B) => void): (a: A, b?: B) => void {
  return function (a: A, b?: B) {
    run(where, callback, a, b as B);
  };
}

/**
 * A socket's datagrams, timestamped on arrival before anything else runs. The hot path: the
 * callback finds every name it uses in this function's scope (Espruino looks names up scope by
 * scope, and the global scope holds the core's hundreds), getTime included.
 */
export function receiveOn(socket: EspruinoDgramSocket, where: string, onDatagram: DatagramHandler): void {
  const clock = getTime;
  socket.on('message', function (msg, rinfo) {
    try {
      onDatagram(msg, rinfo, clock());
    } catch (error) {
      fault(where, error);
    }
    if (loaded) release();
  });
}

/** Wi-Fi's 'connected' or 'disconnected' event, as onWifiLink reports it. */
export function wifiEvent(callback: (up: boolean, detail: string) => void, up: boolean): (details: EspruinoWifiIP & EspruinoWifiDisconnect) => void {
  return function (details) {
    run('Wi-Fi event', callback, up, up ? details.ip || '' : details.msg || 'reason ' + details.reason);
  };
}

/** Wifi.connect's answer, as wifiConnect reports it. */
export function wifiConnected(done: (error: string | null) => void): (error: unknown) => void {
  return function (error) {
    run('Wi-Fi connect', done, error ? '' + error : null, undefined);
  };
}

/** Wifi.getHostByName's answer: a dotted quad or null. */
export function dnsAnswer(callback: (address: string | null) => void): (address: string | undefined) => void {
  return function (address) {
    run('DNS', callback, address && parseIpv4(address) >= 0 ? address : null, undefined);
  };
}

/** A pin's edge, as watchPin reports it: the raw time setWatch read in the interrupt. */
export function pinEdge(onEdge: (rawTime: number) => void): (event: { time: number }) => void {
  return function (event) {
    run('PPS pin', onEdge, event.time, undefined);
  };
}

/** The HTTP server's request handler: the core's answer, or a 500 when it throws. */
export function httpRequests(handle: HttpHandler): (req: EspruinoHttpRequest, res: EspruinoHttpResponse) => void {
  return function (req, res) {
    let answer;
    try {
      answer = handle(req.method, req.url);
    } catch (error) {
      fault('HTTP', error);
      answer = { status: 500, contentType: 'text/plain', body: 'Internal error\n' };
    }
    res.writeHead(answer.status, { 'Content-Type': answer.contentType, 'Cache-Control': 'no-store' });
    if (answer.body.length <= HTTP_CHUNK) res.end(answer.body);
    else sendInChunks(res, answer.body);
    if (loaded) release();
  };
}

/**
 * Bytes handed to the HTTP server at a time. Espruino copies what it is given into RAM (and
 * copies the rest again after each partial send): the status page (6 KB, a flash string read
 * from Storage) given whole took about 900 JsVars at once.
 */
const HTTP_CHUNK = 512;

/** A long body a chunk at a time: the next one when the last has left (the response's 'drain'). */
function sendInChunks(res: EspruinoHttpResponse, body: string): void {
  let offset = 0;
  function next(): void {
    if (offset >= body.length) return;
    const chunk = body.substr(offset, HTTP_CHUNK);
    offset += HTTP_CHUNK;
    if (offset >= body.length) res.end(chunk);
    else res.write(chunk);
  }
  res.on('drain', next);
  next();
}

/** The global ntpConsole() the REPL's user types to come back. */
export function consoleReclaimer(reclaim: () => void): () => void {
  return function () {
    LoopbackA.setConsole(true);
    reclaim();
  };
}

/** What the interpreter prints on the JavaScript console (errors, warnings) while the NTP console holds the port, as log lines. */
export function forwardJavaScriptConsole(): void {
  let pending = '';
  LoopbackB.on('data', function (chunk: string) {
    pending += chunk;
    let end = pending.indexOf('\n');
    while (end >= 0) {
      const line = pending.substring(0, end).replace(/\r|\x1b\[J/g, '');
      pending = pending.substring(end + 1);
      // Skip the prompt and Espruino's notes that the console moved ("<- USB", "-> LoopbackA").
      if (line !== '' && line !== '>' && line.indexOf('<- ') !== 0 && line.indexOf('-> ') !== 0) log('js: ' + line);
      end = pending.indexOf('\n');
    }
    // A line that never ends (a prompt) must not grow without bound.
    if (pending.length > 200) pending = '';
  });
}

/** Heap use (a fraction of all JsVars) above which garbage is collected before an event's first module. */
const GC_BEFORE_LOAD = 0.4;

function loadModule(name: string): unknown {
  if (!loaded) {
    loaded = true;
    // The first module of an event, on a tight heap: what earlier events left (the hot path's
    // replies are not followed by a release()) is collected first, so the module's code starts
    // from what is alive, not from a heap Espruino would collect only once it ran out
    // (LOW_MEMORY). On a roomy heap not: a collection takes time in proportion to the heap,
    // and a datagram that waits behind it is stamped late.
    const memory = process.memory(false);
    if (memory.usage > memory.total * GC_BEFORE_LOAD) process.memory();
  }
  return require(name);
}

export function createPlatform(): Platform {
  board.consolePort = bootConsolePort();
  return {
    // getTime itself, not a wrapper: the hot path calls it twice per request.
    rawClock: getTime,
    udpBind: function (port: number, onDatagram: DatagramHandler, onError: (message: string) => void, group?: string): UdpSocket | null {
      const socket = require('dgram').createSocket('udp4');
      if (group) socket.addMembership(group);
      receiveOn(socket, 'UDP port ' + port, onDatagram);
      socket.on('error', function (error: unknown) {
        run('UDP port ' + port, onError, '' + error, undefined);
      });
      try {
        socket.bind(port);
      } catch (error) {
        // Espruino throws when the port is taken, e.g. still held by a socket closed in this same event.
        socket.close();
        onError('cannot bind: ' + error);
        return null;
      }
      return socket;
    },
    every: function <A, B, C>(milliseconds: number, callback: (a: A, b: B, c: C) => void, a?: A, b?: B, c?: C) {
      return setInterval(run, milliseconds, 'timer', callback, a as A, b as B, c as C);
    },
    after: function <A, B, C>(milliseconds: number, callback: (a: A, b: B, c: C) => void, a?: A, b?: B, c?: C) {
      return setTimeout(run, milliseconds, 'timer', callback, a as A, b as B, c as C);
    },
    cancelTimer: clearTimeout,
    digest: function (algorithm, data) {
      const crypto = require('crypto');
      return E.toString(new Uint8Array(algorithm === 'SHA1' ? crypto.SHA1(data) : crypto.SHA256(data)));
    },
    random: Math.random,
    consoleWrite: function (text) {
      board.consolePort.write(text);
    },
    wifiAddress: function () {
      const wifi = require('Wifi');
      const info = wifi.getIP();
      if (wifi.getStatus().station !== 'connected' || !info.ip || info.ip === '0.0.0.0') return null;
      return { address: info.ip, netmask: info.netmask || '', gateway: info.gw || '' };
    },
    log: log,
    load: loadModule,
    release: release,
    services: function () {
      // Typed through the module's own exports: the compiler checks they are the services.
      const module: BoardServices = loadModule(SERVICES_MODULE) as typeof services;
      return module;
    },
  };
}
