/**
 * The configuration in flash, safe against power loss at any moment.
 *
 * Two slots, `ntp.conf.a` and `ntp.conf.b`, each the text behind a header
 * line with a generation number, the text's length and its Adler-32. A save
 * writes the slot *not* holding the configuration in force, reads it back and
 * verifies it; the higher valid generation is the switch, so there is no
 * moment at which no valid configuration exists: a write cut short leaves a
 * slot that fails its check, and the other slot is still there.
 *
 * A plain `ntp.conf` (no header) is generation 0: what the flash script or
 * the virtual board's --config install, and what a board from before this
 * scheme has.
 */
import type { Platform } from '../platform';

export const PLAIN_FILE = 'ntp.conf';
export const SLOT_FILES = ['ntp.conf.a', 'ntp.conf.b'];
const MAGIC = '#ntp.conf ';

export interface StoredConfig {
  text: string;
  generation: number;
  /** Index into SLOT_FILES, or -1 for the plain file (or nothing stored). */
  slot: number;
}

/** Adler-32 of a binary string: cheap, no multiplications, and any cut or flipped byte shows. */
export function checksum(text: string): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < text.length; i++) {
    a = (a + (text.charCodeAt(i) & 255)) % 65521;
    b = (b + a) % 65521;
  }
  return b * 65536 + a;
}

export function encode(text: string, generation: number): string {
  // The generation is under the checksum too: a flipped digit there must not pass for a newer configuration.
  return MAGIC + 'generation=' + generation + ' length=' + text.length + ' adler32=' + checksum(generation + '\n' + text) + '\n' + text;
}

/** The text and generation of a slot's content, or null when it is not whole and intact. */
export function decode(data: string): { text: string; generation: number } | null {
  if (data.substring(0, MAGIC.length) !== MAGIC) return null;
  const newline = data.indexOf('\n');
  if (newline < 0) return null;
  const fields = data.substring(MAGIC.length, newline).split(' ');
  const values: number[] = [];
  const names = ['generation=', 'length=', 'adler32='];
  if (fields.length !== names.length) return null;
  for (let i = 0; i < names.length; i++) {
    const field = fields[i];
    const digits = field.substring(names[i].length);
    if (field.substring(0, names[i].length) !== names[i] || digits === '' || !/^[0-9]+$/.test(digits)) return null;
    values.push(+digits);
  }
  const text = data.substring(newline + 1);
  if (text.length !== values[1] || checksum(values[0] + '\n' + text) !== values[2]) return null;
  return { text: text, generation: values[0] };
}

/** Every intact stored configuration, newest first; the plain file last (generation 0). */
export function candidates(platform: Platform): StoredConfig[] {
  const found: StoredConfig[] = [];
  for (let slot = 0; slot < SLOT_FILES.length; slot++) {
    const data = platform.services().storageRead(SLOT_FILES[slot]);
    const decoded = data === undefined ? null : decode(data);
    if (decoded === null) continue;
    if (found.length > 0 && found[0].generation < decoded.generation) found.unshift({ text: decoded.text, generation: decoded.generation, slot: slot });
    else found.push({ text: decoded.text, generation: decoded.generation, slot: slot });
  }
  const plain = platform.services().storageRead(PLAIN_FILE);
  if (plain !== undefined) found.push({ text: plain, generation: 0, slot: -1 });
  return found;
}

/**
 * Saves `text` as the next generation after `current` into the other slot,
 * and checks it by reading it back. Returns what is now stored, or why the
 * save failed (the configuration in force is then still the stored one).
 */
export function save(platform: Platform, text: string, current: StoredConfig): StoredConfig | string {
  const slot = current.slot === 0 ? 1 : 0;
  const generation = current.generation + 1;
  const data = encode(text, generation);
  if (!platform.services().storageWrite(SLOT_FILES[slot], data)) return 'cannot write ' + SLOT_FILES[slot];
  const back = platform.services().storageRead(SLOT_FILES[slot]);
  const decoded = back === undefined ? null : decode(back);
  if (decoded === null || decoded.text !== text || decoded.generation !== generation) return SLOT_FILES[slot] + ' did not read back intact';
  return { text: text, generation: generation, slot: slot };
}
