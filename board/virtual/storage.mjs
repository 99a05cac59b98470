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

export function createStorage(directory) {
  fs.mkdirSync(directory, { recursive: true });
  const fileOf = (name) => hostFile(directory, name);

  return {
    read(name) {
      const file = fileOf(name);
      return fs.existsSync(file) ? fs.readFileSync(file).toString('latin1') : undefined;
    },
    write(name, data) {
      const file = fileOf(name);
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
