#!/usr/bin/env node
// npm run flash -- --port /dev/ttyUSB0 [--baud 115200] [--dry-run FILE]
// Uploads firmware/ntp.js into the board's Storage as .bootcde (it runs at
// every boot), and the status page firmware/status.html as the Storage file
// status.html, with EspruinoTools, using the board description kept here so
// nothing is fetched from the internet.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bundle = path.join(root, 'firmware/ntp.js');
const statusPage = path.join(root, 'firmware/status.html');
const boardFile = path.join(root, 'board/espruino/ESP32.json');

/** The EspruinoTools arguments that write the bundle and the status page to Storage. */
export function espruinoArguments({ port, baud, dryRunFile }) {
  const args = ['--board', boardFile, '--storage', '.bootcde:' + bundle, '--storage', 'status.html:' + statusPage];
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
  if (!fs.existsSync(bundle) || !fs.existsSync(statusPage)) {
    console.error('No firmware/ntp.js or firmware/status.html: run "npm run build" first.');
    process.exit(1);
  }
  const cli = path.join(root, 'node_modules/espruino/bin/espruino-cli.js');
  const result = spawnSync(process.execPath, [cli, ...espruinoArguments({ port: values.port, baud: values.baud, dryRunFile: values['dry-run'] })], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
