// The configuration store (A/B slots with generation and Adler-32), the boot's
// choice among stored configurations, and the console's config commands.
import { describe, expect, it } from 'vitest';
import { start } from '../../src/app';
import * as commands from '../../src/console/commands';
import * as configStore from '../../src/store/configstore';
import { fakeClock, fakePlatform } from './fakes';

function board(storage: Record<string, string>) {
  const { clock } = fakeClock();
  const fake = fakePlatform(clock.readRaw, storage);
  const app = start(fake.platform);
  return { app, fake, type: (line: string) => commands.run(app, line) };
}

describe('configuration store', () => {
  it('round-trips, and refuses any cut or changed byte', () => {
    const text = 'server 192.0.2.1 iburst\nlocal stratum 8\n';
    const data = configStore.encode(text, 12);
    expect(configStore.decode(data)).toEqual({ text, generation: 12 });
    for (let length = 0; length < data.length; length++) expect(configStore.decode(data.substring(0, length)), 'cut at ' + length).toBeNull();
    for (let i = 0; i < data.length; i++) {
      const changed = data.substring(0, i) + String.fromCharCode(data.charCodeAt(i) ^ 4) + data.substring(i + 1);
      expect(configStore.decode(changed), 'byte ' + i).toBeNull();
    }
    expect(configStore.decode('local stratum 3\n')).toBeNull();
    expect(configStore.checksum('Wikipedia')).toBe(0x11e60398); // Adler-32's usual test vector
  });

  it('saves alternate slots with rising generations, the newest first', () => {
    const { fake } = board({ 'ntp.conf': 'local stratum 9\n' });
    let current: configStore.StoredConfig = { text: 'local stratum 9\n', generation: 0, slot: -1 };
    for (let i = 1; i <= 3; i++) {
      const saved = configStore.save(fake.platform, 'local stratum ' + i + '\n', current);
      if (typeof saved === 'string') throw new Error(saved);
      expect(saved).toEqual({ text: 'local stratum ' + i + '\n', generation: i, slot: (i + 1) % 2 });
      current = saved;
    }
    const found = configStore.candidates(fake.platform);
    expect(found.map((c) => c.generation)).toEqual([3, 2, 0]);
  });

  it('a failed write is reported and leaves what was stored', () => {
    const { fake } = board({});
    fake.platform.storageWrite = () => false;
    expect(configStore.save(fake.platform, 'local\n', { text: '', generation: 0, slot: -1 })).toMatch(/cannot write ntp\.conf\.a/);
    expect(configStore.candidates(fake.platform)).toEqual([]);
  });
});

describe('boot', () => {
  it('uses the newest intact generation', () => {
    const { app } = board({
      'ntp.conf': 'local stratum 9\n',
      'ntp.conf.a': configStore.encode('local stratum 4\n', 4),
      'ntp.conf.b': configStore.encode('local stratum 5\n', 5),
    });
    expect(app.config.localStratum).toBe(5);
    expect(app.storedConfig.slot).toBe(1);
  });

  it('passes over a torn newest slot, and over one with errors (showing them) for the last good one', () => {
    const torn = board({ 'ntp.conf.a': configStore.encode('local stratum 4\n', 4), 'ntp.conf.b': configStore.encode('local stratum 5\n', 5).slice(0, -3) });
    expect(torn.app.config.localStratum).toBe(4);
    const bad = board({ 'ntp.conf.a': configStore.encode('local stratum 4\n', 4), 'ntp.conf.b': configStore.encode('local stratum 5\nbogus 1\n', 5) });
    expect(bad.app.config.localStratum).toBe(4);
    expect(bad.fake.logs.join('\n')).toMatch(/ntp\.conf\.b:2: unknown directive "bogus"\n.*using the previous configuration \(generation 4\)/);
  });

  it('with no clean configuration at all, uses the newest and skips its bad lines', () => {
    const { app, fake } = board({ 'ntp.conf': 'local stratum 6\nnonsense\n' });
    expect(app.config.localStratum).toBe(6);
    expect(fake.logs.join('\n')).toMatch(/ntp\.conf:2: unknown directive "nonsense"\nno configuration without errors/);
  });
});

describe('config commands', () => {
  it('show numbers the lines; set adds, or replaces a one-off directive or the same server', () => {
    const { app, type } = board({ 'ntp.conf': 'server 192.0.2.1\nlocal stratum 9\n' });
    expect(type('config')).toBe('  1  server 192.0.2.1\n  2  local stratum 9\n');
    expect(type('config set server 192.0.2.2 iburst')).toBe('200 OK\n');
    expect(type('config set local stratum 4')).toBe('200 OK\n');
    expect(type('config set server 192.0.2.1 prefer')).toBe('200 OK\n');
    expect(type('config show')).toBe('  1  server 192.0.2.1 prefer\n  2  local stratum 4\n  3  server 192.0.2.2 iburst\n' +
      '(edited: config save keeps the changes, config revert drops them)\n');
    // Nothing applies before a reboot.
    expect(app.config.localStratum).toBe(9);
  });

  it('bad lines and bad numbers get one line and change nothing', () => {
    const { app, type } = board({ 'ntp.conf': 'local stratum 9\n' });
    const cases: [string, RegExp][] = [
      ['config set local stratum 99', /^Invalid configuration line: local stratum must be 1-15\n$/],
      ['config set frobnicate', /^Invalid configuration line: unknown directive "frobnicate"\n$/],
      ['config delete 5', /^No line 5 \(1-1\)\n$/],
      ['config delete x', /^No line x \(1-1\)\n$/],
      ['config delete', /^Invalid syntax for config/],
      ['config set', /^Invalid syntax for config/],
      ['config bogus', /^Invalid syntax for config/],
      ['config save now', /^Invalid syntax for config/],
    ];
    for (const [line, expected] of cases) {
      expect(type(line), line).toMatch(expected);
      expect(app.editedConfig).toBe('local stratum 9\n');
    }
    for (let i = 0; i < 8; i++) type('config set server 192.0.2.' + (i + 1));
    expect(type('config set server 192.0.2.99')).toBe('Invalid configuration: line 10: too many sources (at most 8 servers, peers and pool sources)\n');
  });

  it('save writes the next slot; revert and reset edit the copy only; delete removes a line', () => {
    const { app, fake, type } = board({ 'ntp.conf': 'local stratum 9\n' });
    type('config set makestep 1 3');
    expect(type('config save')).toBe('200 OK\nSaved as generation 1; reboot to apply.\n');
    expect(configStore.decode(fake.storage['ntp.conf.a'])).toEqual({ text: 'local stratum 9\nmakestep 1 3\n', generation: 1 });
    expect(type('config')).toMatch(/\(saved changes take effect at the next reboot\)\n$/);
    expect(type('config delete 1')).toBe('200 OK\n');
    expect(app.editedConfig).toBe('makestep 1 3\n');
    expect(type('config revert')).toBe('200 OK\n');
    expect(app.editedConfig).toBe('local stratum 9\nmakestep 1 3\n');
    expect(type('config reset')).toBe('200 OK\n');
    expect(type('config')).toMatch(/^\(empty configuration: built-in defaults\)\n/);
    expect(type('config save')).toMatch(/generation 2/);
    expect(configStore.decode(fake.storage['ntp.conf.b'])!.text).toBe('');
  });

  it('reboot restarts through the platform and warns about unsaved edits', () => {
    const { fake, type } = board({});
    type('config set local stratum 3');
    expect(type('reboot')).toBe('Rebooting (unsaved configuration edits dropped).\n');
    expect(type('reboot now')).toMatch(/^Invalid syntax for reboot/);
  });
});
