/**
 * What the core needs from a board. The core is written against this and
 * nothing else; board/espruino implements it over Espruino's globals, and the
 * simulator (test/sim) over simulated time.
 */

/** Where a datagram came from: Espruino's rinfo has exactly these fields. */
export interface Peer {
  address: string;
  port: number;
}

/** A bound UDP socket. Payloads are binary strings (char codes 0-255). */
export interface UdpSocket {
  send(data: string, port: number, address: string): void;
  close(): void;
}

/**
 * Called for each datagram; `rawArrival` is the raw clock read as the first
 * thing on arrival, before any other work.
 */
export type DatagramHandler = (msg: string, from: Peer, rawArrival: number) => void;

/** What the core answers an HTTP request with (the board writes the status line, Content-Type and body). */
export interface HttpReply {
  status: number;
  contentType: string;
  body: string;
}

/** Answers one HTTP request from its method and URL (path with any query string). */
export type HttpHandler = (method: string, url: string) => HttpReply;

/** The station's IPv4 configuration, as Espruino's Wifi.getIP() gives it (dotted quads). */
export interface NetAddress {
  address: string;
  netmask: string;
  gateway: string;
}

/**
 * What the core needs from a board all the time: the clock, the NTP socket, timers, the console's
 * output, the log and the on-demand modules. The rest is services(), which a board may load only
 * while it is used.
 */
export interface Platform {
  /** Seconds from the raw crystal counter; never corrected, never stepped. */
  rawClock: () => number;
  /**
   * Binds a UDP port; `group`, when given, is a multicast group joined before the bind (Espruino
   * needs that order). Null, with `onError` told why, when the port cannot be bound now: Espruino
   * closes a socket in its idle loop, so a port closed in the same event is still taken.
   */
  udpBind(port: number, onDatagram: DatagramHandler, onError: (message: string) => void, group?: string): UdpSocket | null;
  /**
   * Repeating timer; returns an id for cancelTimer. `a`, `b` and `c` are handed to the callback, so
   * that a resident function serves without a closure made for the timer (on the device a closure
   * costs memory for as long as its timer runs).
   */
  every<A, B, C>(milliseconds: number, callback: (a: A, b: B, c: C) => void, a?: A, b?: B, c?: C): number;
  after<A, B, C>(milliseconds: number, callback: (a: A, b: B, c: C) => void, a?: A, b?: B, c?: C): number;
  cancelTimer(id: number): void;
  /** SHA digests of a binary string, as binary strings (Espruino's crypto module); MD5 is the core's own. */
  digest(algorithm: 'SHA1' | 'SHA256', data: string): string;
  /** Uniform in [0, 1): source ports, poll jitter. Seeded in the simulator. */
  random(): number;
  /** Serial console output. */
  consoleWrite(text: string): void;
  /** The station's address while it is connected, else null (Wifi.getStatus + Wifi.getIP); the link's supervision asks every few seconds. */
  wifiAddress(): NetAddress | null;
  log(message: string): void;
  /**
   * An on-demand module (src/modules.ts names them): its exports, loaded from Storage the first
   * time (Espruino's require) and kept until release(). The board releases at the end of every
   * callback it calls in which a module was loaded, so an event's modules go with the event.
   */
  load(name: string): unknown;
  /**
   * Lets go of every on-demand module loaded so far, so its functions stop taking memory once
   * nothing uses them: at once, for code that keeps a peak down inside one event (boot, a pasted
   * chunk of console lines, help).
   */
  release(): void;
  /**
   * The board's rarely used services. On the device they are a module loaded on demand and let go
   * with the event, like the core's own: call this where a service is used, and keep no reference
   * to the object or its functions past the event.
   */
  services(): BoardServices;
}

/** What the board does rarely: Wi-Fi, Storage, the UART and pins, HTTP, DNS, the console's input and the REPL. */
export interface BoardServices {
  /**
   * A socket that is never bound, for broadcasts (Espruino gives SO_BROADCAST
   * only to such a socket: a bound one's broadcasts are refused). It sends from
   * an ephemeral port and, once it has sent, receives on that port:
   * `onDatagram` gets what arrives there (a broadcast client's calibration requests).
   */
  udpSender(onDatagram: DatagramHandler): UdpSocket;
  /** Resolves a host name to a dotted-quad IPv4 address (null when it cannot). */
  resolve(host: string, callback: (address: string | null) => void): void;
  /** Serial console input: raw chunks. */
  onConsoleData(callback: (chunk: string) => void): void;
  /** True when the console must echo typed characters itself (a raw serial line). */
  consoleEchoes: boolean;
  /** Gives the console to the JavaScript REPL; `reclaim` is how the user comes back. */
  releaseConsole(reclaim: () => void): string;
  /** Opens a UART (the GPS receiver): data arrives as binary-string chunks split anywhere. Pins '' are the board's own. */
  serialOpen(baud: number, rxPin: string, txPin: string, onData: (chunk: string) => void): void;
  /** Watches a pin's edges; `rawTime` is the raw clock read inside the interrupt. Pin '' is the board's PPS pin. Returns an id. */
  watchPin(pin: string, edge: 'rising' | 'falling', onEdge: (rawTime: number) => void): number;
  unwatchPin(id: number): void;
  /** Serves HTTP on a TCP port (the status page); `onError` when it cannot. */
  httpServe(port: number, handle: HttpHandler, onError: (message: string) => void): void;
  /**
   * Joins a Wi-Fi network as a station (Espruino's Wifi.connect). `done` gets
   * null once there is an address, or the reason it failed; it may never be
   * called (the caller times the attempt out).
   */
  wifiConnect(ssid: string, password: string, done: (error: string | null) => void): void;
  /** A fixed address instead of DHCP, set before connecting (Wifi.setIP); dotted quads. */
  wifiSetIP(address: string, netmask: string, gateway: string, dns: string): void;
  wifiSetHostname(name: string): void;
  /** Link changes: up with the address, down with the reason (Wifi 'connected' / 'disconnected'). */
  onWifiLink(callback: (up: boolean, detail: string) => void): void;
  storageRead(name: string): string | undefined;
  storageWrite(name: string, data: string): boolean;
  /** Free bytes left in the Storage flash area (Espruino's require('Storage').getFree()). */
  storageFree(): number;
  /**
   * The interpreter's variables in use and in all (Espruino's process.memory(): usage, total);
   * null where they cannot be known (the virtual board runs the code in V8, not in Espruino).
   */
  memory(): { usedJsVars: number; totalJsVars: number } | null;
  /** Errors thrown inside callbacks the board called (timers, sockets, Wi-Fi, serial, pins, HTTP): caught, counted and logged there. */
  callbackErrors(): { count: number; last: string };
  /** Restarts the firmware from flash (what `reboot` does). */
  reboot(): void;
}
