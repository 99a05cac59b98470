/**
 * The firmware's on-demand modules. What runs only when a person asks (the console's
 * commands, configuration parsing, ntpq, the status page's handlers) lives in Storage and is
 * loaded through Platform.load when used, then let go with Platform.release: on the device its
 * function objects take JsVars only while it runs. The resident core imports only their types,
 * and reaches them through these calls. The build (rollup.config.js, ON_DEMAND) writes the
 * same modules; a test checks that the two lists agree.
 */
import type * as consoleCommands from './console/commands';
import type * as configParse from './config/parse';
import type { Platform } from './platform';
import type * as mode6 from './serve/mode6';
import type * as webPages from './web/pages';

/** Every on-demand module's Storage name starts with this (and no resident one does). */
export const ON_DEMAND_PREFIX = 'ntpd-';
export const CONSOLE_MODULE = 'ntpd-console';
export const CONFIG_MODULE = 'ntpd-config';
export const MODE6_MODULE = 'ntpd-mode6';
export const WEB_MODULE = 'ntpd-web';

/**
 * The console's command groups, one on-demand module each: the console loads CONSOLE_MODULE
 * (the dispatcher, console/commands.ts) for a line, and it loads the group of the command typed.
 * A const enum: the names are written into the code that uses them, nothing resident holds them.
 */
export const enum ConsoleGroup {
  Reports = 'ntpd-cmd-reports',
  Sources = 'ntpd-cmd-sources',
  Access = 'ntpd-cmd-access',
  Clock = 'ntpd-cmd-clock',
  Config = 'ntpd-cmd-config',
  Log = 'ntpd-cmd-log',
  System = 'ntpd-cmd-system',
  Help = 'ntpd-cmd-help',
}

export type ConsoleModule = typeof consoleCommands;
export type ConfigModule = typeof configParse;
export type Mode6Module = typeof mode6;
export type WebModule = typeof webPages;

export function loadConsole(platform: Platform): ConsoleModule {
  return platform.load(CONSOLE_MODULE) as ConsoleModule;
}

export function loadConfig(platform: Platform): ConfigModule {
  return platform.load(CONFIG_MODULE) as ConfigModule;
}

export function loadMode6(platform: Platform): Mode6Module {
  return platform.load(MODE6_MODULE) as Mode6Module;
}

export function loadWeb(platform: Platform): WebModule {
  return platform.load(WEB_MODULE) as WebModule;
}
