/**
 * Boot: read the configuration from storage, build the clock and the
 * services, bind the NTP port, start the console. The only place that wires
 * modules together; each module only knows its own narrow inputs.
 */
import type { Appliance } from './appliance';
import { CONFIG_FILE, KEYS_FILE } from './appliance';
import * as keys from './ntp/keys';
import * as localClock from './clock/local';
import * as configuration from './config';
import * as commands from './console/commands';
import * as shell from './console/shell';
import type { Platform } from './platform';
import * as access from './serve/access';
import * as broadcast from './serve/broadcast';
import * as clientLog from './serve/clientlog';
import * as mode6 from './serve/mode6';
import * as policy from './serve/policy';
import * as responder from './serve/responder';
import * as syncManager from './sync/manager';

export function start(platform: Platform): Appliance {
  const stored = platform.storageRead(CONFIG_FILE);
  const configText = stored === undefined ? '' : stored;
  const parsed = configuration.parse(configText);
  for (let i = 0; i < parsed.errors.length; i++) {
    platform.log(CONFIG_FILE + ':' + parsed.errors[i].line + ': ' + parsed.errors[i].message + ' (line ignored)');
  }
  const config = parsed.config;
  const clock = localClock.create(platform.rawClock);
  const app: Appliance = {
    platform: platform,
    clock: clock,
    config: config,
    configText: configText,
    responder: responder.create(clock, clientLog.create(config.clientLogSize), platform.random),
    sync: null as unknown as syncManager.Sync,
    ntpAccess: buildAccess(config.ntpAccess),
    cmdAccess: buildAccess(config.cmdAccess),
    auth: loadKeys(platform),
    startTime: localClock.now(clock),
  };
  policy.apply(app);
  app.sync = syncManager.create(platform, clock, config, function () {
    responder.refresh(app.responder);
  });
  app.responder.auth = app.auth;
  app.sync.auth = app.auth;
  updateReference(app);
  platform.every(responder.REFRESH_INTERVAL * 1000, function () {
    updateReference(app);
  });
  bindNtp(app);
  startBroadcasts(app);
  syncManager.start(app.sync);
  startConsole(app);
  return app;
}

/** The key store: Storage file ntp.keys, chrony's key-file format. Errors never quote a key. */
function loadKeys(platform: Platform): keys.Authenticator {
  const text = platform.storageRead(KEYS_FILE);
  const parsed = keys.parseKeys(text === undefined ? '' : text);
  for (let i = 0; i < parsed.errors.length; i++) {
    platform.log(KEYS_FILE + ':' + parsed.errors[i].line + ': ' + parsed.errors[i].message + ' (line ignored)');
  }
  return { keys: parsed.keys, sha: platform.digest };
}

function buildAccess(directives: configuration.AccessDirective[]): access.AccessTable {
  const table = access.create();
  for (let i = 0; i < directives.length; i++) access.addRule(table, directives[i].allow, directives[i].all, directives[i].subnet);
  return table;
}

/** Once a second: holdover bookkeeping, then a fresh reply header. */
function updateReference(app: Appliance): void {
  syncManager.tick(app.sync);
  responder.refresh(app.responder);
}

/** `broadcast INTERVAL ADDRESS`: one never-bound socket sends every round. */
function startBroadcasts(app: Appliance): void {
  const targets = app.config.broadcasts;
  if (targets.length === 0) return;
  const socket = app.platform.udpSender();
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i];
    app.platform.every(target.interval * 1000, function () {
      app.responder.counters[responder.Counter.BroadcastsSent] += broadcast.send(app.responder, socket, target);
    });
  }
}

function bindNtp(app: Appliance): void {
  const service = app.responder;
  if (app.config.broadcastClient) {
    service.onBroadcast = function (msg, from, rawArrival) {
      syncManager.receiveBroadcast(app.sync, msg, from, rawArrival);
    };
  }
  service.socket = app.platform.udpBind(app.config.ntpPort, function (msg, from, rawArrival) {
    responder.handle(service, msg, from, rawArrival);
  }, function (message) {
    app.platform.log('NTP port ' + app.config.ntpPort + ': ' + message);
  }, app.config.multicastGroup === '' ? undefined : app.config.multicastGroup);
  // Symmetric peers send from this socket, with our clock state in their packets.
  app.sync.ntpSocket = service.socket;
  app.sync.header = function (mode, pollLog2) {
    return responder.header(service, mode, pollLog2);
  };
  let peers = app.config.acceptPeers || app.auth.keys.length > 0;
  for (let i = 0; i < app.config.servers.length; i++) peers = peers || app.config.servers[i].peer;
  if (peers) {
    service.onSymmetric = function (msg, from, rawArrival) {
      syncManager.receiveSymmetric(app.sync, msg, from, rawArrival);
    };
  }
  // ntpq: mode-6 queries, within cmdallow/cmddeny.
  const control = mode6.create(app);
  service.onControl = function (msg, from) {
    mode6.handle(control, msg, from);
  };
  const clockChanged = app.sync.onClockChange;
  app.sync.onClockChange = function () {
    clockChanged();
    mode6.noteClockState(control);
  };
}

/** Lines typed while a command runs wait their turn, up to this many (a paste, a script). */
const MAX_QUEUED_LINES = 8;

function startConsole(app: Appliance): void {
  const platform = app.platform;
  // A command that waits (waitsync, add server) holds the console until it ends or Ctrl-C stops it.
  let stopRunning: (() => void) | null = null;
  const queued: string[] = [];

  function finish(): void {
    stopRunning = null;
    platform.consoleWrite(shell.PROMPT);
    const next = queued.shift();
    if (next !== undefined) execute(next);
  }

  function execute(line: string): void {
    if (stopRunning) {
      if (queued.length < MAX_QUEUED_LINES) queued.push(line);
      return;
    }
    if (line.trim() === commands.REPL_COMMAND) {
      platform.consoleWrite(platform.releaseConsole(function () {
        platform.consoleWrite(shell.PROMPT);
      }));
      return;
    }
    const result = commands.dispatch(app, line);
    if (typeof result === 'string') {
      platform.consoleWrite(result + shell.PROMPT);
      const next = queued.shift();
      if (next !== undefined) execute(next);
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

  const lineDiscipline = shell.create(platform.consoleEchoes, platform.consoleWrite, execute, function () {
    queued.length = 0;
    if (stopRunning) stopRunning();
    stopRunning = null;
  });
  platform.onConsoleData(function (chunk) {
    shell.feed(lineDiscipline, chunk);
  });
  platform.consoleWrite('NTP appliance ready. Type help for commands.\n' + shell.PROMPT);
}
