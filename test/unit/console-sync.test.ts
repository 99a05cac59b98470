// The chronyc-style source commands, driven through the real appliance on the
// console's test board (console-board.ts). Formats are checked against the
// regular expressions chrony's own test suite uses for chronyc
// (test/simulation/110-chronyc), widened where our units differ, and against
// exact lines where the values are known.
import { describe, expect, it } from 'vitest';
import * as localClock from '../../src/clock/local';
import * as commands from '../../src/console/commands';
import { duration, ppm, signedDuration, age } from '../../src/console/format';
import { answering, board, expectOneLineError } from './console-board';
import { SourceField } from '../../src/sync/source';
import { StatsField } from '../../src/sync/sourcestats';
// chronyc's layouts, as chrony's test suite pins them (110-chronyc), units widened to ns/us/ms.
const SOURCES_HEADER = 'MS Name/IP address         Stratum Poll Reach LastRx Last sample               \n' + '='.repeat(79) + '\n';
const SOURCE_LINE = /^\^[*+\-x~?] [0-9.]+ +[0-9 ]{2}  [0-9 -]{2}   [0-7 ]{3}  [ 0-9]{3}[0-9smhdy ]  [0-9 +-]{5}[num]s\[[0-9 +-]{5}[num]s\] \+\/- [ 0-9]{4}[num]s$/;
const SOURCESTATS_HEADER = 'Name/IP Address            NP  NR  Span  Frequency  Freq Skew  Offset  Std Dev\n' + '='.repeat(78) + '\n';
const SOURCESTATS_LINE = /^[0-9.]+ +[0-9 ]{3} [0-9 ]{3}  [0-9 ]{3}[0-9smhdy ] [ +0-9-]{6}\.[0-9]{3} [ 0-9]{6}\.[0-9]{3}  [0-9 +-]{5}[num]s  [0-9 ]{4}[num]s$/;
const TRACKING = new RegExp(
  '^Reference ID    : [0-9A-F]{8} \\(.*\\)\n' +
  'Stratum         : [0-9]+\n' +
  'Ref time \\(UTC\\)  : [A-Za-z]{3} [A-Za-z]{3} [ 0-9]{2} [0-9:]{8} [0-9]{4}\n' +
  'System time     : [0-9]+\\.[0-9]{9} seconds (slow|fast) of NTP time\n' +
  'Last offset     : [+-][0-9]+\\.[0-9]{9} seconds\n' +
  'RMS offset      : [0-9]+\\.[0-9]{9} seconds\n' +
  'Frequency       : [0-9]+\\.[0-9]{3} ppm (slow|fast)\n' +
  'Residual freq   : [+-][0-9]+\\.[0-9]{3} ppm\n' +
  'Skew            : [0-9]+\\.[0-9]{3} ppm\n' +
  'Root delay      : [0-9]+\\.[0-9]{9} seconds\n' +
  'Root dispersion : [0-9]+\\.[0-9]{9} seconds\n' +
  'Update interval : [0-9]+\\.[0-9] seconds\n' +
  'Leap status     : (Normal|Not synchronised)\n$',
);
const NTPDATA = new RegExp(
  '^Remote address  : 192\\.0\\.2\\.1 \\(C0000201\\)\n' +
  'Remote port     : 123\n' +
  'Local address   : [0-9.]+ \\([0-9A-F]{8}\\)\n' +
  'Leap status     : Normal\n' +
  'Version         : 4\n' +
  'Mode            : Server\n' +
  'Stratum         : 1\n' +
  'Poll interval   : [0-9]+ \\([0-9]+ seconds\\)\n' +
  'Precision       : -20 \\(0\\.000000954 seconds\\)\n' +
  'Root delay      : 0\\.000977 seconds\n' +
  'Root dispersion : 0\\.001953 seconds\n' +
  'Reference ID    : 47505300 \\(GPS\\)\n' +
  'Reference time  : [A-Za-z]{3} [A-Za-z]{3} [ 0-9]{2} [0-9:]{8} [0-9]{4}\n' +
  'Offset          : [-+]0\\.000...... seconds\n' +
  'Peer delay      : 0\\.00....... seconds\n' +
  'Peer dispersion : 0\\.00000.... seconds\n' +
  'Response time   : 0\\.000000... seconds\n' +
  'Jitter asymmetry: \\+0\\.00\n' +
  'NTP tests       : 111 111 1111\n' +
  'Interleaved     : No\n' +
  'Authenticated   : No\n' +
  'TX timestamping : (Daemon|Kernel)\n' +
  'RX timestamping : (Daemon|Kernel)\n' +
  'Total TX        : [0-9]+\n' +
  'Total RX        : [0-9]+\n' +
  'Total valid RX  : [0-9]+\n' +
  'Total good RX   : [0-9]+\n' +
  'Total kernel TX : [01]\n' +
  'Total kernel RX : [01]\n' +
  'Total HW TX     : 0\n' +
  'Total HW RX     : 0\n$',
);

