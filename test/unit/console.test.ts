import { describe, expect, it } from 'vitest';
import type { Appliance } from '../../src/appliance';
import * as clockChanges from '../../src/clock/changes';
import * as localClock from '../../src/clock/local';
import * as configuration from '../../src/config/parse';
import * as configTypes from '../../src/config/types';
import * as commands from '../../src/console/commands';
import { utcDateTime, age } from '../../src/console/format';
import * as shell from '../../src/console/shell';
import * as clientLog from '../../src/serve/clientlog';
import * as responder from '../../src/serve/responder';
import * as requests from '../../src/serve/request';
import * as replyHeader from '../../src/serve/replyheader';
import * as syncManager from '../../src/sync/manager';
import * as syncSetup from '../../src/sync/setup';
import * as access from '../../src/serve/access';
import * as accessRules from '../../src/serve/accessrules';
import * as statistics from '../../src/stats/statistics';
import { fakeClock, fakePlatform, recordingSocket, shaDigest } from './fakes';
import { CONSOLE_GROUPS, moduleUse } from './modules';

function appliance(configText: string): Appliance {
  const { clock } = fakeClock();
  const parsed = configuration.parse(configText);
  if (parsed.config.localStratum > 0) localClock.holdLocalReference(clock, parsed.config.localStratum, localClock.now(clock));
  const service = responder.create(clock, clientLog.create(8), () => 0.5, () => requests, () => replyHeader);
  service.socket = recordingSocket().socket;
  const { platform } = fakePlatform(clock.readRaw);
  const sync = syncSetup.create(platform, clock, parsed.config);
  clockChanges.addChangeHandler(clock, responder.clockChanged, service);
  return { platform, clock, config: parsed.config, configText, storedConfig: { text: configText, generation: 0, slot: -1 }, editedConfig: configText, responder: service, sync, ntpAccess: access.create(), cmdAccess: access.create(), auth: { keys: [], sha: shaDigest }, startTime: 0, statistics: statistics.create(), network: null };
}

// chronyc's tracking layout, as chrony's own test suite pins it.
const TRACKING = new RegExp(
  '^Reference ID    : [0-9A-F]{8} \\(.*\\)\n' +
  'Stratum         : [0-9]+\n' +
  'Ref time \\(UTC\\)  : [A-Za-z]{3} [A-Za-z]{3} [ 0-9]{2} [0-9:]{8} [0-9]{4}\n' +
  'System time     : [0-9.]+ seconds (slow|fast) of NTP time\n' +
  'Last offset     : [+-][0-9.]+ seconds\n' +
  'RMS offset      : [0-9.]+ seconds\n' +
  'Frequency       : [0-9.]+ ppm (slow|fast)\n' +
  'Residual freq   : [+-][0-9.]+ ppm\n' +
  'Skew            : [0-9.]+ ppm\n' +
  'Root delay      : [0-9.]+ seconds\n' +
  'Root dispersion : [0-9.]+ seconds\n' +
  'Update interval : [0-9.]+ seconds\n' +
  'Leap status     : (Normal|Not synchronised)\n$',
);

describe('console reports', () => {
  it('tracking matches chronyc for a local reference', () => {
    const text = commands.run(appliance('local stratum 3\n'), 'tracking');
    expect(text).toMatch(TRACKING);
    expect(text).toContain('Reference ID    : 7F7F0101 ()\n');
    expect(text).toContain('Stratum         : 3\n');
    expect(text).toContain('Leap status     : Normal\n');
  });

  it('tracking says not synchronised, stratum 0, without local', () => {
    const text = commands.run(appliance(''), 'tracking');
    expect(text).toMatch(TRACKING);
    expect(text).toContain('Reference ID    : 00000000 ()\n');
    expect(text).toContain('Stratum         : 0\n');
    expect(text).toContain('Ref time (UTC)  : Thu Jan 01 00:00:00 1970\n');
    expect(text).toContain('Leap status     : Not synchronised\n');
  });

  it('serverstats uses chronyc labels and counts drops', () => {
    const app = appliance('local stratum 3\n');
    responder.handle(app.responder, 'short', { address: '127.0.0.1', port: 1 }, app.clock.readRaw());
    const text = commands.run(app, 'serverstats');
    expect(text).toMatch(/^NTP packets received       : 1\nNTP packets dropped        : 1\n/);
    expect(text).toContain('Dropped: too short         : 1\n');
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^.{27}: [0-9]+$/);
  });

  it('clients lists each client in chronyc columns', () => {
    const app = appliance('local stratum 3\n');
    let request = '\x23';
    while (request.length < 48) request += '\0';
    const raw = app.clock.readRaw();
    for (let i = 0; i < 3; i++) responder.handle(app.responder, request, { address: '192.0.2.1', port: 5 }, raw - (2 - i) * 64);
    const lines = commands.run(app, 'clients').split('\n');
    expect(lines[0]).toBe('Hostname                      NTP   Drop Int IntL Last     Cmd   Drop Int  Last');
    expect(lines[1]).toBe('='.repeat(79));
    expect(lines[2]).toHaveLength(79);
    expect(lines[2]).toMatch(/^192\.0\.2\.1 +3 +0 +6 +6 +\d+ +0 +0 +- +-$/);
  });

  it('config prints the configuration with line numbers', () => {
    expect(commands.run(appliance('local stratum 3\n# note\n'), 'config')).toBe('  1  local stratum 3\n  2  # note\n');
  });

  it('unknown commands and bad arguments get a one-line error', () => {
    const app = appliance('');
    for (const line of ['frobnicate', 'tracking now', 'clients -x', 'help me']) {
      const text = commands.run(app, line);
      expect(text.split('\n')).toHaveLength(2);
      expect(text).toMatch(/^(Unrecognized command|Invalid syntax)/);
    }
    expect(commands.run(app, '   ')).toBe('');
  });

  it('help lists every command and the way to the REPL', () => {
    const text = commands.run(appliance(''), 'help');
    for (const name of ['tracking', 'serverstats', 'clients', 'config', 'repl']) expect(text).toMatch(new RegExp('^' + name + ' ', 'm'));
  });
});

