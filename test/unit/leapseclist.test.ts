// The IETF leap-seconds.list format (chrony's leapseclist): entries, expiry, bad lines.
import { describe, expect, it } from 'vitest';
import * as leapList from '../../src/clock/leapseclist';
import * as leapFile from '../../src/clock/leapsecfile';
import { Leap } from '../../src/ntp/header';
import { IETF_TAIL } from './leapseconds-fixture';

/** 2017-01-01T00:00:00Z and 2025-06-28T00:00:00Z in Unix seconds. */
const JAN_2017 = 1483228800;
const EXPIRY = 3960057600 - 2208988800;

describe('leap-second list', () => {
  it('keeps the newest entries as leap seconds at their midnights, and the expiry', () => {
    const bad = leapFile.parse(IETF_TAIL.replace('# 1 Jul 2015', '# 1 Jul 2015\n3660000000\t37'));
    expect(bad.errors).toEqual([{ line: 9, message: 'a leap second takes effect at midnight: 3660000000 is not a whole number of days' }]);
    const parsed = leapFile.parse(IETF_TAIL);
    expect(parsed.errors).toEqual([]);
    expect(parsed.list.expiry).toBe(EXPIRY);
    // 1999 is the starting offset; of the five leap seconds after it only the newest MAX_ENTRIES remain.
    expect(parsed.list.entries).toHaveLength(leapList.MAX_ENTRIES);
    expect(parsed.list.entries[0].midnight).toBe(3439756800 - 2208988800);
    expect(parsed.list.entries[leapList.MAX_ENTRIES - 1]).toEqual({ midnight: JAN_2017, leap: Leap.InsertSecond });
  });

  it('announces on the last day before an entry only, and never after the expiry', () => {
    const list = leapFile.parse(IETF_TAIL).list;
    expect(leapList.leapAt(list, JAN_2017 - 86400)).toBe(Leap.InsertSecond);
    expect(leapList.leapAt(list, JAN_2017 - 0.5)).toBe(Leap.InsertSecond);
    expect(leapList.leapAt(list, JAN_2017 - 86400 - 1)).toBe(Leap.None);
    expect(leapList.leapAt(list, JAN_2017)).toBe(Leap.None);
    const expired = leapFile.parse(IETF_TAIL.replace('3960057600', '3692200000')).list;
    expect(leapList.leapAt(expired, JAN_2017 - 3600)).toBe(Leap.None);
  });

  it('reads a decrease of TAI-UTC as a deleted second', () => {
    const list = leapFile.parse('#@ 4000000000\n3692217600 37\n3723753600 36\n').list;
    expect(list.entries).toEqual([{ midnight: 3723753600 - 2208988800, leap: Leap.DeleteSecond }]);
    expect(leapList.leapAt(list, 3723753600 - 2208988800 - 10)).toBe(Leap.DeleteSecond);
  });

  it('reports each bad line by number, bounded, and never throws', () => {
    const text = ['#@ soon', '3692217600', '3692217600 37 38', 'x 37', '3692217600 37', '3692217600 38', '3723753600 40',
      '#@ 3960057600', '#@ 3960057600', ...Array(20).fill('junk')].join('\r\n');
    const parsed = leapFile.parse(text);
    expect(parsed.errors.slice(0, 8)).toEqual([
      { line: 1, message: 'the expiry (#@) needs one number of NTP seconds' },
      { line: 2, message: 'want NTPSECONDS TAI-UTC [# comment]' },
      { line: 3, message: 'want NTPSECONDS TAI-UTC [# comment]' },
      { line: 4, message: 'want NTPSECONDS TAI-UTC [# comment]' },
      { line: 6, message: 'entries must be in time order' },
      { line: 7, message: 'TAI-UTC may change by one second at a time (37 to 40)' },
      { line: 9, message: 'a second expiry (#@) line' },
      { line: 10, message: 'want NTPSECONDS TAI-UTC [# comment]' },
    ]);
    expect(parsed.moreErrors).toBe(19);
    expect(parsed.list.expiry).toBe(EXPIRY);
    expect(parsed.list.entries).toEqual([]);
    for (const garbage of ['', '\n\n', '#@', '#@ 1e9', '99999999999999999999 1', '\u0000\u00ff 1']) expect(() => leapFile.parse(garbage)).not.toThrow();
  });
});
