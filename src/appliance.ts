/**
 * The running appliance's state, as the console and the services see it.
 * app.ts builds it; the console reads and changes it through these fields.
 */
import type { LocalClock } from './clock/local';
import type { Config } from './config/types';
import type { Platform } from './platform';
import type { StoredConfig } from './store/configstore';
import type { Authenticator } from './ntp/keys';
import type { AccessTable } from './serve/access';
import type { Responder } from './serve/responder';
import type { Statistics } from './stats/statistics';
import type { Sync } from './sync/manager';

export const CONFIG_FILE = 'ntp.conf';

export interface Appliance {
  platform: Platform;
  clock: LocalClock;
  config: Config;
  /** The configuration text in force (read at boot). */
  configText: string;
  /** What is in flash (the next boot's configuration), and the copy `config set`/`delete` edit. */
  storedConfig: StoredConfig;
  editedConfig: string;
  responder: Responder;
  sync: Sync;
  /** allow/deny for NTP service; cmdallow/cmddeny for mode-6 queries. */
  ntpAccess: AccessTable;
  cmdAccess: AccessTable;
  /** Symmetric keys (the `keys` file, default ntp.keys) with the board's SHA. */
  auth: Authenticator;
  /** Cooked time at start, for uptime. */
  startTime: number;
  /** The Wi-Fi link (net/wifi.ts keeps more; the `network` command shows it). */
  network: { state: string; address: string } | null;
  /** The clock's history and the measurements/tracking logs (status page, `log` command). */
  statistics: Statistics;
}
