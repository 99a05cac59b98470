// The console commands that act on selection, the clock and the box (selectdata,
// reselect, minstratum, maxdelay, maxdelayratio, local, manual, settime, rtcdata,
// dump, writertc, uptime, status), on the console's test board. Layouts follow
// chronyc's (chrony's test/simulation/110-chronyc where it pins them); every
// command in the table is checked to refuse bad arguments in one line, changing nothing.
import { describe, expect, it } from 'vitest';
import * as localClock from '../../src/clock/local';
import { commandNames } from './modules';
import { logDateTime } from '../../src/console/format';
import { parseTime } from '../../src/console/timeinput';
import { answering, board, expectOneLineError } from './console-board';
import { SourceField } from '../../src/sync/source';

const SELECTDATA_HEADER = 'S Name/IP Address        Auth COpts EOpts Last Score     Interval  Leap\n' + '='.repeat(71) + '\n';
// chrony's pattern for a line (110-chronyc), with our state characters.
const SELECTDATA_LINE = /^[*+xDNMSL] [0-9.]+ +[YN] [N-][P-]--- [N-][P-]--- [ 0-9]{3}[0-9smhdy ] [ 0-9.]{5} [0-9 +-]{5}[num]s [0-9 +-]{5}[num]s  [N+?-]$/;

function synchronised() {
  const b = board('server 192.0.2.1 iburst\nserver 192.0.2.9\n', { '192.0.2.1': answering(0.0005) });
  b.advance(600);
  return b;
}

describe('selectdata', () => {
  it('shows each source\'s state, options, interval and leap in chronyc\'s columns', () => {
    const b = synchronised();
    const text = b.type('selectdata');
    expect(text.startsWith(SELECTDATA_HEADER)).toBe(true);
    const lines = text.slice(SELECTDATA_HEADER.length).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(SELECTDATA_LINE);
    expect(lines[0]).toMatch(/^\* 192\.0\.2\.1 {17}N ----- ----- /);
    expect(lines[0].endsWith('  N')).toBe(true);
    // The interval holds the offset (local minus source, about 0 once the clock follows it) and is as wide as its root distance.
    const source = b.app.sync.sources[0];
    expect(source.state[SourceField.SelectLow]).toBeLessThan(0);
    expect(source.state[SourceField.SelectHigh]).toBeGreaterThan(0);
    expect(source.state[SourceField.SelectScore]).toBe(1);
    // A source that never answered: chrony's line for one, with its 'M' (missing samples).
    expect(lines[1]).toBe('M 192.0.2.9                 N ----- -----    0   1.0    +0ns    +0ns  ?');
  });

  it('shows configured options and authentication; -v adds a legend; -a lists unresolved sources', () => {
    const b = board('server 192.0.2.1 prefer key 5\nserver 192.0.2.2 noselect\nserver ntp.invalid\n',
      { '192.0.2.1': answering(), '192.0.2.2': answering() });
    b.advance(300);
    const lines = b.type('selectdata').split('\n');
    expect(lines[2]).toMatch(/^. 192\.0\.2\.1 {17}Y -P--- -P--- /);
    expect(lines[3]).toMatch(/^N 192\.0\.2\.2 {17}N N---- N---- /);
    expect(lines[3]).toMatch(SELECTDATA_LINE);
    expect(lines).toHaveLength(5);
    expect(b.type('selectdata -a').split('\n')[4]).toMatch(/^M ntp\.invalid +N ----- ----- +0 +1\.0 +\+0ns +\+0ns  \?$/);
    const verbose = b.type('selectdata -v');
    expect(verbose.indexOf(SELECTDATA_HEADER)).toBeGreaterThan(200);
  });

  it('marks a falseticker x and a truechimer left out of the combination D', () => {
    const b = board('server 192.0.2.1\nserver 192.0.2.2\nserver 192.0.2.3\nserver 192.0.2.4\n', {
      '192.0.2.1': answering(0.0005), '192.0.2.2': answering(0.0006), '192.0.2.3': answering(5), '192.0.2.4': { offset: 0.0005, rate: 0, delay: 0.3, answer: true },
    });
    b.advance(400);
    const states = b.type('selectdata').split('\n').slice(2, 6).map((line) => line.charAt(0));
    expect(states[2]).toBe('x');
    expect(states.slice(0, 2).sort()).toEqual(['*', '+']);
    expect(states[3]).toBe('D');
  });
});

