/**
 * Boot: the state is built by boot.ts (loaded for it, then let go); here the services start:
 * the NTP port, the sources, the console, the status page. The only place that wires modules
 * together, and resident: the callbacks it makes run for the board's whole life.
 */
import type { Appliance } from './appliance';
import * as clockChanges from './clock/changes';
import { load, Module } from './modules';
import { LinkState } from './net/link';
import type { Network } from './net/wifi';
import { ConsoleText } from './console/shell';
import type { Shell } from './console/shell';
import type { DatagramHandler, Platform, UdpSocket } from './platform';
import * as mode6State from './serve/mode6state';
import * as responder from './serve/responder';
import * as web from './web/server';

export function start(platform: Platform): Appliance {
  // The configuration first, its code let go before the boot code loads: boot's peak is one of them, not both.
  const chosen = load(platform, Module.ConfigLoad).loadConfig(platform);
  platform.release();
  const app = load(platform, Module.Boot).create(platform, chosen, function () {
    return load(platform, Module.Request);
  }, function () {
    return load(platform, Module.ReplyHeader);
  });
  // The boot code and what it loaded are let go before the services start: boot's peak is lower.
  platform.release();
  clockChanges.addChangeHandler(app.clock, responder.clockChanged, app.responder);
  routeNtpPort(app);
  updateReference(app);
  platform.every(responder.REFRESH_INTERVAL * 1000, updateReference, app);
  // The header's code goes before the sync manager may load: boot's peak is one of them, not both.
  platform.release();
  startNetwork(app);
  startConsole(app);
  web.start(app);
  // What boot loaded (the boot code, the sync manager) is let go: the rest runs from events.
  platform.release();
  return app;
}

/**
 * The LAN services start once the link is up (at once when the board boots
 * connected) and re-bind after each reconnect. The GPS needs no network: it
 * starts now if the link is not up yet.
 */
function startNetwork(app: Appliance): void {
  let refclockStarted = false;
  let port: NtpPort | null = null;
  const net = load(app.platform, Module.Wifi).create(app.platform, app.config.network, function () {
    if (port !== null) {
      rebind(app, port);
      return;
    }
    port = startNtpService(app);
    bindNtpPort(app, port, BIND_ATTEMPTS);
    startBroadcasts(app, net);
    const config = app.config;
    // The sync manager is loaded only when there is something for it to start.
    if (!refclockStarted && config.refclock !== null) app.platform.after(0, startSources, app, true);
    refclockStarted = true;
    if (config.servers.length > 0 || config.pools.length > 0) app.platform.after(0, startSources, app, false);
  });
  app.network = net;
  load(app.platform, Module.Wifi).start(net);
  if (net.state !== LinkState.Connected) {
    if (app.config.refclock !== null) app.platform.after(0, startSources, app, true);
    refclockStarted = true;
  }
}

/**
 * The refclock, or the servers and pools, each in an event of its own: not on top of the boot
 * code, nor of each other (on a 3,000-JsVar board the GPS's setup and the servers' together
 * do not fit beside what boot leaves).
 */
function startSources(app: Appliance, refclock: boolean): void {
  if (refclock) load(app.platform, Module.Associations).startRefclock(app.sync);
  else load(app.platform, Module.Associations).startServers(app.sync);
}

/** Attempts at binding the NTP port, the first at once, then after REBIND_FIRST_MS doubling (about 32 s in all). */
const BIND_ATTEMPTS = 8;
/** Espruino closes a socket in its idle loop: the port is free again soon after, not in the same event. */
const REBIND_FIRST_MS = 100;

/** The NTP port's handlers, made once, and its pending re-bind. */
interface NtpPort {
  onDatagram: DatagramHandler;
  onError: (message: string) => void;
  timer: number;
}

/**
 * Sockets bound before the link dropped may be dead (ESP32/lwIP): bind the NTP port and the
 * sources' sockets again. The same handlers serve the new socket; nothing is added per reconnect.
 */
function rebind(app: Appliance, port: NtpPort): void {
  const old = app.responder.socket;
  app.responder.socket = null;
  app.sync.ntpSocket = null;
  if (old) old.close();
  app.platform.cancelTimer(port.timer);
  port.timer = app.platform.after(REBIND_FIRST_MS, function () {
    bindNtpPort(app, port, BIND_ATTEMPTS - 1);
  });
}

/** Binds the NTP port, and again with back-off while it is still taken; then the sources follow. */
function bindNtpPort(app: Appliance, port: NtpPort, attemptsLeft: number): void {
  const platform = app.platform;
  const config = app.config;
  const socket = platform.udpBind(config.ntpPort, port.onDatagram, port.onError, config.multicastGroup === '' ? undefined : config.multicastGroup);
  if (socket === null) {
    if (attemptsLeft <= 1) {
      platform.log('NTP port ' + config.ntpPort + ': not bound after ' + BIND_ATTEMPTS + ' attempts; trying again at the next reconnect');
      return;
    }
    const delayMs = REBIND_FIRST_MS * Math.pow(2, BIND_ATTEMPTS - attemptsLeft);
    port.timer = platform.after(delayMs, function () {
      bindNtpPort(app, port, attemptsLeft - 1);
    });
    return;
  }
  app.responder.socket = socket;
  // Symmetric peers send from this socket, with our clock state in their packets.
  app.sync.ntpSocket = socket;
  if (attemptsLeft < BIND_ATTEMPTS && app.sync.sources.length > 0) {
    load(platform, Module.Associations).rebindSockets(app.sync);
  }
}

