/**
 * Symmetric keys from a chrony-style key file. Each line is `ID TYPE KEY`, or
 * `ID KEY` meaning MD5 (chrony's CPS_ParseKey); the key is text, `ASCII:text`
 * or `HEX:` and an even number of hex digits (chrony's decode_password; both
 * prefixes are case-sensitive there, so `hex:ab` is the 6-byte text key it
 * looks like). A line whose first non-blank character is one of # ; ! % is a
 * comment; there are no trailing comments, since a text key may hold a `#`.
 *
 * Like config.ts, parsing never throws: a bad line is reported by number and
 * skipped. No message ever quotes a line's words, since any of them may be a
 * secret mistyped; and a Key is a plain object with no toString: print keys
 * only through describeKeys.
 */
import type { ConfigError } from '../config/types';
import { parseInteger } from '../text/parse';
import type { DigestProvider, MacAlgorithm } from './mac';

export interface Key {
  id: number; // 1..2^32-1
  type: MacAlgorithm;
  /** The key's bytes as a binary string. Never log it. */
  secret: string;
}

/** What signing and checking MACs needs: the keys, and the board's SHA. */
export interface Authenticator {
  keys: Key[];
  sha: DigestProvider;
}

export interface ParsedKeys {
  keys: Key[];
  errors: ConfigError[];
}

/** Keys are fixed-size state: a bound on how many. */
export const MAX_KEYS = 32;
/** A bound on each key (chronyc keygen makes 20 or 32 bytes; this allows 512 bits). */
export const MAX_KEY_BYTES = 64;

const HEX_DIGITS = '0123456789abcdef';

/** Words separated by spaces, tabs, CR, VT and FF (C's isspace, as chrony splits). */
function words(line: string): string[] {
  const out: string[] = [];
  let word = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line.charAt(i);
    if (' \t\r\v\f'.indexOf(ch) >= 0) {
      if (word !== '') out.push(word);
      word = '';
    } else {
      word += ch;
    }
  }
  if (word !== '') out.push(word);
  return out;
}

/** The key's bytes, or an error message (which must not quote the key). */
function decodeKey(text: string): string | { error: string } {
  let bytes = text;
  if (text.substring(0, 4) === 'HEX:') {
    const hex = text.substring(4).toLowerCase();
    if (hex.length % 2 !== 0) return { error: 'HEX key needs an even number of hex digits' };
    bytes = '';
    for (let i = 0; i < hex.length; i += 2) {
      const high = HEX_DIGITS.indexOf(hex.charAt(i));
      const low = HEX_DIGITS.indexOf(hex.charAt(i + 1));
      if (high < 0 || low < 0) return { error: 'HEX key has a character that is not a hex digit' };
      bytes += String.fromCharCode((high << 4) | low);
    }
  } else if (text.substring(0, 6) === 'ASCII:') {
    bytes = text.substring(6);
  }
  if (bytes.length === 0) return { error: 'empty key' };
  if (bytes.length > MAX_KEY_BYTES) return { error: 'key longer than ' + MAX_KEY_BYTES + ' bytes' };
  for (let i = 0; i < bytes.length; i++) {
    if (bytes.charCodeAt(i) > 255) return { error: 'key has a character that is not a byte' };
  }
  return bytes;
}

/** Parses one non-comment line's words into a key, or returns why not. */
function parseKeyLine(args: string[], keys: Key[]): Key | string {
  if (args.length < 2 || args.length > 3) return 'a key line is ID [TYPE] KEY';
  const id = parseInteger(args[0], 1, 4294967295);
  if (id !== id) return 'key id must be a number, 1-4294967295';
  const typeName = args.length === 3 ? args[1].toUpperCase() : 'MD5';
  if (typeName !== 'MD5' && typeName !== 'SHA1' && typeName !== 'SHA256') {
    return 'unsupported key type for key ' + id + ' (MD5, SHA1 or SHA256)';
  }
  const secret = decodeKey(args[args.length - 1]);
  if (typeof secret !== 'string') return secret.error + ' for key ' + id;
  if (findKey(keys, id)) return 'duplicate key ' + id + ' (the first is kept)';
  if (keys.length >= MAX_KEYS) return 'too many keys (at most ' + MAX_KEYS + ')';
  return { id: id, type: typeName as MacAlgorithm, secret: secret };
}

export function parseKeys(text: string): ParsedKeys {
  const keys: Key[] = [];
  const errors: ConfigError[] = [];
  const lines = text.split('\n');
  for (let number = 1; number <= lines.length; number++) {
    const args = words(lines[number - 1]);
    if (args.length === 0 || '#;!%'.indexOf(args[0].charAt(0)) >= 0) continue;
    const key = parseKeyLine(args, keys);
    if (typeof key === 'string') errors.push({ line: number, message: key });
    else keys.push(key);
  }
  return { keys: keys, errors: errors };
}

export function findKey(keys: Key[], id: number): Key | null {
  for (let i = 0; i < keys.length; i++) {
    if (keys[i].id === id) return keys[i];
  }
  return null;
}

/** One `ID TYPE` line per key: the only way keys are shown. */
export function describeKeys(keys: Key[]): string {
  let out = '';
  for (let i = 0; i < keys.length; i++) out += (i > 0 ? '\n' : '') + keys[i].id + ' ' + keys[i].type;
  return out;
}