describe('reselect', () => {
  it('selects again without the selected source\'s advantage', () => {
    const b = synchronised();
    b.app.sync.selectedIndex = 1; // as if the silent source had been selected before
    expect(b.type('reselect')).toBe('200 OK\n');
    expect(b.app.sync.selectedIndex).toBe(0);
    expect(b.type('selectdata').split('\n')[2].charAt(0)).toBe('*');
  });
});

describe('minstratum / maxdelay / maxdelayratio', () => {
  it('minstratum raises the source\'s stratum from its next reply, and ours with it', () => {
    const b = synchronised();
    expect(b.type('tracking')).toContain('Stratum         : 2\n');
    expect(b.type('minstratum 192.0.2.1 4')).toBe('200 OK\n');
    expect(b.app.sync.sources[0].options.minStratum).toBe(4);
    expect(b.app.config.servers[0].minStratum).toBe(0);
    b.advance(1100);
    expect(b.type('sources').split('\n')[2]).toMatch(/^\^\* 192\.0\.2\.1 +4 /);
    expect(b.type('tracking')).toContain('Stratum         : 5\n');
  });

  it('maxdelay refuses replies with a longer delay (test A of ntpdata)', () => {
    const b = synchronised();
    expect(b.type('maxdelay 192.0.2.1 0.001')).toBe('200 OK\n');
    const valid = b.app.sync.sources[0].state[SourceField.Valid];
    b.advance(1100);
    expect(b.app.sync.sources[0].state[SourceField.Valid]).toBe(valid);
    expect(b.type('ntpdata 192.0.2.1')).toContain('NTP tests       : 111 011 1111\n');
    expect(b.type('maxdelay 192.0.2.1 1')).toBe('200 OK\n');
    b.advance(1100);
    expect(b.app.sync.sources[0].state[SourceField.Valid]).toBeGreaterThan(valid);
  });

  it('maxdelayratio refuses replies slower than the ratio times the fastest', () => {
    const servers = { '192.0.2.1': answering(0.0005) };
    const b = board('server 192.0.2.1 iburst\n', servers);
    b.advance(600);
    expect(b.type('maxdelayratio 192.0.2.1 2')).toBe('200 OK\n');
    servers['192.0.2.1'].delay = 0.04; // ten times the delay of the samples so far
    const valid = b.app.sync.sources[0].state[SourceField.Valid];
    b.advance(1100);
    expect(b.app.sync.sources[0].state[SourceField.Valid]).toBe(valid);
    expect(b.type('maxdelayratio 192.0.2.1 0')).toBe('200 OK\n');
    b.advance(1100);
    expect(b.app.sync.sources[0].state[SourceField.Valid]).toBeGreaterThan(valid);
  });

  it('refuse bad values and unknown sources', () => {
    const b = synchronised();
    expectOneLineError(b, 'minstratum 192.0.2.1 x', /^Invalid syntax for address value\n$/);
    expectOneLineError(b, 'minstratum 192.0.2.1 16', /^Invalid minstratum 16 \(0 to 15\)\n$/);
    expectOneLineError(b, 'minstratum 10.9.9.9 3', /^503 No such source\n$/);
    expectOneLineError(b, 'maxdelay 192.0.2.1 -1', /^Invalid maxdelay -1/);
    expectOneLineError(b, 'maxdelay 192.0.2.1', /^Invalid syntax for maxdelay/);
    expectOneLineError(b, 'maxdelayratio 192.0.2.1 1e', /^Invalid syntax for address value\n$/);
    expectOneLineError(b, 'maxdelayratio 10.9.9.9 2', /^503 No such source\n$/);
  });
});

