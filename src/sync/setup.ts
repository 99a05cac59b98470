/**
 * The sync manager's state as boot builds it (sync/manager.ts owns it from then on): the drift
 * file's frequency and the leap-second list read from Storage. Loaded with the boot code, so
 * that building the state does not load the whole manager.
 */
import * as calendar from '../clock/calendar';
import * as leapSecondFile from '../clock/leapsecfile';
import type { LeapSecondList } from '../clock/leapseclist';
import * as discipline from '../clock/discipline';
import * as localClock from '../clock/local';
import type { LocalClock } from '../clock/local';
import type { Config } from '../config/types';
import { Leap } from '../ntp/header';
import type { Platform } from '../platform';
import type { Sync } from './manager';
import * as manual from './manual';

export function create(platform: Platform, clock: LocalClock, config: Config): Sync {
  let skew = 1e-3; // unknown frequency: the first estimate is taken whole
  const stored = platform.services().storageRead(discipline.DRIFT_FILE);
  const drift = stored === undefined ? null : discipline.parseDrift(stored);
  if (drift) {
    localClock.setFrequency(clock, drift.freq);
    skew = drift.skew;
  } else if (stored !== undefined) {
    platform.log(discipline.DRIFT_FILE + ': not a frequency, ignored');
  }
  return {
    platform: platform,
    clock: clock,
    config: config,
    sources: [],
    selection: 'no-sources',
    selectedIndex: -1,
    discipline: discipline.create(skew),
    slewTimer: -1,
    leapTimer: -1,
    lastDriftSave: 0,
    auth: null,
    ntpSocket: null,
    responder: null,
    refclock: null,
    refclockSource: null,
    manual: manual.create(),
    statistics: null,
    pools: [],
    leapList: config.leapSecList === '' ? null : loadLeapList(platform, config.leapSecList, localClock.now(clock)),
    sourcesLeap: Leap.None,
    lastLeapMidnight: 0,
  };
}

/** The leap-second list from Storage; each bad line is logged and skipped. */
function loadLeapList(platform: Platform, file: string, now: number): LeapSecondList | null {
  const text = platform.services().storageRead(file);
  if (text === undefined) {
    platform.log(file + ': no such file (leapseclist): no leap seconds from a list');
    return null;
  }
  const parsed = leapSecondFile.parse(text);
  for (let i = 0; i < parsed.errors.length; i++) platform.log(file + ':' + parsed.errors[i].line + ': ' + parsed.errors[i].message + ' (line ignored)');
  if (parsed.moreErrors > 0) platform.log(file + ': ' + parsed.moreErrors + ' more bad lines');
  const list = parsed.list;
  if (list.expiry === Infinity) platform.log(file + ': no expiry (#@) line: the list is believed without one');
  else if (now >= list.expiry) platform.log(file + ': the list expired on ' + calendarDate(list.expiry) + ': update it');
  return list;
}

function calendarDate(unixSeconds: number): string {
  const date = calendar.civilFromDays(Math.floor(unixSeconds / 86400));
  return date.year + '-' + (date.month < 10 ? '0' : '') + date.month + '-' + (date.day < 10 ? '0' : '') + date.day;
}

