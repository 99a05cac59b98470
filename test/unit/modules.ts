// The on-demand modules for platforms that run src/ directly (unit fakes, the simulator): the
// same names the build writes to Storage, mapped to the TypeScript modules themselves.
import * as configParse from '../../src/config/parse';
import * as consoleCommands from '../../src/console/commands';
import * as boot from '../../src/boot';
import { BOOT_MODULE, CONFIG_MODULE, CONSOLE_MODULE, GPS_MODULE, MODE6_MODULE, STATS_MODULE, SYNC_MODULE, WEB_MODULE } from '../../src/modules';
import * as statistics from '../../src/stats/statistics';
import * as gpsDriver from '../../src/refclock/gps';
import * as syncManager from '../../src/sync/manager';
import * as mode6 from '../../src/serve/mode6';
import * as webPages from '../../src/web/pages';

const MODULES: { [name: string]: unknown } = {
  [CONSOLE_MODULE]: consoleCommands,
  [CONFIG_MODULE]: configParse,
  [MODE6_MODULE]: mode6,
  [WEB_MODULE]: webPages,
  [SYNC_MODULE]: syncManager,
  [GPS_MODULE]: gpsDriver,
  [BOOT_MODULE]: boot,
  [STATS_MODULE]: statistics,
};

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
