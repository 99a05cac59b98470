// The pins and UART the Espruino platform uses by default are the ones the board
// description (board/espruino/ESP32.json, ntpAppliance) documents.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const board = JSON.parse(fs.readFileSync(path.join(ROOT, 'board/espruino/ESP32.json'), 'utf8'));
// The resident platform and its on-demand services (the UART and the pins).
const platform = ['platform.ts', 'services.ts'].map((file) => fs.readFileSync(path.join(ROOT, 'board/espruino', file), 'utf8')).join('\n');
const config = fs.readFileSync(path.join(ROOT, 'src/config/types.ts'), 'utf8');

function constant(name: string): string | undefined {
  return new RegExp('export const ' + name + " = '([A-Z0-9]+)';").exec(platform)?.[1];
}

describe('board description and platform agree', () => {
  it('GPS UART pins, PPS pin, UART and console', () => {
    const gps = board.ntpAppliance.gps;
    expect(constant('GPS_RX_PIN')).toBe(gps.rx);
    expect(constant('GPS_TX_PIN')).toBe(gps.tx);
    expect(constant('PPS_PIN')).toBe(gps.pps);
    expect(platform).toMatch(new RegExp('const GPS_PORT = ' + gps.uart + ';'));
    expect(platform).toMatch(new RegExp('const DEFAULT_CONSOLE_PORT = ' + board.ntpAppliance.console + ';'));
    // The core's default baud for `refclock GPS` is the board's.
    expect(config).toMatch(new RegExp('return \\{ baud: ' + gps.baud + ','));
  });
});
