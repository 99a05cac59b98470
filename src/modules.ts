/**
 * The firmware's on-demand modules. What does not run all the time (boot, the sync manager's
 * events, the console's commands, configuration parsing, ntpq, the status page's handlers, the
 * answer to a request with a MAC) lives in Storage and is loaded through Platform.load for one
 * event; the board lets go of it at the event's end (Platform.release). On the device its
 * function objects take JsVars only while it runs. Such a module makes no callback that outlives
 * its event (that would keep the whole module in memory): sync/events.ts, net/link.ts and app.ts,
 * resident, make them. The resident core imports only their types, and reaches them through
 * these calls. The build (rollup.config.js, ON_DEMAND) writes the same modules; a test checks
 * that the two lists agree.
 */
import type * as consoleCommands from './console/commands';
import type * as shell from './console/shell';
import type * as configParse from './config/parse';
import type { Platform } from './platform';
import type * as mode6 from './serve/mode6';
import type * as mode6Auth from './serve/mode6auth';
import type * as gpsDriver from './refclock/gps';
import type * as authReply from './serve/authreply';
import type * as requests from './serve/request';
import type * as replyHeader from './serve/replyheader';
import type * as reference from './clock/reference';
import type * as broadcast from './serve/broadcast';
import type * as syncManager from './sync/manager';
import type * as statistics from './stats/statistics';
import type * as associations from './sync/associations';
import type * as wifi from './net/wifi';
import type * as configLoad from './config/load';
import type * as syncPoll from './sync/poll';
import type * as clockUpdate from './sync/update';
import type * as sourceAuth from './sync/sourceauth';
import type * as boot from './boot';
import type * as webPages from './web/pages';
import type * as webStatus from './web/status-json';
import type * as webSources from './web/sources';
import type * as logText from './stats/logtext';

/** Every on-demand module's Storage name starts with this (and no resident one does). */
export const ON_DEMAND_PREFIX = 'ntpd-';
/**
 * Modules loaded when the configuration needs them and kept from then on (release() leaves them):
 * their callbacks run many times a second (the GPS's serial data and pulses).
 */
export const KEPT_PREFIX = 'ntpk-';

/**
 * The modules, by Storage name. A const enum: the names are written into the code that uses
 * them, so nothing resident holds them.
 */
export const enum Module {
  Console = 'ntpd-console',
  Config = 'ntpd-config',
  Mode6 = 'ntpd-mode6',
  /** Mode-6 requests signed with a key (serve/mode6auth.ts). */
  Mode6Auth = 'ntpd-mode6-auth',
  Web = 'ntpd-web',
  /** The status page's /status (web/status-json.ts). */
  WebStatus = 'ntpd-web-status',
  /** The status page's /sources (web/sources.ts). */
  WebSources = 'ntpd-web-sources',
  /** The statistics logs written as chrony's lines (stats/logtext.ts), for /log/. */
  LogText = 'ntpd-logtext',
  Sync = 'ntpd-sync',
  /** A source's poll (sync/poll.ts): its request and the next poll. */
  SyncPoll = 'ntpd-sync-poll',
  /** The statistics records of each sample and clock update (stats/statistics.ts), each in an event of its own. */
  Stats = 'ntpd-stats',
  /** Selection and the clock update after a sample, and the console's reselect/makestep/settime (sync/update.ts). */
  ClockUpdate = 'ntpd-sync-update',
  /** The sync manager's set of sources (sync/associations.ts): adding and removing sources, lookups, sockets. */
  Associations = 'ntpd-sync-assoc',
  /** Signing and checking the packets of sources with a key (sync/sourceauth.ts). */
  SyncAuth = 'ntpd-sync-auth',
  /** What runs once at boot: the state built (src/boot.ts). */
  Boot = 'ntpd-boot',
  /** The configuration read and chosen at boot, before the boot code loads (config/load.ts). */
  ConfigLoad = 'ntpd-config-load',
  /** The answer to a request with a MAC (serve/authreply.ts). */
  Auth = 'ntpd-auth',
  /** The general request path (serve/request.ts): each datagram the responder's hot path does not take. */
  Request = 'ntpd-request',
  /** The reply header's rebuild (serve/replyheader.ts): every few seconds, and after a clock change. */
  ReplyHeader = 'ntpd-replyheader',
  /** The reference state's upkeep (clock/reference.ts): holdover, leap seconds, the end of a slew. */
  Reference = 'ntpd-reference',
  /** The broadcast server (serve/broadcast.ts): each round of mode-5 packets. */
  Broadcast = 'ntpd-broadcast',
  /** The console's line editor (console/shell.ts), for each chunk the console receives. */
  Shell = 'ntpd-shell',
  /** The GPS driver's setup and polls (refclock/gps.ts): loaded when a `refclock GPS` line starts it, and at each poll. */
  Gps = 'ntpd-gps',
  /** The Wi-Fi link (net/wifi.ts): its start, and each of its events (net/link.ts). */
  Wifi = 'ntpd-wifi',
  /** The GPS's serial data and pulses (refclock/receiver.ts): loaded with the driver, then kept. */
  GpsReceiver = 'ntpk-gps',
}

