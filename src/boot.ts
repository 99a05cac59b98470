/**
 * Boot, the part that runs once: build the appliance's state (clock, responder, access tables,
 * keys, statistics, sync) from the configuration in force (config/load.ts chose it, in a module
 * of its own, let go before this one is loaded: the two are not in memory together).
 * An on-demand module (ntpd-boot): on the device its functions are let go once the board runs.
 * app.ts then starts the services, whose callbacks are resident.
 */
import type { Appliance } from './appliance';
import * as keys from './ntp/keys';
import * as localClock from './clock/local';
import type { AccessDirective } from './config/types';
import type { ChosenConfig } from './config/load';
import type { ReplyHeaderModule, RequestModule } from './modules';
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
export function create(platform: Platform, chosen: ChosenConfig, requestModule: () => RequestModule, headerModule: () => ReplyHeaderModule): Appliance {
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