describe('console command groups', () => {
  it('each group\'s table and the dispatcher\'s switch name the same commands, each once', () => {
    const seen: string[] = [];
    for (const group of Object.keys(CONSOLE_GROUPS)) {
      const table = CONSOLE_GROUPS[group].table();
      expect(table, group).toMatch(/^([a-z][^\t\n]*\t[^\t\n]+\n)+$/);
      for (const line of table.slice(0, -1).split('\n')) {
        const name = line.split(/[ \t]/)[0];
        expect(seen, name).not.toContain(name);
        seen.push(name);
        expect(commands.groupOf(name), name).toBe(group);
        expect(commands.usageOf(table, name)).toBe(line.split('\t')[0]);
      }
    }
    expect(seen.length).toBeGreaterThan(40);
    // Nothing else dispatches: not the REPL (the resident console's), nor an object's own names.
    for (const name of ['repl', 'frobnicate', 'constructor', 'hasOwnProperty', '__proto__', 'toString', '']) expect(commands.groupOf(name), name).toBe('');
  });

  it('a command line loads only its group; help loads every group, one at a time', () => {
    const app = appliance('');
    const loads = moduleUse.loads;
    expect(commands.run(app, 'tracking')).toMatch(/^Reference ID/);
    expect(moduleUse.loads - loads).toBe(1);
    // help's own group, then each other group after letting go of what was loaded before it.
    const groups = Object.keys(CONSOLE_GROUPS).length;
    const helpLoads = moduleUse.loads;
    const releases = moduleUse.releases;
    commands.run(app, 'help');
    expect(moduleUse.loads - helpLoads).toBe(groups);
    expect(moduleUse.releases - releases).toBe(groups - 1);
  });
});

describe('console format', () => {
  it('prints UTC dates as chronyc does', () => {
    expect(utcDateTime(0)).toBe('Thu Jan 01 00:00:00 1970');
    expect(utcDateTime(951782400)).toBe('Tue Feb 29 00:00:00 2000');
    expect(utcDateTime(2085978496)).toBe('Thu Feb 07 06:28:16 2036');
    for (let t = 0; t < 4e9; t += 86400 * 37.3 + 12345) {
      const date = new Date(t * 1000);
      const expected = date.toUTCString().replace(/^(\w{3}), (\d{2}) (\w{3}) (\d{4}) ([\d:]{8}) GMT$/, '$1 $3 $2 $5 $4');
      expect(utcDateTime(t)).toBe(expected);
    }
  });

  it('prints ages in four columns', () => {
    expect(age(5)).toBe('   5');
    expect(age(1199)).toBe('1199');
    expect(age(1200)).toBe(' 20m');
    expect(age(7200 * 5)).toBe(' 10h');
    expect(age(86400 * 30)).toBe(' 30d');
  });
});

