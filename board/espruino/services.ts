/**
 * The board's rarely used services (src/platform.ts BoardServices) over Espruino's globals:
 * Wi-Fi, Storage, the GPS's UART and PPS pin, HTTP, DNS, the console's input and the REPL.
 * Loaded on demand (Platform.services) and let go with the event, so its functions take no
 * memory between uses. Every callback Espruino keeps is made by platform.ts, resident: one made
 * here would keep this whole module in memory.
 */
import { parseIpv4 } from '../../src/net/ipv4';
import type { DatagramHandler, HttpHandler, UdpSocket } from '../../src/platform';
import {
  board, consoleReclaimer, dnsAnswer, forwardJavaScriptConsole, handler, httpRequests, pinEdge, receiveOn, run, wifiConnected,
  wifiEvent,
} from './platform';

/** The UART for a GPS receiver (UART2), and the pins the board description (ESP32.json, ntpAppliance) gives it by default. */
const GPS_PORT = Serial2;
export const GPS_RX_PIN = 'D16';
export const GPS_TX_PIN = 'D17';
export const PPS_PIN = 'D4';

export function udpSender(onDatagram: DatagramHandler): UdpSocket {
  const socket = require('dgram').createSocket('udp4');
  // Never bound, yet once it has sent, its ephemeral port's datagrams reach 'message' (socketserver.c's client connections).
  receiveOn(socket, 'UDP sender', onDatagram);
  return socket;
}

export function resolve(host: string, callback: (address: string | null) => void): void {
  if (parseIpv4(host) >= 0) setTimeout(run, 0, 'DNS', callback, host, undefined);
  else require('Wifi').getHostByName(host, dnsAnswer(callback));
}

export function onConsoleData(callback: (chunk: string) => void): void {
  // Move the JavaScript REPL out of the way so typed lines reach us.
  LoopbackA.setConsole(true);
  forwardJavaScriptConsole();
  board.consolePort.on('data', handler('console', callback));
}

export const consoleEchoes = true;

export function releaseConsole(reclaim: () => void): string {
  (global as unknown as { ntpConsole: () => void }).ntpConsole = consoleReclaimer(reclaim);
  board.consolePort.setConsole(true);
  return 'JavaScript REPL. Type ntpConsole() to return to the NTP console.\n';
}

export function serialOpen(baud: number, rxPin: string, txPin: string, onData: (chunk: string) => void): void {
  GPS_PORT.setup(baud, { rx: new Pin(rxPin || GPS_RX_PIN), tx: new Pin(txPin || GPS_TX_PIN) });
  GPS_PORT.on('data', handler('GPS UART', onData));
}

export function watchPin(pin: string, edge: 'rising' | 'falling', onEdge: (rawTime: number) => void): number {
  return setWatch(pinEdge(onEdge), new Pin(pin || PPS_PIN), { edge: edge, repeat: true }) as unknown as number;
}

export function unwatchPin(id: number): void {
  clearWatch(id);
}

export function httpServe(port: number, handle: HttpHandler, onError: (message: string) => void): void {
  try {
    require('http').createServer(httpRequests(handle)).listen(port);
  } catch (error) {
    onError('' + error);
  }
}

export function wifiConnect(ssid: string, password: string, done: (error: string | null) => void): void {
  const options: EspruinoWifiConnectOptions = { password: password };
  if (board.dnsServer !== '') options.dnsServers = [board.dnsServer];
  require('Wifi').connect(ssid, options, wifiConnected(done));
}

export function wifiSetIP(address: string, netmask: string, gateway: string, dns: string): void {
  const settings: EspruinoWifiIP = { ip: address, netmask: netmask, gw: gateway };
  board.dnsServer = dns;
  // Its answer is unreliable (see the declaration): the link's address shows whether it took.
  require('Wifi').setIP(settings, function () {});
}

export function wifiSetHostname(name: string): void {
  require('Wifi').setHostname(name);
}

export function onWifiLink(callback: (up: boolean, detail: string) => void): void {
  const wifi = require('Wifi');
  wifi.on('connected', wifiEvent(callback, true));
  wifi.on('disconnected', wifiEvent(callback, false));
}

export function storageRead(name: string): string | undefined {
  return require('Storage').read(name);
}

export function storageWrite(name: string, data: string): boolean {
  return require('Storage').write(name, data);
}

export function storageFree(): number {
  return require('Storage').getFree();
}

export function memory(): { usedJsVars: number; totalJsVars: number } | null {
  const used = process.memory();
  // Not a number where nothing counts JsVars (the virtual board runs this in V8).
  return used.usage === used.usage ? { usedJsVars: used.usage, totalJsVars: used.total } : null;
}

export function callbackErrors(): { count: number; last: string } {
  return board.faults;
}

export function reboot(): void {
  // Espruino's soft reboot: a fresh interpreter runs .bootcde from flash (Wi-Fi stays up).
  // The console goes back to its port first, so the next boot finds it there (E.getConsole()).
  board.consolePort.setConsole(true);
  load();
}
