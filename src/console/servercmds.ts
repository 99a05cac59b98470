/**
 * The console's reports on the server side (command group ntpd-cmd-server): chronyc's
 * serverstats and clients, in chronyc's layout. A group of its own, so that reading the server's
 * counters loads neither the sources' reports nor what they need.
 */
import type { Appliance } from '../appliance';
import * as served from '../clock/served';
import * as clientLog from '../serve/clientlog';
import { dropped } from '../serve/drops';
import { Counter } from '../serve/responder';
import type { Output } from './commands';
import { field, padLeft, padRight } from './fields';
import { age } from './format';

function serverstats(app: Appliance): string {
  const counters = app.responder.counters;
  const width = 27;
  // Our own counters after chronyc's lines: label, counter; in the order they print.
  const counterLines = [
    'NTP replies sent', Counter.Replied,
    'Dropped: too short', Counter.DropShort,
    'Dropped: oversized', Counter.DropOversized,
    'Dropped: bad version', Counter.DropVersion,
    'Dropped: not a request', Counter.DropMode,
    'Dropped: malformed', Counter.DropFormat,
    'Dropped: not serving', Counter.DropNotServing,
    'Dropped: access denied', Counter.DropDenied,
    'Dropped: rate limited', Counter.DropRateLimited,
    'Kiss-o\'-death RATE sent', Counter.KissRate,
    'Kiss-o\'-death DENY sent', Counter.KissDeny,
    'Over limit, answered', Counter.Leaked,
    'Crypto-NAKs sent', Counter.CryptoNak,
    'Broadcasts received', Counter.Broadcasts,
    'Broadcasts sent', Counter.BroadcastsSent,
    'Symmetric packets received', Counter.Symmetric,
  ];
  let text = field('NTP packets received', width, '' + counters[Counter.Received]) +
    field('NTP packets dropped', width, '' + dropped(app.responder)) +
    field('Command packets received', width, '' + counters[Counter.Control]) +
    field('Command packets dropped', width, '' + counters[Counter.ControlDropped]) +
    field('Client log records dropped', width, '' + app.responder.clients.evicted) +
    field('Requests on shared record', width, '' + app.responder.clients.sharedRequests) +
    field('Authenticated NTP packets', width, '' + counters[Counter.Authenticated]);
  for (let i = 0; i < counterLines.length; i += 2) {
    text += field(counterLines[i] as string, width, '' + counters[counterLines[i + 1] as number]);
  }
  return text;
}

/** log2 of an interval, rounded, as chronyc's Int/IntL columns; "-" when unknown. */
function intervalLog2(seconds: number): string {
  if (!(seconds > 0)) return '-';
  return '' + Math.round(Math.log(seconds) / Math.LN2);
}

function clients(app: Appliance): string {
  const log = app.responder.clients;
  const now = served.now(app.clock);
  let text = 'Hostname                      NTP   Drop Int IntL Last     Cmd   Drop Int  Last\n' +
    '===============================================================================\n';
  const slots = clientLog.listSlots(log);
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i];
    text += padRight(clientLog.address(log, slot), 25) + '  ' + padLeft('' + log.ntpHits[slot], 6) + '  ' +
      padLeft('' + log.ntpDrops[slot], 5) + ' ' + padLeft(intervalLog2(log.averageInterval[slot]), 3) + ' ' +
      padLeft(intervalLog2(log.lastInterval[slot]), 4) + ' ' + age(now - log.lastSeen[slot]) + '  ' +
      padLeft('0', 6) + '  ' + padLeft('0', 5) + ' ' + padLeft('-', 3) + '  ' + padLeft('-', 4) + '\n';
  }
  return text;
}

/** Runs one of this group's commands (commands.ts, Group). */
export function run(app: Appliance, name: string, args: string[]): Output {
  if (args.length !== 0) return null;
  if (name === 'serverstats') return serverstats(app);
  if (name === 'clients') return clients(app);
  return null;
}

/** This group's commands: usage, tab, summary (commands.ts, Group). */
export function table(): string {
  return 'serverstats\tDisplay statistics of the server\n' +
    'clients\tReport on clients that accessed the server\n';
}