function synchronised(rate = 0) {
  const b = board('server 192.0.2.1 iburst\nserver 192.0.2.9\n', { '192.0.2.1': answering(0.0005, rate) });
  b.advance(600);
  return b;
}

describe('format helpers match chronyc\'s printf layouts', () => {
  it('prints offsets with ns/us/ms/s units in fixed columns', () => {
    expect(signedDuration(0)).toBe('   +0ns');
    expect(signedDuration(-0.000000123)).toBe(' -123ns');
    expect(signedDuration(0.0000099994)).toBe('+9999ns');
    expect(signedDuration(0.0000099996)).toBe('  +10us');
    expect(signedDuration(-0.0123)).toBe('  -12ms');
    expect(signedDuration(12.345)).toBe(' +12.3s');
    expect(signedDuration(5000)).toBe(' +5000s');
    expect(duration(0)).toBe('   0ns');
    expect(duration(4)).toBe('4000ms');
    expect(duration(12.345)).toBe(' 12.3s');
    expect(duration(0.004)).toBe('4000us');
    expect(ppm(-1.23456, true)).toBe('    -1.235');
    expect(ppm(2000, false)).toBe('  2000.000');
    expect(ppm(1e6, false)).toBe('   1000000');
  });

  it('prints ages as print_seconds, "-" when there is none', () => {
    expect(age(NaN)).toBe('   -');
    expect(age(86400 * 999)).toBe('999d');
    expect(age(86400 * 1000)).toBe('  2y');
  });
});

describe('sources', () => {
  it('lists a synchronised and a silent source in chronyc\'s columns', () => {
    const b = synchronised();
    const text = b.type('sources');
    expect(text.startsWith(SOURCES_HEADER)).toBe(true);
    const lines = text.slice(SOURCES_HEADER.length).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(SOURCE_LINE);
    expect(lines[0]).toMatch(/^\^\* 192\.0\.2\.1 {21}1 /);
    expect(lines[0]).toMatch(/ 377 /);
    // A source that never answered: exactly chrony's line for one (110-chronyc).
    expect(lines[1]).toBe('^? 192.0.2.9                     0   6     0     -     +0ns[   +0ns] +/-    0ns');
  });

  it('shows the offset as chrony does: positive when our clock is ahead', () => {
    // Our clock is 0.5 ms behind the server: chronyc would print -500us as measured; the
    // adjusted value already counts the correction the discipline has taken on.
    const b = board('server 192.0.2.1\n', { '192.0.2.1': answering(0.0005) });
    b.advance(1);
    const line = b.type('sources').split('\n')[2];
    expect(line).toMatch(/ {4}\+0ns\[ -500us\] \+\/- [ 0-9]{4}us$/);
    const source = b.app.sync.sources[0];
    const error = (source.state[SourceField.RootDelay] + source.state[SourceField.Delay]) / 2 + source.state[SourceField.RootDispersion] + source.state[SourceField.Dispersion];
    expect(line.endsWith(' +/- ' + duration(error))).toBe(true);
    expect(line).toMatch(/^\^\* 192\.0\.2\.1 +1 +6 +1 +1 /); // LastRx counts from the sample's whole second, as chronyd does
  });

  it('-v adds a legend above the table; unknown options are refused', () => {
    const b = synchronised();
    const text = b.type('sources -v');
    expect(text.indexOf(SOURCES_HEADER)).toBeGreaterThan(200);
    expect(text.slice(text.indexOf(SOURCES_HEADER) + SOURCES_HEADER.length).split('\n')[0]).toMatch(SOURCE_LINE);
    expectOneLineError(b, 'sources -x', /^Invalid syntax for sources/);
  });

  it('hides a source whose name is not resolved yet unless -a', () => {
    const b = board('server ntp.invalid\n');
    b.advance(5);
    expect(b.type('sources')).toBe(SOURCES_HEADER);
    expect(b.type('sources -a')).toBe(SOURCES_HEADER + '^? ntp.invalid                   0   6     0     -     +0ns[   +0ns] +/-    0ns\n');
  });
});

