/**
 * The configuration at boot: read from Storage and the one in force chosen. An on-demand module
 * (ntpd-config-load) of its own, loaded and let go before the boot code (boot.ts): the parser and
 * the state's code are not in memory together, which lowers boot's peak.
 */
import { CONFIG_FILE } from '../appliance';
import type { ConfigModule } from '../modules';
import { load, Module } from '../modules';
import type { Platform } from '../platform';
import * as configStore from '../store/configstore';
import type { Config } from './types';
import { defaults as defaultConfig } from './types';

/** The configuration in force, and the stored text it came from. */
export interface ChosenConfig {
  stored: configStore.StoredConfig;
  config: Config;
}

/**
 * The configuration at boot: the newest stored one that parses cleanly. One
 * with errors (a slot written by something else, a config from an older
 * firmware) is passed over for an older clean one, with the errors shown;
 * only when none is clean is the newest used, its bad lines skipped.
 */
export function loadConfig(platform: Platform): ChosenConfig {
  const candidates = configStore.candidates(platform);
  if (candidates.length === 0) return { stored: { text: '', generation: 0, slot: -1 }, config: defaultConfig() };
  try {
    return chooseConfig(platform, candidates, load(platform, Module.Config));
  } finally {
    platform.release();
  }
}

function chooseConfig(platform: Platform, candidates: configStore.StoredConfig[], parser: ConfigModule): ChosenConfig {
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
