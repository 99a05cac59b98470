// The last directives of chrony.conf's set: pool, keys, leapsecmode, leapseclist;
// and the boot choosing the keys file the configuration names.
import { describe, expect, it } from 'vitest';
import { start } from '../../src/app';
import * as commands from '../../src/console/commands';
import * as configuration from '../../src/config/parse';
import * as configTypes from '../../src/config/types';
import { fakePlatform } from './fakes';

function errorsOf(text: string): string[] {
  return configuration.parse(text).errors.map((e) => e.line + ': ' + e.message);
}

describe('pool', () => {
  it('takes a name, the server options and maxsources (default 4)', () => {
    const config = configuration.parse('pool pool.example iburst maxpoll 8\npool other.example maxsources 2 key 5\n').config;
    expect(config.pools).toHaveLength(2);
    expect(config.pools[0].maxSources).toBe(4);
    expect(config.pools[0].server.host).toBe('pool.example');
    expect(config.pools[0].server.iburst).toBe(true);
    expect(config.pools[0].server.maxPollLog2).toBe(8);
    expect(config.pools[1].maxSources).toBe(2);
    expect(config.pools[1].server.keyId).toBe(5);
    expect(config.servers).toHaveLength(0);
  });

  it('refuses bad lines with their numbers', () => {
    expect(errorsOf('\npool\npool p.example maxsources\npool p.example maxsources 0\npool p.example maxsources 9\npool p.example bogus\n')).toEqual([
      '2: pool needs a name',
      '3: maxsources needs a number, 1-8',
      '4: maxsources needs a number, 1-8',
      '5: maxsources needs a number, 1-8',
      '6: unknown pool option "bogus"',
    ]);
  });

  it('counts its maxsources against the 8 sources, with servers and peers', () => {
    expect(errorsOf('pool a.example\npool b.example\n')).toEqual([]);
    expect(errorsOf('pool a.example\npool b.example\nserver 192.0.2.1\n')).toEqual([
      '3: too many sources (at most 8 servers, peers and pool sources)',
    ]);
    expect(errorsOf('server 192.0.2.1\nserver 192.0.2.2\nserver 192.0.2.3\npool a.example maxsources 6\n')).toEqual([
      '4: too many sources: this pool\'s maxsources 6 leaves room for 5 (at most 8 servers, peers and pool sources)',
    ]);
  });
});

describe('keys, leapsecmode, leapseclist', () => {
  it('default to ntp.keys, step, no list', () => {
    const config = configTypes.defaults();
    expect(config.keysFile).toBe('ntp.keys');
    expect(config.leapSecMode).toBe('step');
    expect(config.leapSecList).toBe('');
  });

  it('take a Storage file name or a mode; system is step', () => {
    const config = configuration.parse('keys my.keys\nleapsecmode slew\nleapseclist leap-seconds.list\n').config;
    expect(config.keysFile).toBe('my.keys');
    expect(config.leapSecMode).toBe('slew');
    expect(config.leapSecList).toBe('leap-seconds.list');
    expect(configuration.parse('leapsecmode system').config.leapSecMode).toBe('step');
    expect(configuration.parse('leapsecmode IGNORE').config.leapSecMode).toBe('ignore');
  });

  it('refuse bad values with line numbers', () => {
    expect(errorsOf('keys\nkeys a b\nkeys ' + 'k'.repeat(29) + '\nleapsecmode\nleapsecmode smear\nleapseclist\nleapseclist "a b"\n')).toEqual([
      '1: keys needs one Storage file name (1-28 characters, no spaces)',
      '2: keys needs one Storage file name (1-28 characters, no spaces)',
      '3: keys needs one Storage file name (1-28 characters, no spaces)',
      '4: leapsecmode needs one of system, step, slew, ignore',
      '5: leapsecmode needs one of system, step, slew, ignore',
      '6: leapseclist needs one Storage file name (1-28 characters, no spaces)',
      '7: leapseclist needs one Storage file name (1-28 characters, no spaces)',
    ]);
  });
});

describe('the keys file at boot', () => {
  const KEY = '7 MD5 HEX:00112233445566778899aabbccddeeff\n';

  function boot(storage: Record<string, string>) {
    const state = { raw: 1_800_000_000.5 };
    const fake = fakePlatform(() => state.raw, storage);
    return { app: start(fake.platform), logs: fake.logs };
  }

  it('reads ntp.keys by default and the named file with keys FILE', () => {
    expect(boot({ 'ntp.conf': '', 'ntp.keys': KEY }).app.auth.keys.map((k) => k.id)).toEqual([7]);
    const named = boot({ 'ntp.conf': 'keys site.keys\n', 'ntp.keys': KEY, 'site.keys': '9 SHA1 HEX:0011223344556677889900112233445566778899\n' }).app;
    expect(named.auth.keys.map((k) => k.id)).toEqual([9]);
    expect(commands.run(boot({ 'ntp.conf': 'keys none.keys\n', 'ntp.keys': KEY }).app, 'keys')).toBe('No keys (Storage file none.keys)\n');
  });

  it('logs the named file\'s bad lines under its name', () => {
    const { logs } = boot({ 'ntp.conf': 'keys site.keys\n', 'site.keys': '0 MD5 x\n' });
    expect(logs.some((line) => /^site\.keys:1: /.test(line))).toBe(true);
  });
});

describe('config set', () => {
  it('replaces the once-only keys and leap lines and the same pool\'s line', () => {
    const state = { raw: 1_800_000_000.5 };
    const fake = fakePlatform(() => state.raw, { 'ntp.conf': 'keys a.keys\nleapsecmode step\nleapseclist a.list\npool p.example\n' });
    const app = start(fake.platform);
    for (const line of ['keys b.keys', 'leapsecmode slew', 'leapseclist b.list', 'pool p.example maxsources 2', 'pool q.example maxsources 1']) {
      expect(commands.run(app, 'config set ' + line)).toBe('200 OK\n');
    }
    expect(app.editedConfig).toBe('keys b.keys\nleapsecmode slew\nleapseclist b.list\npool p.example maxsources 2\npool q.example maxsources 1\n');
  });
});