describe('sourcestats', () => {
  it('reports the regression in chronyc\'s columns and units', () => {
    const b = synchronised(-20e-6);
    const text = b.type('sourcestats');
    expect(text.startsWith(SOURCESTATS_HEADER)).toBe(true);
    const lines = text.slice(SOURCESTATS_HEADER.length).trimEnd().split('\n');
    expect(lines[0]).toMatch(SOURCESTATS_LINE);
    const stats = b.app.sync.sources[0].stats!;
    expect(lines[0]).toMatch(new RegExp('^192\\.0\\.2\\.1 +' + stats[StatsField.Count] + ' +[0-9]+ +'));
    expect(lines[0]).toContain(ppm(-stats[StatsField.Slope] * 1e6, true) + ' ' + ppm(stats[StatsField.Skew] * 1e6, false) + '  ');
    expect(lines[0].endsWith(duration(stats[StatsField.StdDev]))).toBe(true);
    // No samples: zeros, with our "unknown" skew (100 %) instead of chrony's 2000 ppm placeholder.
    expect(lines[1]).toBe('192.0.2.9                   0   0     0     +0.000    1000000     +0ns     0ns');
  });

  it('-v adds a legend; bad options are refused', () => {
    const b = synchronised();
    const text = b.type('sourcestats -v');
    expect(text.indexOf(SOURCESTATS_HEADER)).toBeGreaterThan(200);
    expectOneLineError(b, 'sourcestats 1', /^Invalid syntax for sourcestats/);
  });
});

describe('tracking with a source', () => {
  it('names the source and reports the discipline\'s values', () => {
    const b = synchronised(-20e-6); // our raw clock runs 20 ppm fast against the server
    b.advance(3000);
    const text = b.type('tracking');
    expect(text).toMatch(TRACKING);
    expect(text).toContain('Reference ID    : C0000201 (192.0.2.1)\n');
    expect(text).toContain('Stratum         : 2\n');
    expect(text).toContain('Leap status     : Normal\n');
    const frequency = /Frequency       : ([0-9.]+) ppm (slow|fast)/.exec(text)!;
    expect(frequency[2]).toBe('fast');
    expect(+frequency[1]).toBeGreaterThan(10);
    expect(+frequency[1]).toBeLessThan(30);
    const d = b.app.sync.discipline;
    expect(text).toContain('RMS offset      : ' + d.rmsOffset.toFixed(9) + ' seconds\n');
    expect(text).toContain('Skew            : ' + (d.freqSkew * 1e6).toFixed(3) + ' ppm\n');
    expect(text).toContain('Update interval : ' + d.updateInterval.toFixed(1) + ' seconds\n');
    expect(d.updateInterval).toBeGreaterThan(0);
  });

  it('System time shows the correction still to slew: "slow" when we are behind', () => {
    const b = board('server 192.0.2.1\n', { '192.0.2.1': answering(0.25) });
    b.advance(1); // first sample: a 250 ms slew starts
    const pending = localClock.pendingCorrection(b.app.clock, b.state.raw);
    expect(pending).toBeGreaterThan(0.1);
    expect(b.type('tracking')).toContain('System time     : ' + pending.toFixed(9) + ' seconds slow of NTP time\n');
    expect(b.type('tracking')).toContain('Last offset     : -0.25');
  });

  it('the raw clock running slow reads "slow"', () => {
    const b = synchronised(20e-6);
    b.advance(3000);
    expect(b.type('tracking')).toMatch(/Frequency       : [0-9.]+ ppm slow/);
  });
});

