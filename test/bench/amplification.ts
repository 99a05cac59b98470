// Mode-6 (and other) amplification, measured on the real appliance (app.start on a fake board,
// the NTP port's handler fed datagrams as on the board): for every request a stranger can send,
// the request's bytes and the bytes the board sends back, in four situations:
//   default, stranger   — the default configuration, from 192.0.2.x (not local)
//   default, localhost  — the same board, from 127.0.0.1: what ntpq on the board's host gets
//   cmdallow all, first — mode 6 opened to everyone; each request the address's first contact
//   cmdallow all, known — the same, from an address the board has heard before (one NTP request):
//                         the worst case per request; `ratelimit` bounds how many get through.
// Payload bytes (UDP data); add 28 bytes of IPv4 + UDP headers per datagram for the wire.
// Printed by test/bench/amplification-report.ts (part of npm run bench).
import * as control from '../../src/ntp/control';
import type { Peer } from '../../src/platform';
import { ntpBoard } from '../unit/fakes';

export interface AmplificationRow {
  request: string;
  requestBytes: number;
  /** Reply bytes (all datagrams) per situation. */
  replyBytes: { [situation: string]: number };
}

export const SITUATIONS = ['default, stranger', 'default, localhost', 'cmdallow all, first', 'cmdallow all, known'];
const SOURCES = 'server 192.0.2.1 iburst\nserver 192.0.2.2\nlocal stratum 10\n';
const START = 1_800_000_000.25;

function board(configText: string) {
  const { state, send: deliver } = ntpBoard({ 'ntp.conf': configText }, START);
  return function send(datagram: string, from: Peer): number {
    let bytes = 0;
    for (const sent of deliver(datagram, from)) bytes += sent.data.length;
    state.raw += 0.001;
    return bytes;
  };
}

let sequence = 0;
function controlRequest(opcode: number, associationId: number, data = '', version = 2): string {
  return control.encode({
    leap: 0, version, flags: 0, opcode, sequence: ++sequence, status: 0, associationId, offset: 0, count: data.length,
    data, macOffset: -1,
  });
}

/** Every request a stranger can send that might draw an answer. */
export function requests(): [string, string][] {
  const all: [string, string][] = [
    ['mode 6 READSTAT assoc 0 (ntpq associations)', controlRequest(1, 0)],
    ['mode 6 READVAR assoc 0 (ntpq rv)', controlRequest(2, 0)],
    ['mode 6 READVAR assoc 0, NTPv4', controlRequest(2, 0, '', 4)],
    ['mode 6 READVAR assoc 0, list of names', controlRequest(2, 0, 'version,processor,system,leap,stratum,precision,rootdelay,rootdisp,refid,reftime,clock')],
    ['mode 6 READSTAT assoc 1 (all its variables)', controlRequest(1, 1)],
    ['mode 6 READVAR assoc 1 (ntpq rv 1)', controlRequest(2, 1)],
    ['mode 6 READVAR unknown assoc', controlRequest(2, 999)],
    ['mode 6 READVAR unknown variable', controlRequest(2, 0, 'nosuchvariable')],
  ];
  for (const opcode of [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 31]) all.push([`mode 6 opcode ${opcode} (not served)`, controlRequest(opcode, 0)]);
  // Signed with a key id the board does not have: a permission error.
  const unsigned = controlRequest(2, 0);
  all.push(['mode 6 READVAR signed, unknown key', unsigned + control.padding(unsigned.length, 8) + '\0\0\x04\xd2' + '\x5a'.repeat(16)]);
  // Other modes, for comparison: ntpd's mode 7 monlist (the 2014 reflection vector), NTP client and symmetric active.
  all.push(['mode 7 MON_GETLIST_1 (ntpd monlist)', '\x17\x00\x03\x2a' + '\0'.repeat(44)]);
  all.push(['mode 3 client request', '\x23' + '\0'.repeat(39) + '\x01\x02\x03\x04\x05\x06\x07\x08']);
  all.push(['mode 1 symmetric active', '\x21' + '\0'.repeat(39) + '\x01\x02\x03\x04\x05\x06\x07\x08']);
  return all;
}

export function measureAmplification(): AmplificationRow[] {
  const defaults = board(SOURCES);
  const open = board(SOURCES + 'cmdallow all\n');
  const ntpRequest = '\x23' + '\0'.repeat(47);
  const rows: AmplificationRow[] = [];
  requests().forEach(([name, bytes], i) => {
    // A fresh address per request, so each first contact is one.
    const stranger: Peer = { address: '192.0.2.' + (100 + i), port: 40000 + i };
    const known: Peer = { address: '198.51.100.' + (100 + i), port: 40000 + i };
    open(ntpRequest, known); // heard before: in the client log
    rows.push({
      request: name,
      requestBytes: bytes.length,
      replyBytes: {
        'default, stranger': defaults(bytes, stranger),
        'default, localhost': defaults(bytes, { address: '127.0.0.1', port: 40000 + i }),
        'cmdallow all, first': open(bytes, { address: '203.0.113.' + (100 + i), port: 40000 + i }),
        'cmdallow all, known': open(bytes, known),
      },
    });
  });
  return rows;
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

export function formatTable(rows: AmplificationRow[]): string {
  const cell = (row: AmplificationRow, situation: string) => {
    const bytes = row.replyBytes[situation];
    return bytes === 0 ? '0' : `${bytes} (x${(bytes / row.requestBytes).toFixed(1)})`;
  };
  let text = pad('request', 46) + pad('bytes', 6, true) + SITUATIONS.map((s) => pad(s, 22, true)).join('') + '\n';
  text += '-'.repeat(46 + 6 + 22 * SITUATIONS.length) + '\n';
  for (const row of rows) {
    text += pad(row.request, 46) + pad('' + row.requestBytes, 6, true) + SITUATIONS.map((s) => pad(cell(row, s), 22, true)).join('') + '\n';
  }
  return text;
}
