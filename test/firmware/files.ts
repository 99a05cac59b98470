// The built firmware as tests read it: every file the build wrote and flash.mjs uploads.
import fs from 'node:fs';
import path from 'node:path';
import { BOOT_FILE, firmwareFiles } from '../../board/virtual/firmware.mjs';

export const FIRMWARE_DIR = path.resolve(__dirname, '../../firmware');
export const BOOT_PROGRAM = path.join(FIRMWARE_DIR, 'ntp.js');

/** Storage name → file path, as firmware/modules.json lists them. */
export function storageFiles(): { [name: string]: string } {
  return firmwareFiles(BOOT_PROGRAM);
}

/** The JavaScript files: Storage name → code. */
export function codeFiles(): { [name: string]: string } {
  const files = storageFiles();
  const code: { [name: string]: string } = {};
  for (const name of Object.keys(files)) if (files[name].endsWith('.js')) code[name] = fs.readFileSync(files[name], 'utf8');
  return code;
}

/** All of the firmware's code, one module after another (for checks that look at names and text). */
export function allCode(): string {
  const code = codeFiles();
  return Object.keys(code).map((name) => code[name]).join('\n');
}

export { BOOT_FILE };