describe('local', () => {
  it('turns local on and off at run time; the reference follows at once', () => {
    const b = board('');
    expect(b.type('tracking')).toContain('Leap status     : Not synchronised\n');
    expect(b.type('local stratum 5')).toBe('200 OK\n');
    let text = b.type('tracking');
    expect(text).toContain('Reference ID    : 7F7F0101 ()\nStratum         : 5\n');
    expect(text).toContain('Leap status     : Normal\n');
    expect(b.type('local')).toBe('200 OK\n');
    expect(b.type('tracking')).toContain('Stratum         : 10\n');
    expect(b.type('local off')).toBe('200 OK\n');
    text = b.type('tracking');
    expect(text).toContain('Stratum         : 0\n');
    expect(text).toContain('Leap status     : Not synchronised\n');
  });

  it('does not take the reference from a selected source', () => {
    const b = synchronised();
    expect(b.type('local stratum 3')).toBe('200 OK\n');
    expect(b.type('tracking')).toContain('Reference ID    : C0000201 (192.0.2.1)\nStratum         : 2\n');
  });

  it('refuses what is not chronyc\'s syntax', () => {
    const b = board('local stratum 4\n');
    for (const line of ['local stratum 16', 'local stratum', 'local orphan', 'local off now', 'local stratum x']) {
      expectOneLineError(b, line, /^Invalid syntax for local command\n$/);
    }
  });
});

describe('manual / settime', () => {
  it('settime needs manual on; then its sample slews the clock, as chronyc reports it', () => {
    const b = board('');
    const now = Math.floor(localClock.now(b.app.clock));
    expectOneLineError(b, 'settime ' + logDateTime(now - 10), /^505 Facility not enabled in daemon\n$/);
    expect(b.type('manual on')).toBe('200 OK\n');
    const text = b.type('settime ' + logDateTime(now - 10));
    // chrony's own pattern for the reply (110-chronyc).
    expect(text).toMatch(/^Clock was 10\.[0-9]{2} seconds fast\.  Frequency change = -?0\.00ppm, new frequency = -?0\.00ppm\n$/);
    expect(localClock.pendingCorrection(b.app.clock, b.state.raw)).toBeCloseTo(-(10 + (b.state.raw - now)), 6);
    const list = b.type('manual list').split('\n');
    expect(list[0]).toBe('210 n_samples = 1');
    expect(list[1]).toBe('#    Date     Time(UTC)    Slewed   Original   Residual');
    expect(list[2]).toBe('='.repeat(55));
    // On the corrected clock's scale (the time typed in), the correction counted at once as for the sources' samples.
    expect(list[3]).toBe(' 0 ' + logDateTime(now - 10) + '       0.00      10.25       0.00');
    expect(list).toHaveLength(5);
  });

  it('two samples give the frequency: a clock that gains 1 s in 10000 s is 100 ppm fast', () => {
    const b = board('makestep 0.5 -1\n');
    b.type('manual on');
    const first = localClock.now(b.app.clock);
    b.type('settime @' + first.toFixed(3));
    b.state.raw += 10000; // the raw clock runs at true speed here: our clock will read 1 s behind what we type...
    const typed = localClock.now(b.app.clock) - 1; // ...so we type a time 1 s behind it: our clock gains
    const text = b.type('settime @' + typed.toFixed(3));
    const match = /^Clock was 1\.00 seconds fast\.  Frequency change = ([0-9.]+)ppm, new frequency = ([0-9.]+)ppm\n$/.exec(text)!;
    expect(match).not.toBeNull();
    expect(+match[1]).toBeGreaterThan(90);
    expect(+match[1]).toBeLessThanOrEqual(100.5);
    expect(b.type('manual list')).toMatch(/^210 n_samples = 2\n/);
  });

  it('manual delete, reset, off; bad forms change nothing', () => {
    const b = board('');
    b.type('manual on');
    b.type('settime now');
    b.type('settime now');
    expect(b.type('manual list')).toMatch(/^210 n_samples = 2\n/);
    expectOneLineError(b, 'manual delete 2', /^516 Sample index out of range\n$/);
    expectOneLineError(b, 'manual delete x', /^Bad syntax for manual delete command\n$/);
    expectOneLineError(b, 'manual', /^Invalid syntax for manual command\n$/);
    expectOneLineError(b, 'manual on off', /^Invalid syntax for manual command\n$/);
    expectOneLineError(b, 'settime 25:00', /^510 - Could not parse date string\n$/);
    expectOneLineError(b, 'settime Feb 30, 2027 10:00:00', /^510 - Could not parse date string\n$/);
    expectOneLineError(b, 'settime', /^Invalid syntax for settime/);
    expect(b.type('manual delete 0')).toBe('200 OK\n');
    expect(b.type('manual list')).toMatch(/^210 n_samples = 1\n/);
    expect(b.type('manual reset')).toBe('200 OK\n');
    expect(b.type('manual list')).toMatch(/^210 n_samples = 0\n/);
    expect(b.type('manual off')).toBe('200 OK\n');
    expectOneLineError(b, 'settime now', /^505 Facility not enabled in daemon\n$/);
  });

  it('keeps at most 16 samples, the oldest out', () => {
    const b = board('');
    b.type('manual on');
    for (let i = 0; i < 40; i++) b.type('settime now');
    expect(b.type('manual list')).toMatch(/^210 n_samples = 16\n/);
  });
});

