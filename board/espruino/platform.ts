/**
 * The Platform over Espruino's globals: the only code in the firmware that
 * touches getTime, dgram, Storage, timers and the serial console.
 */
import { parseIpv4 } from '../../src/ntp/refid';
import type { DatagramHandler, HttpHandler, Platform, UdpSocket } from '../../src/platform';

/** The serial port the console lives on (UART0 on ESP32 boards). */
const CONSOLE_PORT = Serial1;
/** The UART for a GPS receiver (UART2), and the pins the board description (ESP32.json, ntpAppliance) gives it by default. */
const GPS_PORT = Serial2;
export const GPS_RX_PIN = 'D16';
export const GPS_TX_PIN = 'D17';
export const PPS_PIN = 'D4';

export function createPlatform(): Platform {
  const storage = require('Storage');
  const wifi = require('Wifi');
  let dnsServer = '';
  return {
    // getTime itself, not a wrapper: the hot path calls it twice per request.
    rawClock: getTime,
    udpBind: function (port: number, onDatagram: DatagramHandler, onError: (message: string) => void, group?: string): UdpSocket {
      const socket = require('dgram').createSocket('udp4');
      if (group) socket.addMembership(group);
      socket.on('message', function (msg, rinfo) {
        onDatagram(msg, rinfo, getTime());
      });
      socket.on('error', function (error) {
        onError('' + error);
      });
      socket.bind(port);
      return socket;
    },
    udpSender: function (onDatagram: DatagramHandler): UdpSocket {
      const socket = require('dgram').createSocket('udp4');
      // Never bound, yet once it has sent, its ephemeral port's datagrams reach 'message' (socketserver.c's client connections).
      socket.on('message', function (msg, rinfo) {
        onDatagram(msg, rinfo, getTime());
      });
      return socket;
    },
    every: function (milliseconds, callback) {
      return setInterval(callback, milliseconds);
    },
    after: function (milliseconds, callback) {
      return setTimeout(callback, milliseconds);
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
        setTimeout(function () {
          callback(host);
        }, 0);
        return;
      }
      require('Wifi').getHostByName(host, function (address) {
        callback(address && parseIpv4(address) >= 0 ? address : null);
      });
    },
    consoleWrite: function (text) {
      CONSOLE_PORT.write(text);
    },
    onConsoleData: function (callback) {
      // Move the JavaScript REPL out of the way so typed lines reach us.
      LoopbackA.setConsole(true);
      CONSOLE_PORT.on('data', callback);
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
      GPS_PORT.on('data', onData);
    },
    watchPin: function (pin, edge, onEdge) {
      return setWatch(function (event: { time: number }) {
        onEdge(event.time);
      }, new Pin(pin || PPS_PIN), { edge: edge, repeat: true }) as unknown as number;
    },
    unwatchPin: function (id) {
      clearWatch(id);
    },
    httpServe: function (port: number, handle: HttpHandler, onError: (message: string) => void) {
      try {
        require('http').createServer(function (req, res) {
          const answer = handle(req.method, req.url);
          res.writeHead(answer.status, { 'Content-Type': answer.contentType, 'Cache-Control': 'no-store' });
          res.end(answer.body);
        }).listen(port);
      } catch (error) {
        onError('' + error);
      }
    },
    wifiConnect: function (ssid, password, done) {
      const options: EspruinoWifiConnectOptions = { password: password };
      if (dnsServer !== '') options.dnsServers = [dnsServer];
      wifi.connect(ssid, options, function (error) {
        done(error ? '' + error : null);
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
      wifi.on('connected', function (details) {
        callback(true, details.ip || '');
      });
      wifi.on('disconnected', function (details) {
        callback(false, details.msg || 'reason ' + details.reason);
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
      load();
    },
    storageFree: function () {
      return storage.getFree();
    },
    memory: function () {
      const memory = process.memory();
      return { usedJsVars: memory.usage, totalJsVars: memory.total };
    },
    log: function (message) {
      CONSOLE_PORT.write('[ntp] ' + message + '\r\n');
    },
  };
}
