// Espruino's require("Storage") over a host folder: one host file per
// Storage file, so the board's flash survives restarts of the virtual board.
import fs from 'node:fs';
import path from 'node:path';

const MAX_NAME = 28;

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
export function createStorage(directory, faults) {
  fs.mkdirSync(directory, { recursive: true });
  const fileOf = (name) => hostFile(directory, name);
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
      return fs.readdirSync(directory).filter((f) => !f.endsWith('.writing')).map((f) => decodeURIComponent(f));
    },
  };
}