describe('ntpdata', () => {
  it('prints the last reply as chronyc does', () => {
    const b = synchronised();
    const text = b.type('ntpdata 192.0.2.1');
    expect(text).toMatch(NTPDATA);
    const source = b.app.sync.sources[0];
    expect(text).toContain('Total TX        : ' + source.state[SourceField.Sent] + '\n');
    expect(text).toContain('Total RX        : ' + source.state[SourceField.Received] + '\n');
    expect(text).toContain('Poll interval   : ' + source.state[SourceField.PollLog2] + ' (' + Math.pow(2, source.state[SourceField.PollLog2]) + ' seconds)\n');
  });

  it('without an address reports every source after a blank line', () => {
    const b = synchronised();
    const text = b.type('ntpdata');
    expect(text.startsWith('\nRemote address  : 192.0.2.1 (C0000201)\n')).toBe(true);
    expect(text).toContain('\n\nRemote address  : 192.0.2.9 (C0000209)\n');
    expect(text).toContain('NTP tests       : 000 000 0000\n');
  });

  it('refuses an unknown source', () => {
    const b = synchronised();
    expectOneLineError(b, 'ntpdata 10.9.9.9', /^503 No such source\n$/);
    expectOneLineError(b, 'ntpdata 1 2', /^Invalid syntax for ntpdata/);
  });
});

describe('activity', () => {
  it('counts sources as chronyc does', () => {
    const b = board('server 192.0.2.1\nserver 192.0.2.2\nserver 192.0.2.3\nserver ntp.invalid\n');
    b.advance(1);
    b.type('offline 192.0.2.2');
    b.type('burst 192.0.2.3');
    expect(b.type('activity')).toBe('200 OK\n1 sources online\n1 sources offline\n1 sources doing burst (return to online)\n' +
      '0 sources doing burst (return to offline)\n1 sources with unknown address\n');
    expectOneLineError(b, 'activity now', /^Invalid syntax for activity/);
  });
});

describe('add server / delete', () => {
  it('add resolves a name, then adds and starts the source', () => {
    const b = board('', { '192.0.2.200': answering() });
    expect(b.type('add server time.example iburst minpoll 4')).toBe(''); // waits for the resolver
    b.advance(0.01);
    expect(b.output().endsWith('200 OK\nntp> ')).toBe(true);
    expect(b.app.sync.sources).toHaveLength(1);
    expect(b.app.sync.sources[0].address).toBe('192.0.2.200');
    expect(b.app.sync.sources[0].options.minPollLog2).toBe(4);
    b.advance(10);
    expect(b.app.sync.sources[0].state[SourceField.Reach]).not.toBe(0);
  });

  it('add with an address answers at once: nothing to resolve, nothing kept waiting', () => {
    const b = board('', { '192.0.2.5': answering() });
    expect(b.type('add server 192.0.2.5 iburst minpoll 4')).toBe('200 OK\n');
    expect(b.app.sync.sources).toHaveLength(1);
    expect(b.app.sync.sources[0].options.minPollLog2).toBe(4);
    b.advance(10);
    expect(b.app.sync.sources[0].state[SourceField.Reach]).not.toBe(0);
    expect(b.type('sources').split('\n')[2]).toMatch(/^\^\* 192\.0\.2\.5 /);
  });

  it('refuses bad options, bad names, duplicates and too many, changing nothing', () => {
    const b = board('server 192.0.2.1\n');
    b.advance(1);
    expectOneLineError(b, 'add server 192.0.2.5 bogus', /^Invalid option in add command\n$/);
    expectOneLineError(b, 'add server 192.0.2.5 minpoll x', /^Invalid value in add command\n$/);
    expectOneLineError(b, 'add peer 192.0.2.5', /^Invalid syntax for add command\n$/);
    expectOneLineError(b, 'add server', /^Invalid syntax for add command\n$/);
    expectOneLineError(b, 'add server nosuch.invalid', /^Invalid host\/IP address\n$/);
    expectOneLineError(b, 'add server 192.0.2.1', /^511 Source already present\n$/);
    for (let i = 2; i <= 8; i++) {
      b.type('add server 192.0.2.' + i);
      b.advance(0.01);
    }
    expect(b.app.sync.sources).toHaveLength(8);
    expectOneLineError(b, 'add server 192.0.2.20', /^512 Too many sources present\n$/);
  });

  it('delete removes a source and closes its socket', () => {
    const b = synchronised();
    const socket = b.sockets.find((s) => s.port !== 123)!;
    expect(b.type('delete 192.0.2.1')).toBe('200 OK\n');
    expect(b.app.sync.sources.map((s) => s.address)).toEqual(['192.0.2.9']);
    expect(socket.closed).toBe(true);
    expect(b.app.sync.selectedIndex).toBe(-1);
  });

  it('delete of an unknown source is 503 and changes nothing', () => {
    const b = synchronised();
    expectOneLineError(b, 'delete 10.9.9.9', /^503 No such source\n$/);
    expectOneLineError(b, 'delete', /^Invalid syntax for address\n$/);
    expectOneLineError(b, 'delete 192.0.2.1 192.0.2.9', /^Invalid syntax for delete/);
  });
});

