/**
 * chrony-style key files (src/ntp/keys.ts): good and bad lines, HEX keys,
 * bounds, secrets never echoed, and no throw on random text. The last test
 * checks a parsed key against a real chronyd request (see ntp-mac.test.ts).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeKeys, findKey, MAX_KEY_BYTES, MAX_KEYS, parseKeys } from '../../src/ntp/keys';
import { DigestProvider, verifyMac } from '../../src/ntp/mac';
import { fromHex, prng, toHex } from './ntp-bytes';

const sha: DigestProvider = (algorithm, data) =>
  createHash(algorithm === 'SHA1' ? 'sha1' : 'sha256').update(Buffer.from(data, 'latin1')).digest().toString('latin1');

describe('parseKeys', () => {
  it('reads ID TYPE KEY lines, ID KEY as MD5, any type case, text, ASCII: and HEX: keys', () => {
    const { keys, errors } = parseKeys([
      '1 MD5 plainsecret',
      '2 SHA1 HEX:B1E2C3D4A5F60718293A4B5C6D7E8F9012345678',
      '3 sha256 HEX:00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF',
      '4 justakey',
      '5 Sha1 ASCII:HEX:notreallyhex',
      '6 MD5 hex:abcd', // the prefix is case-sensitive in chrony: this is text
      '4294967295 MD5 HEX:00',
      '7 MD5 pa#ss;wo!rd%', // comment characters inside a key are key
    ].join('\n'));
    expect(errors).toEqual([]);
    expect(keys.map((k) => [k.id, k.type, toHex(k.secret)])).toEqual([
      [1, 'MD5', toHex('plainsecret')],
      [2, 'SHA1', 'b1e2c3d4a5f60718293a4b5c6d7e8f9012345678'],
      [3, 'SHA256', '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'],
      [4, 'MD5', toHex('justakey')],
      [5, 'SHA1', toHex('HEX:notreallyhex')],
      [6, 'MD5', toHex('hex:abcd')],
      [4294967295, 'MD5', '00'],
      [7, 'MD5', toHex('pa#ss;wo!rd%')],
    ]);
  });

  it('skips blank and comment lines (# ; ! % first), tabs, CRLF and runs of blanks', () => {
    const { keys, errors } = parseKeys('# keys\r\n\r\n   ; old\n!x\n%y\n\t8\t SHA1  \tkey8  \r\n   \n 9 k9');
    expect(errors).toEqual([]);
    expect(keys.map((k) => k.id + ' ' + k.type + ' ' + k.secret)).toEqual(['8 SHA1 key8', '9 MD5 k9']);
  });

  it('reports bad lines by number and keeps going', () => {
    const lines = [
      '1 MD5 good', //             1
      '0 MD5 zero', //             2 id 0
      '4294967296 MD5 big', //     3 id out of range
      '-1 MD5 neg', //             4
      'abc MD5 x', //              5
      '12x MD5 x', //              6 (sscanf would take 12; we refuse)
      '1.5 MD5 x', //              7
      'lonely', //                 8 one word
      '10 MD5 two words', //       9 four words
      '11 SHA512 x', //           10 type chrony has, we do not
      '12 AES128 HEX:00112233445566778899AABBCCDDEEFF', // 11 CMAC
      '13 MD5 HEX:abc', //        12 odd digits
      '14 MD5 HEX:zz', //         13 not hex
      '15 MD5 HEX:', //           14 empty
      '16 MD5 ASCII:', //         15 empty
      '1 SHA1 again', //          16 duplicate
      '17 MD5 HEX:0x12', //       17 'x'
      '18 SHA256 ' + 'k'.repeat(MAX_KEY_BYTES + 1), // 18 too long
      '19 MD5 \u0101bc', //       19 not a byte
      '20 SHA256 HEX:' + 'ab'.repeat(MAX_KEY_BYTES), // 20 fine: exactly the bound
      '21 MD5 ' + 'k'.repeat(MAX_KEY_BYTES), // 21 fine
    ];
    const { keys, errors } = parseKeys(lines.join('\n'));
    expect(keys.map((k) => k.id)).toEqual([1, 20, 21]);
    expect(findKey(keys, 1)!.type).toBe('MD5'); // the first of the duplicates is kept
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(errors[0].message).toMatch(/key id/);
    expect(errors[6].message).toMatch(/ID \[TYPE\] KEY/);
    expect(errors[8].message).toMatch(/unsupported key type for key 11/);
    expect(errors[10].message).toMatch(/even number/);
    expect(errors[11].message).toMatch(/hex digit/);
    expect(errors[12].message).toMatch(/empty/);
    expect(errors[14].message).toMatch(/duplicate key 1/);
    expect(errors[16].message).toMatch(/longer than 64/);
  });

  it('never quotes a line in its errors', () => {
    const secrets = ['s3cr3tA', 's3cr3tB', 's3cr3tC', 's3cr3tD', 's3cr3tE', 's3cr3tF'];
    const text = [
      secrets[0], //                       one word
      '1 MD5 ' + secrets[1] + ' extra', //  too many
      '2 ' + secrets[2] + ' ' + secrets[3], // key mistaken for a type
      secrets[4] + ' MD5 key', //          secret where the id goes
      '3 MD5 HEX:' + secrets[5], //        bad hex
    ].join('\n');
    const { keys, errors } = parseKeys(text);
    expect(keys).toEqual([]);
    expect(errors.length).toBe(5);
    for (const error of errors) for (const secret of secrets) expect(error.message).not.toContain(secret);
  });

  it('holds at most MAX_KEYS keys and says so', () => {
    let text = '';
    for (let id = 1; id <= MAX_KEYS + 3; id++) text += id + ' SHA1 key' + id + '\n';
    const { keys, errors } = parseKeys(text);
    expect(keys.length).toBe(MAX_KEYS);
    expect(keys[MAX_KEYS - 1].id).toBe(MAX_KEYS);
    expect(errors.map((e) => e.line)).toEqual([MAX_KEYS + 1, MAX_KEYS + 2, MAX_KEYS + 3]);
    expect(errors[0].message).toBe('too many keys (at most ' + MAX_KEYS + ')');
  });

  it('never throws on random text, and whatever it keeps is a valid key (2000 lines, and 200 files)', () => {
    const random = prng(2024);
    const pieces = ['1', '42', '4294967295', '4294967296', '0', '-3', 'MD5', 'sha1', 'SHA256', 'SHA512', 'HEX:', 'ASCII:',
      'ab', 'zz', '#', ';', ' ', '\t', '\r', '\u0100', '\0', '\xff', 'x'];
    const randomLine = () => {
      let line = '';
      const n = Math.floor(random() * 8);
      for (let i = 0; i < n; i++) {
        line += random() < 0.7 ? pieces[Math.floor(random() * pieces.length)] : String.fromCharCode(Math.floor(random() * 300));
        if (random() < 0.5) line += ' ';
      }
      return line;
    };
    let kept = 0;
    let refused = 0;
    const check = (text: string) => {
      const { keys, errors } = parseKeys(text);
      kept += keys.length;
      refused += errors.length;
      const lineCount = text.split('\n').length; // random characters may include a newline
      expect(keys.length).toBeLessThanOrEqual(MAX_KEYS);
      for (const key of keys) {
        expect(key.id >= 1 && key.id <= 4294967295 && key.id % 1 === 0).toBe(true);
        expect(['MD5', 'SHA1', 'SHA256']).toContain(key.type);
        expect(key.secret.length >= 1 && key.secret.length <= MAX_KEY_BYTES).toBe(true);
        for (let i = 0; i < key.secret.length; i++) expect(key.secret.charCodeAt(i)).toBeLessThan(256);
      }
      expect(new Set(keys.map((k) => k.id)).size).toBe(keys.length);
      for (const error of errors) expect(error.line >= 1 && error.line <= lineCount).toBe(true);
    };
    for (let i = 0; i < 2000; i++) check(randomLine());
    for (let i = 0; i < 200; i++) {
      const lines: string[] = [];
      for (let j = 0; j < 40; j++) lines.push(randomLine());
      check(lines.join('\n'));
    }
    // The generator reaches both outcomes, so the checks above had something to check.
    expect(kept).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(1000);
  });
});

describe('findKey and describeKeys', () => {
  const { keys } = parseKeys('5 SHA256 topsecret5\n4294967295 sha1 HEX:0102030405060708090a\n1 other1');

  it('finds keys by id, or null', () => {
    expect(findKey(keys, 5)!.secret).toBe('topsecret5');
    expect(findKey(keys, 4294967295)!.type).toBe('SHA1');
    expect(findKey(keys, 1)!.type).toBe('MD5');
    expect(findKey(keys, 2)).toBeNull();
    expect(findKey([], 1)).toBeNull();
  });

  it('describes keys as ID TYPE lines only', () => {
    const text = describeKeys(keys);
    expect(text).toBe('5 SHA256\n4294967295 SHA1\n1 MD5');
    expect(text).not.toContain('topsecret5');
    expect(text).not.toContain('other1');
    expect(describeKeys([])).toBe('');
  });

  it('gives Key no toString of its own', () => {
    expect(Object.prototype.hasOwnProperty.call(keys[0], 'toString')).toBe(false);
    expect(String(keys[0])).toBe('[object Object]');
  });
});

describe('a parsed key checks a real chronyd request', () => {
  it('SHA256 key 3, NTPv3 with the whole digest', () => {
    const { keys } = parseKeys('3 SHA256 HEX:00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\n');
    const packet = fromHex('1b000020' + '00'.repeat(36) + '514aa9383875c7ee' + '00000003' +
      '8a32a1e6de88194f504c429e4c26f0b36df339246ea176d07aa29175a560753a');
    const key = findKey(keys, 3)!;
    expect(verifyMac(packet, 48, key.id, key.type, key.secret, sha)).toBe(true);
  });
});
