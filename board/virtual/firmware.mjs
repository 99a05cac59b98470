// The firmware as the flash script puts it on a board: every file firmware/modules.json lists
// (the boot program as .bootcde, the resident core, the on-demand modules, the status page)
// written into the virtual board's Storage folder, so the sandbox loads them as a board does.
import fs from 'node:fs';
import path from 'node:path';
import { hostFile } from './storage.mjs';

export const MANIFEST = 'modules.json';
export const BOOT_FILE = '.bootcde';

/**
 * Storage name → file path: the modules.json beside the boot program (the build writes it), or,
 * for a program that is all its own firmware (a test probe), that program alone as .bootcde.
 */
export function firmwareFiles(bootFile) {
  const dir = path.dirname(bootFile);
  const manifest = path.join(dir, MANIFEST);
  if (!fs.existsSync(manifest) || JSON.parse(fs.readFileSync(manifest, 'utf8'))[BOOT_FILE] !== path.basename(bootFile)) {
    return { [BOOT_FILE]: bootFile };
  }
  const files = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  const result = {};
  for (const name of Object.keys(files)) result[name] = path.join(dir, files[name]);
  return result;
}

/** Writes the firmware into a Storage folder; returns the boot program's text. */
export function installFirmware(storageDir, bootFile) {
  const files = firmwareFiles(bootFile);
  fs.mkdirSync(storageDir, { recursive: true });
  for (const name of Object.keys(files)) fs.writeFileSync(hostFile(storageDir, name), fs.readFileSync(files[name]));
  return fs.readFileSync(files[BOOT_FILE], 'latin1');
}
