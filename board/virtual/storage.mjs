// Espruino's require("Storage") over a host folder: one host file per
// Storage file, so the board's flash survives restarts of the virtual board.
import fs from 'node:fs';
import path from 'node:path';

const MAX_NAME = 28;
/** Espruino's Storage keeps a 32-byte header (size, name) before each file, 4-byte aligned. */
const FILE_HEADER = 32;

/** The ESP32's saved-code area (board/espruino/ESP32.json: pages x page_size), which Storage uses. */
export function flashSize() {
  const board = JSON.parse(fs.readFileSync(new URL('../espruino/ESP32.json', import.meta.url), 'utf8'));
  return board.chip.saved_code.pages * board.chip.saved_code.page_size;
}

/** The host file holding Storage file `name`: encoded so any name maps to one safe file name. */
export function hostFile(directory, name) {
  name = String(name);
  if (name.length === 0 || name.length > MAX_NAME) throw new Error('Storage: name must be 1-' + MAX_NAME + ' characters');
  return path.join(directory, encodeURIComponent(name).replace(/\./g, '%2E'));
}

/** Thrown by a write when the simulated power fails: the firmware stops where it was. */
export class PowerLoss extends Error {}

/**
 * @param faults optional power-failure injection for tests: a write is modelled as flash
 *   does it, one step to erase the old file and one step per byte written, and after
 *   `powerFailAfterSteps` steps (counted over all writes) the write stops there and throws
 *   PowerLoss, leaving the file as far as it got.
 */
export function createStorage(directory, faults, size = flashSize()) {
  fs.mkdirSync(directory, { recursive: true });
  const fileOf = (name) => hostFile(directory, name);
  const files = () => fs.readdirSync(directory).filter((f) => !f.endsWith('.writing'));
  let stepsLeft = faults && faults.powerFailAfterSteps !== undefined ? faults.powerFailAfterSteps : Infinity;

  function tornWrite(file, bytes) {
    if (stepsLeft-- <= 0) throw new PowerLoss('power lost before erasing');
    fs.rmSync(file, { force: true });
    const written = Math.min(bytes.length, Math.max(0, stepsLeft));
    if (written < bytes.length) {
      fs.writeFileSync(file, bytes.subarray(0, written));
      stepsLeft = 0;
      throw new PowerLoss('power lost after ' + written + ' of ' + bytes.length + ' bytes');
    }
    stepsLeft -= bytes.length;
    fs.writeFileSync(file, bytes);
  }

  return {
    read(name) {
      const file = fileOf(name);
      return fs.existsSync(file) ? fs.readFileSync(file).toString('latin1') : undefined;
    },
    write(name, data) {
      const file = fileOf(name);
      if (stepsLeft !== Infinity) {
        tornWrite(file, Buffer.from(String(data), 'latin1'));
        return true;
      }
      const temporary = file + '.writing';
      fs.writeFileSync(temporary, Buffer.from(String(data), 'latin1'));
      fs.renameSync(temporary, file);
      return true;
    },
    erase(name) {
      fs.rmSync(fileOf(name), { force: true });
    },
    list() {
      return files().map((f) => decodeURIComponent(f));
    },
    /** Bytes left of the flash area: what the files and their headers do not take. */
    getFree() {
      let used = 0;
      for (const f of files()) used += (FILE_HEADER + fs.statSync(path.join(directory, f)).size + 3) & ~3;
      return Math.max(0, size - used);
    },
  };
}