describe('burst', () => {
  it('starts a burst on every source, or the one named, with N/M optional', () => {
    const b = board('server 192.0.2.1\nserver 192.0.2.2\n', { '192.0.2.1': answering(), '192.0.2.2': answering() });
    b.advance(1);
    expect(b.type('burst')).toBe('200 OK\n');
    expect(b.app.sync.sources.map((s) => s.state[SourceField.BurstLeft])).toEqual([4, 4]);
    b.advance(20);
    expect(b.app.sync.sources.map((s) => s.state[SourceField.BurstLeft])).toEqual([0, 0]);
    const sent = b.app.sync.sources[1].state[SourceField.Sent];
    expect(b.type('burst 2/3 192.0.2.2')).toBe('200 OK\n');
    expect(b.app.sync.sources.map((s) => s.state[SourceField.BurstLeft])).toEqual([0, 3]);
    b.advance(10);
    expect(b.app.sync.sources[1].state[SourceField.Sent]).toBe(sent + 3);
    expect(b.type('burst 1/1 192.0.2.0/24')).toBe('200 OK\n');
    expect(b.app.sync.sources.map((s) => s.state[SourceField.BurstLeft])).toEqual([1, 1]);
  });

  it('refuses unknown sources and bad counts', () => {
    const b = synchronised();
    expectOneLineError(b, 'burst 10.9.9.9', /^503 No such source\n$/);
    expectOneLineError(b, 'burst 0/3', /^Invalid syntax for burst command\n$/);
    expectOneLineError(b, 'burst 5/3 192.0.2.1', /^Invalid syntax for burst command\n$/);
    expectOneLineError(b, 'burst x/y', /^Invalid syntax for mask\/address\n$/);
    expectOneLineError(b, 'burst 1/2 192.0.2.1 extra', /^Invalid syntax for burst/);
  });
});

describe('makestep', () => {
  it('steps the clock now to the combined estimate', () => {
    const b = board('server 192.0.2.1\n', { '192.0.2.1': answering(2) });
    b.advance(1); // one sample: a 2 s slew has started
    const before = localClock.now(b.app.clock);
    expect(b.type('makestep')).toBe('200 OK\n');
    expect(localClock.pendingCorrection(b.app.clock, b.state.raw)).toBeCloseTo(0, 9);
    expect(localClock.now(b.app.clock) - before).toBeGreaterThan(1.9);
  });

  it('without a selectable source it fails, as chronyd does', () => {
    const b = board('');
    expectOneLineError(b, 'makestep', /^500 Failure\n$/);
  });

  it('makestep THRESHOLD LIMIT sets the configuration; bad forms change nothing', () => {
    const b = board('');
    expect(b.type('makestep 0.1 3')).toBe('200 OK\n');
    expect([b.app.config.makestepThreshold, b.app.config.makestepLimit]).toEqual([0.1, 3]);
    expectOneLineError(b, 'makestep 1', /^Bad syntax for makestep command\n$/);
    expectOneLineError(b, 'makestep x 3', /^Bad syntax for makestep command\n$/);
    expectOneLineError(b, 'makestep 1 -5', /^Bad syntax for makestep command\n$/);
    expectOneLineError(b, 'makestep 1 2 3', /^Bad syntax for makestep command\n$/);
  });
});