describe('console line discipline', () => {
  function run(chunks: string[], echo = false) {
    const lines: string[] = [];
    let output = '';
    const s = shell.create(echo, (text) => (output += text), (line) => lines.push(line));
    for (const chunk of chunks) shell.feed(s, chunk);
    return { lines, output };
  }

  it('assembles lines split anywhere, with CR, LF or CRLF', () => {
    expect(run(['trac', 'king\r', '\nhel', 'p\n', 'clients\r']).lines).toEqual(['tracking', 'help', 'clients']);
  });

  it('handles backspace, Ctrl-C and escape sequences', () => {
    expect(run(['trackx\x7fing\n', 'garbage\x03help\n', '\x1b[Ahelp\x1b[D\n']).lines).toEqual(['tracking', 'help', 'help']);
  });

  it('echoes on a raw serial line', () => {
    expect(run(['ab\x7fc\r'], true).output).toBe('ab\b \bc\r\n');
  });

  /** A one-line terminal: what the echoed output shows, and where its cursor is. */
  function terminal(output: string) {
    let screen = '';
    let cursor = 0;
    for (const c of output) {
      if (c === '\b') cursor = Math.max(0, cursor - 1);
      else if (c === '\r') cursor = 0;
      else if (c === '\n') screen = '';
      else {
        screen = screen.slice(0, cursor).padEnd(cursor) + c + screen.slice(cursor + 1);
        cursor++;
      }
    }
    return { screen: screen.trimEnd(), cursor };
  }

  function editing(chunks: string[]) {
    const lines: string[] = [];
    let output = '';
    const s = shell.create(true, (text) => (output += text), (line) => lines.push(line));
    for (const chunk of chunks) {
      for (const byte of chunk) {
        shell.feed(s, byte);
        // What the terminal shows is always the line being edited, with the cursor where the shell has it.
        const shown = terminal(output);
        expect(shown.screen).toBe(s.line.trimEnd());
        expect(shown.cursor).toBe(s.cursor);
      }
    }
    return { lines, s };
  }

  it('moves the cursor and edits in the middle of the line', () => {
    expect(editing(['tacking\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x1b[Dr\r']).lines).toEqual(['tracking']);
    expect(editing(['trakcing\x1b[D\x1b[D\x1b[D\x1b[D\x7f\x1b[Ck\r']).lines).toEqual(['tracking']);
    expect(editing(['xtracking\x01\x1b[3~\r']).lines).toEqual(['tracking']); // Ctrl-A, Delete
    expect(editing(['racking\x1bOH', 't\x05 -v\r']).lines).toEqual(['tracking -v']); // Home (SS3), Ctrl-E
    expect(editing(['junk tracking\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x15\r']).lines).toEqual(['tracking']); // Ctrl-U
    expect(editing(['tracking junk\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x0b\x1b[1~\x1b[4~\r']).lines).toEqual(['tracking']); // Ctrl-K, Home, End
    const { s } = editing(['sources\x1b[D\x1b[D\x1b[C\x1b[D']);
    expect([s.line, s.cursor]).toEqual(['sources', 5]);
  });

  it('recalls the last lines with up and down, keeping the line being typed', () => {
    const { lines, s } = editing(['tracking\r', 'sources\r', 'act', '\x1b[A', '\x1b[A', '\x1b[A', '\x1b[B', '\x1b[B']);
    expect(lines).toEqual(['tracking', 'sources']);
    expect(s.line).toBe('act');
    expect(editing(['tracking\r', 'sources\r', '\x1b[A\x1b[A\r']).lines).toEqual(['tracking', 'sources', 'tracking']);
    expect(editing(['tracking\r', '\x1b[A -v\r', '\x1b[A\r']).lines).toEqual(['tracking', 'tracking -v', 'tracking -v']);
  });

  it('takes escape sequences split across chunks', () => {
    expect(editing(['tracking\r', '\x1b', '[', 'A', '\r']).lines).toEqual(['tracking', 'tracking']);
    expect(editing(['xhelp\x01\x1b[', '3', '~\r']).lines).toEqual(['help']);
  });

  it('keeps the last 16 lines, without repeats or blank lines', () => {
    const chunks: string[] = [];
    for (let i = 0; i < 40; i++) chunks.push('line' + i + '\r', 'line' + i + '\r', '\r', '   \r');
    const { s } = editing(chunks);
    expect(s.history).toHaveLength(shell.HISTORY_SIZE);
    expect(s.history[0]).toBe('line24');
    expect(s.history[15]).toBe('line39');
  });

  it('a control character ends an unfinished escape sequence and is then handled (issue 16)', () => {
    // ESC [ then Enter: the line runs at once, it is not taken as the sequence's parameter.
    expect(editing(['tracking\x1b[\r']).lines).toEqual(['tracking']);
    expect(editing(['tracking\x1b[1;\r']).lines).toEqual(['tracking']);
    expect(editing(['tracking\x1b\r']).lines).toEqual(['tracking']);
    expect(editing(['tracking\x1bO\r']).lines).toEqual(['tracking']);
    expect(run(['tracking\x1b[\n']).lines).toEqual(['tracking']);
    // Ctrl-C after a stray ESC [ interrupts and clears the line; what follows is typed normally.
    let interrupted = 0;
    const lines: string[] = [];
    const s = shell.create(true, () => undefined, (line) => lines.push(line), () => interrupted++);
    shell.feed(s, 'junk\x1b[\x03help\r');
    expect(interrupted).toBe(1);
    expect(lines).toEqual(['help']);
    // Backspace (a control character too) ends it and deletes; ESC ESC [ A is one up-arrow.
    expect(editing(['trackingg\x1b[\x08\r']).lines).toEqual(['tracking']);
    expect(editing(['tracking\r', '\x1b\x1b[A\r']).lines).toEqual(['tracking', 'tracking']);
  });

  it('skips unknown and overlong escape sequences whole', () => {
    expect(editing(['he\x1b[1;5Cl\x1b[123456789Xp\r']).lines).toEqual(['help']);
  });

  it('without echo (the terminal edits): no history, cursor keys skipped, as before', () => {
    expect(run(['tracking\n', '\x1b[A\n', 'ab\x1b[D\x7fc\n', 'x\x01y\x15z\n']).lines).toEqual(['tracking', '', 'ac', 'xyz']);
    const { output } = run(['tracking\n', '\x1b[A\n']);
    expect(output).toBe('');
  });

  it('bounds the line and drops binary noise', () => {
    const { lines } = run(['x'.repeat(5000) + '\n', '\x00\x01\xff\xfehelp\n']);
    expect(lines[0].length).toBeLessThanOrEqual(200);
    expect(lines[1]).toBe('help');
  });
});

