/**
 * What @types/espruino (1v95 era) lacks, declared from the behaviour written
 * down in shared/espruino-platform.md. Only board/espruino sees these.
 */

interface EspruinoRemoteInfo {
  address: string;
  port: number;
  size: number;
}

interface EspruinoDgramSocket {
  bind(port: number, callback?: () => void): EspruinoDgramSocket;
  on(event: 'message', handler: (msg: string, rinfo: EspruinoRemoteInfo) => void): void;
  on(event: 'error' | 'close', handler: (error?: unknown) => void): void;
  /** Only a String is sent correctly; a typed array goes out as text. */
  send(data: string, port: number, address: string): void;
  close(): void;
  addMembership(group: string, iface?: string): void;
}

interface EspruinoDgram {
  createSocket(type: 'udp4'): EspruinoDgramSocket;
}

interface EspruinoStorage {
  read(name: string): string | undefined;
  write(name: string, data: string): boolean;
  erase(name: string): void;
  list(): string[];
  /** Bytes free at the end of the Storage area. */
  getFree(): number;
}

/** Wifi.connect's options (ESP32 reads only password; dnsServers is ESP8266's). */
interface EspruinoWifiConnectOptions {
  password: string;
  dnsServers?: string[];
}

/** Wifi.setIP's settings and Wifi.getIP's answer (ip, netmask, gw absent while not connected). */
interface EspruinoWifiIP {
  ip?: string;
  netmask?: string;
  gw?: string;
}

/** Wifi 'connected' carries an EspruinoWifiIP; 'disconnected' these. */
interface EspruinoWifiDisconnect {
  reason?: string;
  msg?: string;
}

interface EspruinoWifi {
  getHostByName(host: string, callback: (address: string | undefined) => void): void;
  /** callback(null) once there is an address; on failure the reason (not called at all on some ESP-IDF 5 builds). */
  connect(ssid: string, options: EspruinoWifiConnectOptions, callback: (error: string | null) => void): void;
  /** ESP32: throws without a callback, and passes "Failure" on success (its test is inverted). */
  setIP(settings: EspruinoWifiIP, callback: (error: string | null) => void): void;
  setHostname(name: string): void;
  getIP(): EspruinoWifiIP;
  /** ESP32: station is "connected", else the last disconnect reason (e.g. "AUTH_FAIL"). */
  getStatus(): { station: string };
  on(event: 'connected', handler: (details: EspruinoWifiIP) => void): void;
  on(event: 'disconnected', handler: (details: EspruinoWifiDisconnect) => void): void;
}

interface EspruinoCrypto {
  SHA1(data: string): ArrayBuffer;
  SHA256(data: string): ArrayBuffer;
}

interface EspruinoHttpRequest {
  /** Path and query, e.g. "/history?x=1". */
  url: string;
  method: string;
}

/** Header names are data (sent as written): quoted keys, never mangled. */
interface EspruinoHttpHeaders {
  [name: string]: string;
}

interface EspruinoHttpResponse {
  writeHead(status: number, headers: EspruinoHttpHeaders): void;
  end(data?: string): void;
  write(data: string): boolean;
  /** 'drain': the send buffer is empty. */
  on(event: 'drain', listener: () => void): void;
}

interface EspruinoHttpServer {
  listen(port: number): EspruinoHttpServer;
}

interface EspruinoHttp {
  createServer(handler: (req: EspruinoHttpRequest, res: EspruinoHttpResponse) => void): EspruinoHttpServer;
}

declare function require(name: 'http'): EspruinoHttp;
declare function require(name: 'dgram'): EspruinoDgram;
declare function require(name: 'crypto'): EspruinoCrypto;
declare function require(name: 'Wifi'): EspruinoWifi;
declare function require(name: 'Storage'): EspruinoStorage;
/** A module from a Storage file of that name (the firmware's on-demand modules). */
declare function require(name: string): unknown;

/** Espruino's module cache: a Storage module stays loaded until removed from it. */
declare var Modules: {
  getCached(): string[];
  removeCached(name: string): void;
};


// Extra arguments are handed to the callback (Espruino's setTimeout/setInterval `args...`).
declare function setInterval<A extends unknown[]>(callback: (...args: A) => void, milliseconds: number, ...args: A): number;
declare function setTimeout<A extends unknown[]>(callback: (...args: A) => void, milliseconds: number, ...args: A): number;
declare function clearTimeout(id: number): void;
declare function clearInterval(id: number): void;

/** `new Pin("D16")`: a pin from its name (the 1v95 types have only the interface). */
declare var Pin: { new (name: string): Pin };
/** setWatch returns a numeric id on Espruino (the old types say string). */
declare function clearWatch(id: number): void;

/** Espruino's process.memory(): variables (JsVars) in use and in all, among other fields. */
interface EspruinoMemory {
  free: number;
  usage: number;
  total: number;
}

/** `gc` false: the figures as they stand, without a garbage collection first (it runs one by default). */
declare var process: { memory(gc?: boolean): EspruinoMemory };

declare namespace E {
  /** Bytes → a binary string (one char per byte). */
  function toString(data: Uint8Array): string;
  /** The name of the device the JavaScript console is on ("Serial1", "USB", "LoopbackA", …). */
  function getConsole(): string;
}