describe('waitsync', () => {
  it('tries until out of tries, one line each, then gives the prompt back', () => {
    const b = board('server 192.0.2.1\n');
    const out = b.type('waitsync 3 0 0 0.5');
    expect(out).toBe('try: 1, refid: 00000000, correction: 0.000000000, skew: 1000.000\n');
    expect(b.output().endsWith('ntp> ')).toBe(false);
    b.advance(0.49);
    expect(b.output().endsWith(out)).toBe(true);
    b.advance(1);
    expect(b.output().endsWith(out + 'try: 2, refid: 00000000, correction: 0.000000000, skew: 1000.000\n' +
      'try: 3, refid: 00000000, correction: 0.000000000, skew: 1000.000\nntp> ')).toBe(true);
    b.advance(5);
    expect(b.output().endsWith('ntp> ')).toBe(true);
    expect(b.output().match(/try:/g)).toHaveLength(3);
  });

  it('ends as soon as the clock follows a source', () => {
    const b = board('server 192.0.2.1 iburst\n', { '192.0.2.1': answering() });
    b.type('waitsync');
    b.advance(60);
    const text = b.output();
    expect(text).toMatch(/try: 1, refid: 00000000, correction: 0\.000000000, skew: [0-9.]+\n/);
    // chrony's own pattern for the last try (110-chronyc), then the prompt.
    expect(text).toMatch(/try: 2, refid: C0000201, correction: 0\.000......, skew: [0-9.]+\nntp> $/);
  });

  it('honours max-correction and max-skew', () => {
    const b = board('server 192.0.2.1 iburst\n', { '192.0.2.1': answering(0.5) });
    b.advance(3);
    b.type('waitsync 0 0.001 0 1');
    b.advance(0.5);
    expect(b.output().endsWith('ntp> ')).toBe(false); // half a second still to slew
    b.advance(600);
    expect(b.output()).toMatch(/correction: 0\.000[0-9]{6}, skew: [0-9.]+\nntp> $/);
  });

  it('lines typed while it waits run after it, in order', () => {
    const b = board('server 192.0.2.1\n');
    b.type('waitsync 2 0 0 1');
    b.type('activity');
    b.type('tracking');
    expect(b.output()).not.toContain('sources online');
    b.advance(5);
    const text = b.output();
    expect(text.indexOf('try: 2')).toBeGreaterThan(0);
    expect(text.indexOf('sources online')).toBeGreaterThan(text.indexOf('try: 2'));
    expect(text.indexOf('Reference ID')).toBeGreaterThan(text.indexOf('sources online'));
    expect(text.endsWith('ntp> ')).toBe(true);
  });

  it('Ctrl-C stops it and drops the lines typed meanwhile', () => {
    const b = board('server 192.0.2.1\n');
    b.type('waitsync');
    b.advance(25);
    expect(b.output().match(/try:/g)).toHaveLength(3);
    b.type('tracking');
    expect(b.output()).not.toContain('Reference ID');
    b.feed('\x03');
    expect(b.output().endsWith('\r\nntp> ')).toBe(true);
    b.advance(100);
    expect(b.output().match(/try:/g)).toHaveLength(3);
    expect(b.type('tracking')).toMatch(TRACKING);
  });

  it('refuses bad arguments', () => {
    const b = board('');
    expectOneLineError(b, 'waitsync x', /^Invalid syntax for waitsync/);
    expectOneLineError(b, 'waitsync 1 2 3 4 5', /^Invalid syntax for waitsync/);
    expectOneLineError(b, 'waitsync 1 -2', /^Invalid syntax for waitsync/);
  });

  it('commands.run gives what a waiting command prints at once, then stops it', () => {
    const b = board('');
    expect(commands.run(b.app, 'waitsync')).toBe('try: 1, refid: 00000000, correction: 0.000000000, skew: 1000.000\n');
    b.advance(100);
    expect(b.output()).not.toContain('try:');
  });
});