describe('configuration', () => {
  it('parses local stratum with chrony defaults', () => {
    expect(configuration.parse('local\n').config.localStratum).toBe(10);
    expect(configuration.parse('local stratum 5 # comment\n').config.localStratum).toBe(5);
    expect(configuration.parse('').config).toEqual(configTypes.defaults());
  });

  it('reports bad lines by number and keeps the rest', () => {
    const parsed = configuration.parse('local stratum 3\nlocal stratum 99\nbogus thing\nport x\n\tclientloglimit 16\n');
    expect(parsed.config.localStratum).toBe(3);
    expect(parsed.config.clientLogSize).toBe(16);
    expect(parsed.errors.map((e) => e.line)).toEqual([2, 3, 4]);
    for (const error of parsed.errors) expect(error.message.length).toBeGreaterThan(5);
  });

  it('never throws on random text', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < 2000; i++) {
      let text = '';
      for (let j = 0; j < 80; j++) text += String.fromCharCode(Math.floor(random() * 256));
      expect(() => configuration.parse(text.replace(/x/g, '\n') + '\nlocal stratum ' + text)).not.toThrow();
    }
  });
});

describe('console access control', () => {
  it('accheck follows allow/deny added at run time', () => {
    const app = appliance('allow 192.168.1\n');
    app.ntpAccess = access.create();
    accessRules.addRule(app.ntpAccess, true, false, '192.168.1');
    expect(commands.run(app, 'accheck 192.168.1.9')).toBe('208 Access allowed\n');
    expect(commands.run(app, 'accheck 10.0.0.1')).toBe('209 Access denied\n');
    expect(commands.run(app, 'allow 10')).toBe('200 OK\n');
    expect(commands.run(app, 'accheck 10.0.0.1')).toBe('208 Access allowed\n');
    expect(commands.run(app, 'deny all')).toBe('200 OK\n');
    expect(commands.run(app, 'accheck 192.168.1.9')).toBe('209 Access denied\n');
    // The responder applies it to clients already in its log.
    let request = '\x23';
    while (request.length < 48) request += '\0';
    responder.handle(app.responder, request, { address: '10.0.0.1', port: 5 }, app.clock.readRaw());
    expect(commands.run(app, 'serverstats')).toContain('Dropped: access denied     : 1\n');
  });

  it('cmdallow/cmddeny keep their own table', () => {
    const app = appliance('');
    expect(commands.run(app, 'cmddeny all')).toBe('200 OK\n');
    expect(commands.run(app, 'cmdaccheck 127.0.0.1')).toBe('209 Access denied\n');
    expect(commands.run(app, 'accheck 127.0.0.1')).toBe('208 Access allowed\n');
  });

  it('bad addresses give one line and change nothing', () => {
    const app = appliance('');
    for (const line of ['allow 300.1.1.1', 'deny 1.2.3.4/33', 'accheck nowhere', 'allow all 10 11']) {
      const text = commands.run(app, line);
      expect(text.split('\n')).toHaveLength(2);
    }
    expect(app.ntpAccess.networks).toHaveLength(0);
    expect(commands.run(app, 'accheck')).toMatch(/^Invalid syntax/);
  });
});