/**
 * The console's command groups, one on-demand module each: the console loads CONSOLE_MODULE
 * (the dispatcher, console/commands.ts) for a line, and it loads the group of the command typed.
 * A const enum: the names are written into the code that uses them, nothing resident holds them.
 */
export const enum ConsoleGroup {
  Tracking = 'ntpd-cmd-tracking',
  Reports = 'ntpd-cmd-reports',
  /** ntpdata and refclocks (console/detailcmds.ts). */
  Details = 'ntpd-cmd-details',
  Server = 'ntpd-cmd-server',
  Sources = 'ntpd-cmd-sources',
  Access = 'ntpd-cmd-access',
  Clock = 'ntpd-cmd-clock',
  /** The commands that load the clock update: makestep, reselect, settime, dump (console/stepcmd.ts). */
  Step = 'ntpd-cmd-step',
  Config = 'ntpd-cmd-config',
  Log = 'ntpd-cmd-log',
  System = 'ntpd-cmd-system',
  Help = 'ntpd-cmd-help',
}

export type ConsoleModule = typeof consoleCommands;
export type ConfigModule = typeof configParse;
export type Mode6Module = typeof mode6;
export type Mode6AuthModule = typeof mode6Auth;
export type WebModule = typeof webPages;
export type WebStatusModule = typeof webStatus;
export type WebSourcesModule = typeof webSources;
export type LogTextModule = typeof logText;
export type SyncModule = typeof syncManager;
export type SyncPollModule = typeof syncPoll;
export type StatsModule = typeof statistics;
export type AssociationsModule = typeof associations;
export type ClockUpdateModule = typeof clockUpdate;
export type SyncAuthModule = typeof sourceAuth;
export type BootModule = typeof boot;
export type ConfigLoadModule = typeof configLoad;
export type GpsModule = typeof gpsDriver;
export type AuthModule = typeof authReply;
export type ShellModule = typeof shell;
export type RequestModule = typeof requests;
export type ReplyHeaderModule = typeof replyHeader;
export type ReferenceModule = typeof reference;
export type BroadcastModule = typeof broadcast;
export type WifiModule = typeof wifi;

/** A module's exports, typed by its name (Platform.load loads it, or finds it loaded). */
export function load(platform: Platform, name: Module.Console): ConsoleModule;
export function load(platform: Platform, name: Module.Config): ConfigModule;
export function load(platform: Platform, name: Module.Mode6): Mode6Module;
export function load(platform: Platform, name: Module.Mode6Auth): Mode6AuthModule;
export function load(platform: Platform, name: Module.Web): WebModule;
export function load(platform: Platform, name: Module.WebStatus): WebStatusModule;
export function load(platform: Platform, name: Module.WebSources): WebSourcesModule;
export function load(platform: Platform, name: Module.LogText): LogTextModule;
export function load(platform: Platform, name: Module.Sync): SyncModule;
export function load(platform: Platform, name: Module.SyncPoll): SyncPollModule;
export function load(platform: Platform, name: Module.Stats): StatsModule;
export function load(platform: Platform, name: Module.Associations): AssociationsModule;
export function load(platform: Platform, name: Module.ClockUpdate): ClockUpdateModule;
export function load(platform: Platform, name: Module.SyncAuth): SyncAuthModule;
export function load(platform: Platform, name: Module.Boot): BootModule;
export function load(platform: Platform, name: Module.ConfigLoad): ConfigLoadModule;
export function load(platform: Platform, name: Module.Gps): GpsModule;
export function load(platform: Platform, name: Module.Auth): AuthModule;
export function load(platform: Platform, name: Module.Shell): ShellModule;
export function load(platform: Platform, name: Module.Request): RequestModule;
export function load(platform: Platform, name: Module.ReplyHeader): ReplyHeaderModule;
export function load(platform: Platform, name: Module.Reference): ReferenceModule;
export function load(platform: Platform, name: Module.Broadcast): BroadcastModule;
export function load(platform: Platform, name: Module.Wifi): WifiModule;
export function load(platform: Platform, name: Module): unknown {
  return platform.load(name);
}