describe('minpoll / maxpoll', () => {
  it('change the source\'s limits, not the parsed configuration', () => {
    const b = synchronised();
    expect(b.type('minpoll 192.0.2.1 4')).toBe('200 OK\n');
    expect(b.app.sync.sources[0].options.minPollLog2).toBe(4);
    expect(b.app.config.servers[0].minPollLog2).toBe(6);
    expect(b.type('maxpoll 192.0.2.1 3')).toBe('200 OK\n');
    const options = b.app.sync.sources[0].options;
    expect([options.minPollLog2, options.maxPollLog2, b.app.sync.sources[0].state[SourceField.PollLog2]]).toEqual([3, 3, 3]);
    expect(b.type('minpoll 192.0.2.1 8')).toBe('200 OK\n');
    expect([options.minPollLog2, options.maxPollLog2]).toEqual([3, 3]); // a copy was replaced, not edited
    const now = b.app.sync.sources[0].options;
    expect([now.minPollLog2, now.maxPollLog2, b.app.sync.sources[0].state[SourceField.PollLog2]]).toEqual([8, 8, 8]);
  });

  it('refuse bad values and unknown sources', () => {
    const b = synchronised();
    expectOneLineError(b, 'minpoll x y', /^Invalid syntax for address value\n$/);
    expectOneLineError(b, 'maxpoll 192.0.2.1 1.5', /^Invalid syntax for address value\n$/);
    expectOneLineError(b, 'minpoll 10.9.9.9 4', /^503 No such source\n$/);
    expectOneLineError(b, 'maxpoll 192.0.2.1 30', /^Invalid maxpoll 30/);
    expectOneLineError(b, 'minpoll 192.0.2.1', /^Invalid syntax for minpoll/);
  });
});

describe('offline / online', () => {
  it('stop and resume the requests of one source, a subnet, or all', () => {
    const b = board('server 192.0.2.1\nserver 192.0.2.2\nserver 198.51.100.1\n', { '192.0.2.1': answering() });
    b.advance(1);
    expect(b.type('offline 192.0.2.1')).toBe('200 OK\n');
    const sent = b.app.sync.sources[0].state[SourceField.Sent];
    b.advance(300);
    expect(b.app.sync.sources[0].state[SourceField.Sent]).toBe(sent);
    expect(b.type('online 192.0.2.1')).toBe('200 OK\n');
    b.advance(300);
    expect(b.app.sync.sources[0].state[SourceField.Sent]).toBeGreaterThan(sent);
    expect(b.type('offline 192.0.2.0/24')).toBe('200 OK\n');
    expect(b.app.sync.sources.map((s) => s.state[SourceField.Offline])).toEqual([1, 1, 0]);
    expect(b.type('online 255.255.255.0/192.0.2.7')).toBe('200 OK\n');
    expect(b.app.sync.sources.map((s) => s.state[SourceField.Offline])).toEqual([0, 0, 0]);
    expect(b.type('offline')).toBe('200 OK\n');
    expect(b.app.sync.sources.map((s) => s.state[SourceField.Offline])).toEqual([1, 1, 1]);
    expect(b.type('online')).toBe('200 OK\n');
    expect(b.app.sync.sources.map((s) => s.state[SourceField.Offline])).toEqual([0, 0, 0]);
  });

  it('refuse unknown sources and malformed subnets', () => {
    const b = synchronised();
    expectOneLineError(b, 'offline 10.9.9.9', /^503 No such source\n$/);
    expectOneLineError(b, 'online 10.0.0.0/8', /^503 No such source\n$/);
    expectOneLineError(b, 'offline 192.0.2/x', /^Invalid syntax for mask\/address\n$/);
    expectOneLineError(b, 'online 192.0.2.0/33', /^Invalid syntax for mask\/address\n$/);
    expectOneLineError(b, 'offline a b', /^Invalid syntax for offline/);
  });
});

describe('help', () => {
  it('lists the new commands; long usages get a line of their own', () => {
    const b = board('');
    const text = b.type('help');
    for (const name of ['sources', 'sourcestats', 'ntpdata', 'activity', 'add', 'delete', 'burst', 'minpoll', 'maxpoll',
      'offline', 'online', 'makestep', 'waitsync']) {
      expect(text).toMatch(new RegExp('^' + name + ' ', 'm'));
    }
    expect(text).toMatch(/^waitsync \[.*\]\n {28}Wait/m);
  });
});