describe('settime time formats (UTC)', () => {
  const now = Date.UTC(2027, 0, 15, 12, 0, 0) / 1000;
  it('reads the forms chronyc\'s examples use', () => {
    expect(parseTime(['16:30'], now)).toBe(Date.UTC(2027, 0, 15, 16, 30, 0) / 1000);
    expect(parseTime(['16:30:05'], now)).toBe(Date.UTC(2027, 0, 15, 16, 30, 5) / 1000);
    expect(parseTime(['Nov', '21,', '2015', '16:30:05'], now)).toBe(Date.UTC(2015, 10, 21, 16, 30, 5) / 1000);
    expect(parseTime(['nov', '21', '2015', '16:30'], now)).toBe(Date.UTC(2015, 10, 21, 16, 30, 0) / 1000);
    expect(parseTime(['2024-02-29', '23:59:59'], now)).toBe(Date.UTC(2024, 1, 29, 23, 59, 59) / 1000);
    expect(parseTime(['2100-12-31', '00:00'], now)).toBe(Date.UTC(2100, 11, 31) / 1000);
    expect(parseTime(['@1234567890.5'], now)).toBe(1234567890.5);
    expect(parseTime(['now'], now)).toBe(now);
  });

  it('refuses what is not a time', () => {
    for (const words of [['24:00'], ['12:60'], ['1:2:3:4'], ['2023-02-29', '10:00'], ['2023-13-01', '10:00'], ['Foo', '1,', '2020', '10:00'],
      ['Feb', '30', '2020', '10:00'], ['@'], ['@12x'], ['12:0x'], ['1969-12-31', '23:59'], ['tomorrow']]) {
      expect(parseTime(words, now), words.join(' ')).toBeNaN();
    }
  });
});

