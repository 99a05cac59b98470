// The on-demand modules for platforms that run src/ directly (unit fakes, the simulator): the
// same names the build writes to Storage, mapped to the TypeScript modules themselves.
import * as configParse from '../../src/config/parse';
import * as accesscmd from '../../src/console/accesscmd';
import * as clockcmd from '../../src/console/clockcmd';
import * as stepcmd from '../../src/console/stepcmd';
import * as consoleCommands from '../../src/console/commands';
import * as configcmd from '../../src/console/configcmd';
import * as control from '../../src/console/control';
import * as help from '../../src/console/help';
import * as logcmd from '../../src/console/logcmd';
import * as reportcmds from '../../src/console/reportcmds';
import * as detailcmds from '../../src/console/detailcmds';
import * as trackingcmd from '../../src/console/trackingcmd';
import * as servercmds from '../../src/console/servercmds';
import * as system from '../../src/console/system';
import * as shell from '../../src/console/shell';
import * as boot from '../../src/boot';
import * as configLoad from '../../src/config/load';
import * as authReply from '../../src/serve/authreply';
import * as requests from '../../src/serve/request';
import * as replyHeader from '../../src/serve/replyheader';
import * as reference from '../../src/clock/reference';
import * as broadcast from '../../src/serve/broadcast';
import { ConsoleGroup, Module } from '../../src/modules';
import * as gpsDriver from '../../src/refclock/gps';
import * as gpsReceiver from '../../src/refclock/receiver';
import * as syncManager from '../../src/sync/manager';
import * as syncPoll from '../../src/sync/poll';
import * as associations from '../../src/sync/associations';
import * as clockUpdate from '../../src/sync/update';
import * as statistics from '../../src/stats/statistics';
import * as sourceAuth from '../../src/sync/sourceauth';
import * as mode6 from '../../src/serve/mode6';
import * as mode6Auth from '../../src/serve/mode6auth';
import * as webPages from '../../src/web/pages';
import * as webStatus from '../../src/web/status-json';
import * as webSources from '../../src/web/sources';
import * as logText from '../../src/stats/logtext';
import * as wifi from '../../src/net/wifi';

/** The console's command groups (src/modules.ts ConsoleGroup), each with its module. */
export const CONSOLE_GROUPS: { [name: string]: consoleCommands.Group } = {
  [ConsoleGroup.Tracking]: trackingcmd,
  [ConsoleGroup.Reports]: reportcmds,
  [ConsoleGroup.Details]: detailcmds,
  [ConsoleGroup.Server]: servercmds,
  [ConsoleGroup.Sources]: control,
  [ConsoleGroup.Access]: accesscmd,
  [ConsoleGroup.Clock]: clockcmd,
  [ConsoleGroup.Step]: stepcmd,
  [ConsoleGroup.Config]: configcmd,
  [ConsoleGroup.Log]: logcmd,
  [ConsoleGroup.System]: system,
  [ConsoleGroup.Help]: help,
};

const MODULES: { [name: string]: unknown } = {
  ...CONSOLE_GROUPS,
  [Module.Console]: consoleCommands,
  [Module.Config]: configParse,
  [Module.Mode6]: mode6,
  [Module.Mode6Auth]: mode6Auth,
  [Module.Web]: webPages,
  [Module.WebStatus]: webStatus,
  [Module.WebSources]: webSources,
  [Module.LogText]: logText,
  [Module.Sync]: syncManager,
  [Module.SyncPoll]: syncPoll,
  [Module.Associations]: associations,
  [Module.ClockUpdate]: clockUpdate,
  [Module.Stats]: statistics,
  [Module.SyncAuth]: sourceAuth,
  [Module.Boot]: boot,
  [Module.ConfigLoad]: configLoad,
  [Module.Gps]: gpsDriver,
  [Module.Wifi]: wifi,
  [Module.GpsReceiver]: gpsReceiver,
  [Module.Auth]: authReply,
  [Module.Shell]: shell,
  [Module.Request]: requests,
  [Module.ReplyHeader]: replyHeader,
  [Module.Reference]: reference,
  [Module.Broadcast]: broadcast,
};

/** Every on-demand module's name (what rollup.config.js ON_DEMAND must list too). */
export const ON_DEMAND_NAMES = Object.keys(MODULES);

/** Every console command's name, from the groups' tables (what help lists, with repl). */
export function commandNames(): string[] {
  const names: string[] = [];
  for (const name of Object.keys(CONSOLE_GROUPS)) {
    for (const line of CONSOLE_GROUPS[name].table().split('\n')) if (line !== '') names.push(line.split(/[ \t]/)[0]);
  }
  return names;
}

/** Loads and releases counted, so a test can tell that a module was let go. */
export const moduleUse = { loads: 0, releases: 0 };

export function loadModule(name: string): unknown {
  if (!Object.prototype.hasOwnProperty.call(MODULES, name)) throw new Error('Module ' + name + ' not found');
  moduleUse.loads++;
  return MODULES[name];
}

export function releaseModules(): void {
  moduleUse.releases++;
}
