/**
 * The Platform over Espruino's globals: the only code in the firmware that
 * touches getTime, dgram, Storage, timers and the serial console.
 */
import { ON_DEMAND_PREFIX } from '../../src/modules';
import { parseIpv4 } from '../../src/net/ipv4';
import type { DatagramHandler, HttpHandler, Platform, UdpSocket } from '../../src/platform';

/** The console's port when the board names none (UART0 on ESP32 boards). */
const DEFAULT_CONSOLE_PORT = Serial1;
/** The UART for a GPS receiver (UART2), and the pins the board description (ESP32.json, ntpAppliance) gives it by default. */
const GPS_PORT = Serial2;
export const GPS_RX_PIN = 'D16';
export const GPS_TX_PIN = 'D17';
export const PPS_PIN = 'D4';

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

/** What the interpreter prints on the JavaScript console (errors, warnings) while the NTP console holds the port, as log lines. */
function forwardJavaScriptConsole(log: (message: string) => void): void {
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

export function createPlatform(): Platform {
  const CONSOLE_PORT = bootConsolePort();
  const storage = require('Storage');
  const wifi = require('Wifi');
  let dnsServer = '';
  // Declared before use: Espruino creates a function when execution reaches its declaration (no hoisting).
  const log = function (message: string): void {
    CONSOLE_PORT.write('[ntp] ' + message + '\r\n');
  };
  // Every callback Espruino calls is a boundary: an error there would be an uncaught exception
  // on a console nobody reads, and an outage. It is counted, logged, and the service goes on.
  const faults = { count: 0, last: '' };
  // On-demand modules loaded in this event: let go at its end (see release below).
  let loaded = false;
  const release = function (): void {
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
  };
  const fault = function (where: string, error: unknown): void {
    faults.count++;
    faults.last = where + ': ' + error;
    log('error in ' + faults.last + ' (' + faults.count + ' so far; still serving)');
  };
  // Runs an event's callback: what it throws is counted, and what it loaded let go. Each handler
  // Espruino holds calls this with its arguments: one closure per handler, not a wrapper's too;
  // timers call it directly (setTimeout's extra arguments): no closure per timer.
  const run = function <A, B>(where: string, callback: (a: A, b: B) => void, a: A, b: B): void {
    try {
      callback(a, b);
    } catch (error) {
      fault(where, error);
    }
    if (loaded) release();
  };
  /**
   * A socket's datagrams, timestamped on arrival before anything else runs. The hot path: the
   * callback finds every name it uses in this function's scope (Espruino looks names up scope by
   * scope, and the bundle's own scope holds hundreds), getTime included.
   */
  const receiveOn = function (socket: EspruinoDgramSocket, where: string, onDatagram: DatagramHandler): void {
    const clock = getTime;
    socket.on('message', function (msg, rinfo) {
      try {
        onDatagram(msg, rinfo, clock());
      } catch (error) {
        fault(where, error);
      }
      if (loaded) release();
    });
  };
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
    udpSender: function (onDatagram: DatagramHandler): UdpSocket {
      const socket = require('dgram').createSocket('udp4');
      // Never bound, yet once it has sent, its ephemeral port's datagrams reach 'message' (socketserver.c's client connections).
      receiveOn(socket, 'UDP sender', onDatagram);
      return socket;
    },
    every: function <A, B>(milliseconds: number, callback: (a: A, b: B) => void, a?: A, b?: B) {
      return setInterval(run, milliseconds, 'timer', callback, a as A, b as B);
    },
    after: function <A, B>(milliseconds: number, callback: (a: A, b: B) => void, a?: A, b?: B) {
      return setTimeout(run, milliseconds, 'timer', callback, a as A, b as B);
    },
    cancelTimer: function (id) {
      clearTimeout(id);
    },
    digest: function (algorithm, data) {
      const crypto = require('crypto');
      return E.toString(new Uint8Array(algorithm === 'SHA1' ? crypto.SHA1(data) : crypto.SHA256(data)));
    },
    random: Math.random,
    resolve: function (host, callback) {
      if (parseIpv4(host) >= 0) {
        setTimeout(run, 0, 'DNS', callback, host, undefined);
        return;
      }
      require('Wifi').getHostByName(host, function (address: string | undefined) {
        run('DNS', callback, address && parseIpv4(address) >= 0 ? address : null, undefined);
      });
    },
    consoleWrite: function (text) {
      CONSOLE_PORT.write(text);
    },
    onConsoleData: function (callback) {
      // Move the JavaScript REPL out of the way so typed lines reach us.
      LoopbackA.setConsole(true);
      forwardJavaScriptConsole(log);
      CONSOLE_PORT.on('data', function (chunk: string) {
        run('console', callback, chunk, undefined);
      });
    },
    consoleEchoes: true,
    releaseConsole: function (reclaim) {
      (global as unknown as { ntpConsole: () => void }).ntpConsole = function () {
        LoopbackA.setConsole(true);
        reclaim();
      };
      CONSOLE_PORT.setConsole(true);
      return 'JavaScript REPL. Type ntpConsole() to return to the NTP console.\n';
    },
    serialOpen: function (baud, rxPin, txPin, onData) {
      GPS_PORT.setup(baud, { rx: new Pin(rxPin || GPS_RX_PIN), tx: new Pin(txPin || GPS_TX_PIN) });
      GPS_PORT.on('data', function (chunk: string) {
        run('GPS UART', onData, chunk, undefined);
      });
    },
    watchPin: function (pin, edge, onEdge) {
      return setWatch(function (event: { time: number }) {
        run('PPS pin', onEdge, event.time, undefined);
      }, new Pin(pin || PPS_PIN), { edge: edge, repeat: true }) as unknown as number;
    },
    unwatchPin: function (id) {
      clearWatch(id);
    },
    httpServe: function (port: number, handle: HttpHandler, onError: (message: string) => void) {
      try {
        require('http').createServer(function (req, res) {
          let answer;
          try {
            answer = handle(req.method, req.url);
          } catch (error) {
            fault('HTTP', error);
            answer = { status: 500, contentType: 'text/plain', body: 'Internal error\n' };
          }
          res.writeHead(answer.status, { 'Content-Type': answer.contentType, 'Cache-Control': 'no-store' });
          res.end(answer.body);
          if (loaded) release();
        }).listen(port);
      } catch (error) {
        onError('' + error);
      }
    },
    wifiConnect: function (ssid, password, done) {
      const options: EspruinoWifiConnectOptions = { password: password };
      if (dnsServer !== '') options.dnsServers = [dnsServer];
      wifi.connect(ssid, options, function (error: unknown) {
        run('Wi-Fi connect', done, error ? '' + error : null, undefined);
      });
    },
    wifiSetIP: function (address, netmask, gateway, dns) {
      const settings: EspruinoWifiIP = { ip: address, netmask: netmask, gw: gateway };
      dnsServer = dns;
      // Its answer is unreliable (see the declaration): the link's address shows whether it took.
      wifi.setIP(settings, function () {});
    },
    wifiSetHostname: function (name) {
      wifi.setHostname(name);
    },
    wifiAddress: function () {
      const info = wifi.getIP();
      if (wifi.getStatus().station !== 'connected' || !info.ip || info.ip === '0.0.0.0') return null;
      return { address: info.ip, netmask: info.netmask || '', gateway: info.gw || '' };
    },
    onWifiLink: function (callback) {
      wifi.on('connected', function (details: EspruinoWifiIP) {
        run('Wi-Fi event', callback, true, details.ip || '');
      });
      wifi.on('disconnected', function (details: EspruinoWifiDisconnect) {
        run('Wi-Fi event', callback, false, details.msg || 'reason ' + details.reason);
      });
    },
    storageRead: function (name) {
      return storage.read(name);
    },
    storageWrite: function (name, data) {
      return storage.write(name, data);
    },
    reboot: function () {
      // Espruino's soft reboot: a fresh interpreter runs .bootcde from flash (Wi-Fi stays up).
      // The console goes back to its port first, so the next boot finds it there (E.getConsole()).
      CONSOLE_PORT.setConsole(true);
      load();
    },
    storageFree: function () {
      return storage.getFree();
    },
    memory: function () {
      const memory = process.memory();
      // Not a number where nothing counts JsVars (the virtual board runs this in V8).
      return memory.usage === memory.usage ? { usedJsVars: memory.usage, totalJsVars: memory.total } : null;
    },
    log: log,
    callbackErrors: function () {
      return faults;
    },
    load: function (name) {
      loaded = true;
      return require(name);
    },
    release: release,
  };
}