describe('rtcdata / dump / writertc', () => {
  const RTCDATA = new RegExp(
    '^RTC ref time \\(UTC\\) : ([A-Za-z]{3} [A-Za-z]{3} [ 0-9]{2} [0-9:]{8} [0-9]{4}|never)\n' +
    'Number of samples  : [0-9]+\n' +
    'Update interval    : [0-9]+\\.[0-9] seconds\n' +
    'RTC gains time at  : [ 0-9.-]{9} ppm\n' +
    'Frequency skew     : [ 0-9.]{9} ppm\n' +
    'Drift file         : ntp\\.drift: (none|unreadable|-?[0-9]+\\.[0-9]{3} ppm, skew [0-9]+\\.[0-9]{3} ppm)\n' +
    'Drift file saved   : (not since boot|.* ago)\n' +
    'Temperature        : not measured: .*\n$',
  );

  it('reports the crystal as the discipline knows it and the drift file', () => {
    const b = board('server 192.0.2.1 iburst\n', { '192.0.2.1': { offset: 0, rate: -20e-6, delay: 0.004, answer: true } });
    let text = b.type('rtcdata');
    expect(text).toMatch(RTCDATA);
    expect(text).toContain('RTC ref time (UTC) : never\nNumber of samples  : 0\n');
    expect(text).toContain('Drift file         : ntp.drift: none\nDrift file saved   : not since boot\n');
    b.advance(4000);
    text = b.type('rtcdata');
    expect(text).toMatch(RTCDATA);
    const gains = +/RTC gains time at  : *([0-9.-]+) ppm/.exec(text)![1];
    expect(gains).toBeGreaterThan(15); // our raw clock gains 20 ppm on the server
    expect(gains).toBeLessThan(25);
    expect(text).toContain('Number of samples  : ' + b.app.sync.discipline.updates + '\n');
  });

  it('dump and writertc write the drift file now and say what they wrote', () => {
    const b = board('server 192.0.2.1 iburst\n', { '192.0.2.1': { offset: 0, rate: -20e-6, delay: 0.004, answer: true } });
    b.advance(60);
    b.storage['ntp.drift'] = '1.000000 1.000000\n';
    b.advance(30);
    const text = b.type('dump');
    const match = /^200 OK\nWrote ntp\.drift: frequency (-?[0-9.]+) ppm, skew ([0-9.]+) ppm\n$/.exec(text)!;
    expect(match).not.toBeNull();
    expect(b.storage['ntp.drift']).toBe(match[1] + ' ' + match[2] + '\n');
    expect(b.type('rtcdata')).toContain('Drift file         : ntp.drift: ' + (+match[1]).toFixed(3) + ' ppm, skew ' + (+match[2]).toFixed(3) + ' ppm\n');
    b.advance(65);
    expect(b.type('rtcdata')).toMatch(/Drift file saved   : 00:01:0[45] ago\n/);
    delete b.storage['ntp.drift'];
    expect(b.type('writertc')).toMatch(/^200 OK\nWrote ntp\.drift: /);
    expect(b.storage['ntp.drift']).toBeDefined();
  });

  it('with nothing learned and no drift file there is nothing to save', () => {
    const b = board('');
    expectOneLineError(b, 'dump', /^500 Failure/);
    expectOneLineError(b, 'writertc', /^500 Failure/);
    expect(b.storage['ntp.drift']).toBeUndefined();
  });

  it('a failed write is a one-line error', () => {
    const b = board('');
    b.storage['ntp.drift'] = '3.5 0.1\n';
    b.app.platform.services().storageWrite = () => false;
    expectOneLineError(b, 'dump', /^514 Can't write RTC parameters\n$/);
  });
});

describe('uptime / status', () => {
  it('uptime counts on the raw clock, steps of the served time aside', () => {
    const b = board('');
    b.advance(90061);
    localClock.step(b.app.clock, 3600);
    expect(b.type('uptime')).toBe('Up 1 day, 01:01:01 (90061 seconds)\n');
  });

  it('status shows uptime, memory, free flash and the network', () => {
    const b = board('');
    b.advance(125);
    b.resources.usedJsVars = 1000;
    b.resources.totalJsVars = 2500;
    const free = b.app.platform.services().storageFree();
    expect(b.type('status')).toBe(
      'Uptime         : 00:02:05\n' +
      'Memory         : 1000 of 2500 JsVars used (40%)\n' +
      'Storage free   : ' + free + ' bytes\n' +
      'Callback errors: 0\n' +
      // The fake board's link is up with 127.0.0.1 (test/unit/fakes.ts).
      'Wi-Fi          : connected\n' +
      'IP address     : 127.0.0.1\n');
    // What the board's callback guards caught (issue 15), and a platform that cannot count JsVars (the virtual board).
    b.callbackErrors.count = 2;
    b.callbackErrors.last = 'timer: Error: boom';
    expect(b.type('status')).toContain('Callback errors: 2 (last: timer: Error: boom)\n');
    b.app.platform.services().memory = () => null;
    expect(b.type('status')).toContain('Memory         : not known here (only the Espruino interpreter counts JsVars)\n');
    b.app.network = null;
    expect(b.type('status')).toContain('Wi-Fi          : unknown\nIP address     : unknown\n');
    b.app.network = { state: 'connected', address: '192.168.1.50' };
    expect(b.type('status')).toContain('Wi-Fi          : connected\nIP address     : 192.168.1.50\n');
  });
});

/** For every command in the table, a line with bad arguments (extra words, or a wrong one). */
const BAD_ARGUMENTS: { [name: string]: string } = {
  help: 'help me', tracking: 'tracking now', sources: 'sources -x', sourcestats: 'sourcestats 1', refclocks: 'refclocks now',
  ntpdata: 'ntpdata 1 2', activity: 'activity now', add: 'add server 192.0.2.5 bogus', delete: 'delete 1 2', burst: 'burst x/y',
  minpoll: 'minpoll 192.0.2.1', maxpoll: 'maxpoll 192.0.2.1 x', offline: 'offline a b', online: 'online 10.0.0.0/99',
  makestep: 'makestep 1', waitsync: 'waitsync x', allow: 'allow 300.1.1.1', deny: 'deny 1.2.3.4/33', cmdallow: 'cmdallow x.y',
  cmddeny: 'cmddeny all 10 11', accheck: 'accheck nowhere', cmdaccheck: 'cmdaccheck', keys: 'keys 1', serverstats: 'serverstats -a',
  clients: 'clients -x', config: 'config now', reboot: 'reboot now', log: 'log bogus', network: 'network now', selectdata: 'selectdata -x', reselect: 'reselect now', minstratum: 'minstratum 192.0.2.1 99',
  maxdelay: 'maxdelay 192.0.2.1 x', maxdelayratio: 'maxdelayratio 192.0.2.1', local: 'local stratum 0', manual: 'manual maybe',
  settime: 'settime yesterday', rtcdata: 'rtcdata now', dump: 'dump now', writertc: 'writertc now', uptime: 'uptime -p', status: 'status now',
};

describe('every command', () => {
  it('refuses bad arguments with one line and changes nothing', () => {
    const b = synchronised();
    for (const name of commandNames()) {
      expect(BAD_ARGUMENTS[name], name).toBeDefined();
      expectOneLineError(b, BAD_ARGUMENTS[name], /^[^\n]+\n$/);
    }
  });

  it('is listed by help, with the REPL', () => {
    const text = board('').type('help');
    for (const name of commandNames().concat(['repl'])) expect(text, name).toMatch(new RegExp('^' + name + '( |$)', 'm'));
  });

  it('keys lists ids and types on lines of their own', () => {
    const b = synchronised();
    b.app.auth.keys = [{ id: 1, type: 'MD5', secret: 'x' }, { id: 7, type: 'SHA256', secret: 'y' }];
    expect(b.type('keys')).toBe('1 MD5\n7 SHA256\n');
    b.app.auth.keys = [];
    expect(b.type('keys')).toBe('No keys (Storage file ntp.keys)\n');
  });

  it('config prints the configuration in force with line numbers', () => {
    expect(board('server 192.0.2.1\n\nlocal\n').type('config')).toBe('  1  server 192.0.2.1\n  2  \n  3  local\n');
  });

  it('serverstats has chronyc\'s first lines and one counter a line', () => {
    const text = synchronised().type('serverstats');
    expect(text).toMatch(/^NTP packets received       : [0-9]+\nNTP packets dropped        : [0-9]+\nCommand packets received   : 0\n/);
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^.{27}: [0-9]+$/);
  });
});
