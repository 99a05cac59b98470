#!/usr/bin/env node
// npm run flash -- --port /dev/ttyUSB0 [--baud 115200] [--dry-run FILE]
// Uploads the firmware into the board's Storage with EspruinoTools: every file
// firmware/modules.json lists (the boot program firmware/ntp.js as .bootcde, which
// runs at every boot; the resident core; the modules loaded on demand; the status
// page), using the board description kept here so nothing is fetched from the internet.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const firmwareDir = path.join(root, 'firmware');
const manifest = path.join(firmwareDir, 'modules.json');
const boardFile = path.join(root, 'board/espruino/ESP32.json');

/** Storage name → file, as the build wrote them (firmware/modules.json). */
export function firmwareFiles() {
  const files = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  const result = {};
  for (const name of Object.keys(files)) result[name] = path.join(firmwareDir, files[name]);
  return result;
}

/** The EspruinoTools arguments that write every firmware file to Storage. */
export function espruinoArguments({ port, baud, dryRunFile }) {
  const args = ['--board', boardFile];
  const files = firmwareFiles();
  for (const name of Object.keys(files)) args.push('--storage', name + ':' + files[name]);
  if (dryRunFile) return ['-n', '-o', dryRunFile, ...args];
  // After the upload, reset so the board boots from .bootcde as it will on power-up.
  return ['-p', port, '-b', String(baud), ...args, '-e', 'load()'];
}

function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      baud: { type: 'string', default: '115200' },
      'dry-run': { type: 'string' },
    },
  });
  if (!values.port && !values['dry-run']) {
    console.error('Usage: npm run flash -- --port /dev/ttyUSB0 [--baud 115200]\n' +
      '       npm run flash -- --dry-run out.js   (write the upload payload without a board)\n' +
      'If the NTP console is running on the board, type "repl" on it first so EspruinoTools finds the JavaScript prompt.');
    process.exit(2);
  }
  if (!fs.existsSync(manifest) || !Object.values(firmwareFiles()).every((file) => fs.existsSync(file))) {
    console.error('No complete firmware in firmware/ (modules.json and the files it lists): run "npm run build" first.');
    process.exit(1);
  }
  const cli = path.join(root, 'node_modules/espruino/bin/espruino-cli.js');
  const result = spawnSync(process.execPath, [cli, ...espruinoArguments({ port: values.port, baud: values.baud, dryRunFile: values['dry-run'] })], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