/** Every REFRESH_INTERVAL: holdover bookkeeping, then a fresh reply header (both code loaded for it). */
function updateReference(app: Appliance): void {
  load(app.platform, Module.Reference).tick(app.sync);
  app.responder.headers().refresh(app.responder);
}

/**
 * `broadcast INTERVAL ADDRESS`: multicasts from the NTP port; broadcasts from
 * one never-bound socket that answers mode 3 (see serve/broadcast), kept for
 * the link's lifetime, a fresh one after a reconnect; none while the link is down.
 * The code that builds a round is loaded for it.
 */
function startBroadcasts(app: Appliance, net: Network): void {
  const targets = app.config.broadcasts;
  let sender: UdpSocket | null = null;
  let reconnects = net.reconnects;
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i];
    const fromNtpPort = load(app.platform, Module.Broadcast).isMulticast(target.address);
    app.platform.every(target.interval * 1000, function () {
      if (net.state !== LinkState.Connected) return;
      if (reconnects !== net.reconnects) {
        if (sender) sender.close();
        sender = null;
        reconnects = net.reconnects;
      }
      if (!fromNtpPort && !sender) sender = openSender(app);
      const socket = fromNtpPort ? app.responder.socket : sender;
      if (socket) app.responder.counters[responder.Counter.BroadcastsSent] += load(app.platform, Module.Broadcast).send(app.responder, socket, target);
    });
  }
}

/**
 * The never-bound socket broadcasts leave from, answering the mode-3 requests that arrive on
 * its ephemeral port (a client's association is keyed on that port) as the NTP port does.
 */
function openSender(app: Appliance): UdpSocket {
  const socket = app.platform.services().udpSender(function (msg, from, rawArrival) {
    responder.handle(app.responder, msg, from, rawArrival, socket);
  });
  return socket;
}

/** The NTP port's service, set up once. The socket itself comes and goes with the link. */
function startNtpService(app: Appliance): NtpPort {
  return {
    onDatagram: app.responder.receive,
    onError: function (message) {
      app.platform.log('NTP port ' + app.config.ntpPort + ': ' + message);
    },
    timer: -1,
  };
}

/**
 * What the NTP port routes where besides client requests (serve/request.ts reads it): broadcasts
 * when the board is a broadcast client, symmetric packets when it has or accepts peers, ntpq's
 * queries (within cmdallow/cmddeny), requests with a MAC to the MAC code. What ntpq sees between
 * queries (association ids, system events) is created once; the code that answers is loaded for
 * each query.
 */
function routeNtpPort(app: Appliance): void {
  const config = app.config;
  let peers = config.acceptPeers || app.auth.keys.length > 0;
  for (let i = 0; i < config.servers.length; i++) peers = peers || config.servers[i].peer;
  const control = mode6State.create(app);
  app.responder.routes = { platform: app.platform, sync: app.sync, broadcasts: config.broadcastClient, symmetric: peers, control: control };
  app.sync.responder = app.responder;
  clockChanges.addChangeHandler(app.clock, mode6State.noteClockState, control);
}

/** Lines typed while a command runs wait their turn, up to this many (a paste, a script). */
const MAX_QUEUED_LINES = 8;

function startConsole(app: Appliance): void {
  const platform = app.platform;
  // A command that waits (waitsync, add server) holds the console until it ends or Ctrl-C stops it.
  let stopRunning: (() => void) | null = null;
  const queued: string[] = [];
  let scheduled = false;

  function finish(): void {
    stopRunning = null;
    platform.release();
    platform.consoleWrite(ConsoleText.Prompt);
    execute();
  }

  /**
   * A line the line editor finished (`line`), or, called with none, the lines that wait. They run
   * in an event after the line editor's: its code, on the stack while it reads a chunk, is let go
   * before a command's code is loaded. One function for both, since on the device each costs
   * memory for good.
   */
  function execute(line?: string): void {
    if (line !== undefined) {
      if (!stopRunning || queued.length < MAX_QUEUED_LINES) queued.push(line);
    } else if (scheduled) {
      scheduled = false;
      while (!stopRunning && queued.length > 0) runLine(queued.shift() as string);
    }
    if (!scheduled && !stopRunning && queued.length > 0) {
      scheduled = true;
      platform.after(0, execute);
    }
  }

  function runLine(line: string): void {
    if (line.trim() === ConsoleText.ReplCommand) {
      platform.consoleWrite(platform.services().releaseConsole(function () {
        platform.consoleWrite(ConsoleText.Prompt);
      }));
      return;
    }
    // The commands are loaded for each line, and let go once it has been answered (unless it
    // waits: then when it ends): a paste runs several lines in one event.
    let result;
    try {
      result = load(platform, Module.Console).dispatch(app, line);
    } finally {
      if (typeof result !== 'function') platform.release();
    }
    if (typeof result === 'string') {
      platform.consoleWrite(result + ConsoleText.Prompt);
      return;
    }
    let finished = false;
    let stop: () => void = function () {};
    stopRunning = function () {
      stop();
    };
    stop = result(platform.consoleWrite, function () {
      if (finished) return;
      finished = true;
      finish();
    });
  }

  // The line editor is loaded for each chunk typed; its state stays here.
  const lineDiscipline: Shell = load(platform, Module.Shell).create(platform.services().consoleEchoes, platform.consoleWrite, execute, function () {
    queued.length = 0;
    if (stopRunning) stopRunning();
    stopRunning = null;
  });
  platform.services().onConsoleData(function (chunk) {
    load(platform, Module.Shell).feed(lineDiscipline, chunk);
  });
  platform.consoleWrite('NTP appliance ready. Type help for commands.\n' + ConsoleText.Prompt);
}
