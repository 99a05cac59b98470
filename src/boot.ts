/**
 * Boot, the part that runs once: read the configuration from Storage, choose the one in force,
 * and build the appliance's state (clock, responder, access tables, keys, statistics, sync).
 * An on-demand module (ntpd-boot): on the device its functions are let go once the board runs.
 * app.ts then starts the services, whose callbacks are resident.
 */
import type { Appliance } from './appliance';
import { CONFIG_FILE } from './appliance';
import * as keys from './ntp/keys';
import * as configStore from './store/configstore';
import * as localClock from './clock/local';
import type { AccessDirective, Config } from './config/types';
import { defaults as defaultConfig } from './config/types';
import type { ConfigModule, ReplyHeaderModule, RequestModule } from './modules';
import { load, Module } from './modules';
import type { Platform } from './platform';
import * as access from './serve/access';
import * as accessRules from './serve/accessrules';
import * as clientLog from './serve/clientlog';
import * as policy from './serve/policy';
import * as responder from './serve/responder';
import * as statistics from './stats/statistics';
import type { Sync } from './sync/manager';
import * as syncSetup from './sync/setup';

/**
 * `requestModule` gives the responder's general path and `headerModule` its header's rebuild (app.ts
 * makes them: a callback made here would keep this module in memory).
 */
export function create(platform: Platform, requestModule: () => RequestModule, headerModule: () => ReplyHeaderModule): Appliance {
  const chosen = loadConfig(platform);
  const configText = chosen.stored.text;
  const config = chosen.config;
  const clock = localClock.create(platform.rawClock);
  const app: Appliance = {
    platform: platform,
    clock: clock,
    config: config,
    configText: configText,
    storedConfig: chosen.stored,
    editedConfig: configText,
    responder: responder.create(clock, clientLog.create(config.clientLogSize), platform.random, requestModule, headerModule),
    sync: null as unknown as Sync,
    ntpAccess: buildAccess(config.ntpAccess),
    cmdAccess: buildAccess(config.cmdAccess),
    auth: loadKeys(platform, config.keysFile),
    startTime: localClock.now(clock),
    network: null,
    statistics: statistics.create(),
  };
  // app.ts registers the clock-change handlers: no callback is made here (it would keep this module in memory).
  app.sync = syncSetup.create(platform, clock, config);
  app.responder.auth = app.auth;
  app.sync.auth = app.auth;
  app.sync.statistics = app.statistics;
  policy.apply(app);
  // The reply header is built by app.ts's first tick, before the NTP port is bound.
  return app;
}

/**
 * The configuration at boot: the newest stored one that parses cleanly. One
 * with errors (a slot written by something else, a config from an older
 * firmware) is passed over for an older clean one, with the errors shown;
 * only when none is clean is the newest used, its bad lines skipped.
 */
function loadConfig(platform: Platform): { stored: configStore.StoredConfig; config: Config } {
  const candidates = configStore.candidates(platform);
  if (candidates.length === 0) return { stored: { text: '', generation: 0, slot: -1 }, config: defaultConfig() };
  try {
    return chooseConfig(platform, candidates, load(platform, Module.Config));
  } finally {
    platform.release();
  }
}

function chooseConfig(platform: Platform, candidates: configStore.StoredConfig[], parser: ConfigModule): { stored: configStore.StoredConfig; config: Config } {
  let newest: Config | null = null;
  for (let i = 0; i < candidates.length; i++) {
    const parsed = parser.parse(candidates[i].text);
    if (i === 0) newest = parsed.config;
    if (parsed.errors.length === 0 && i === 0) return { stored: candidates[i], config: parsed.config };
    if (parsed.errors.length === 0) {
      platform.log('using the previous configuration (generation ' + candidates[i].generation + '): the newest has errors');
      return { stored: candidates[i], config: parsed.config };
    }
    const name = candidates[i].slot < 0 ? CONFIG_FILE : configStore.SLOT_FILES[candidates[i].slot];
    for (let e = 0; e < parsed.errors.length; e++) {
      platform.log(name + ':' + parsed.errors[e].line + ': ' + parsed.errors[e].message);
    }
  }
  platform.log('no configuration without errors: the bad lines above are ignored');
  return { stored: candidates[0], config: newest as Config };
}

/** The key store: the Storage file named by `keys` (default ntp.keys), chrony's key-file format. Errors never quote a key. */
function loadKeys(platform: Platform, file: string): keys.Authenticator {
  const text = platform.services().storageRead(file);
  const parsed = keys.parseKeys(text === undefined ? '' : text);
  for (let i = 0; i < parsed.errors.length; i++) {
    platform.log(file + ':' + parsed.errors[i].line + ': ' + parsed.errors[i].message + ' (line ignored)');
  }
  return { keys: parsed.keys, sha: platform.digest };
}

function buildAccess(directives: AccessDirective[]): access.AccessTable {
  const table = access.create();
  for (let i = 0; i < directives.length; i++) accessRules.addRule(table, directives[i].allow, directives[i].all, directives[i].subnet);
  return table;
}

