// Issue 6: a configuration save interrupted by power loss at every possible flash
// step (erase, then each byte) still leaves a board that boots with a valid
// configuration: the old one, or — once the write is whole — the new one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCrystal } from '../../board/virtual/crystal.mjs';
import { createSandbox } from '../../board/virtual/sandbox.mjs';
import { installFirmware } from '../../board/virtual/firmware.mjs';
import { hostFile } from '../../board/virtual/storage.mjs';

const BOOT_PROGRAM = path.resolve(__dirname, '../../firmware/ntp.js');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Boots the firmware on the flash in `storageDir`; `type` sends console lines and returns what they printed. */
function boot(storageDir: string, powerFailAfterSteps?: number) {
  let output = '';
  const uncaught: unknown[] = [];
  const logs: string[] = [];
  const box = createSandbox({
    crystal: createCrystal({ ppm: 0, trueNow: () => Date.now() / 1000 }),
    console: { write: (text) => (output += text) },
    storageDir,
    ntpPort: 0,
    bindAddress: '127.0.0.1',
    log: (text) => logs.push(text),
    onUncaught: (error) => uncaught.push(error),
    storageFaults: powerFailAfterSteps === undefined ? undefined : { powerFailAfterSteps },
  });
  // Flashing the firmware again leaves the configuration slots as they are.
  box.load(installFirmware(storageDir, BOOT_PROGRAM), 'ntp.js');
  const type = (line: string) => {
    const start = output.length;
    box.consoleInput(line + '\r');
    box.runDueTimers(); // the line runs in an event after the line editor's (app.ts)
    return output.slice(start);
  };
  return { box, type, uncaught, output: () => output };
}

/** Whether the simulated power failed during this boot: the write threw, and the board's callback guard caught and logged it (or, without a guard, it went uncaught). */
function powerLost(board: ReturnType<typeof boot>): boolean {
  return board.uncaught.some((error) => /power lost/.test(String(error))) || /error in [^\n]*power lost/.test(board.output());
}

function freshFlash(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'powerloss-'));
  dirs.push(dir);
  return dir;
}

describe('configuration saves under power loss', () => {
  it('every interrupted save leaves the old or the new configuration, never a broken one', () => {
    // Generation 1 in force (slot a), saved from the console.
    const baseline = freshFlash();
    fs.writeFileSync(hostFile(baseline, 'ntp.conf'), 'local stratum 7\nclientloglimit 32\n');
    const first = boot(baseline);
    expect(first.type('config set clientloglimit 48')).toMatch(/200 OK/);
    expect(first.type('config save')).toMatch(/Saved as generation 1/);
    first.box.close();

    let outcomes = { old: 0, new: 0 };
    let completed = false;
    for (let steps = 0; steps < 1000 && !completed; steps++) {
      const flash = freshFlash();
      for (const name of fs.readdirSync(baseline)) fs.copyFileSync(path.join(baseline, name), path.join(flash, name));
      const board = boot(flash, steps);
      board.type('config set local stratum 5');
      board.type('config save');
      completed = !powerLost(board);
      expect(board.uncaught.filter((error) => !/power lost/.test(String(error)))).toEqual([]);
      board.box.close();

      const after = boot(flash);
      const shown = after.type('config show');
      const tracking = after.type('tracking');
      after.box.close();
      expect(after.uncaught, 'step ' + steps).toEqual([]);
      expect(after.output(), 'step ' + steps).not.toMatch(/no configuration without errors|line ignored/);
      if (/local stratum 5/.test(shown)) {
        outcomes.new++;
        expect(tracking).toMatch(/Stratum {9}: 5\n/);
      } else {
        outcomes.old++;
        expect(shown, 'step ' + steps).toMatch(/local stratum 7\n.*clientloglimit 48\n/s);
        expect(tracking).toMatch(/Stratum {9}: 7\n/);
      }
      // The new configuration is in force only once its write was whole.
      expect(/local stratum 5/.test(shown), 'step ' + steps).toBe(completed);
    }
    expect(completed).toBe(true);
    console.log('[powerloss] ' + (outcomes.old + outcomes.new) + ' boots after a save cut at each flash step: ' + outcomes.old +
      ' with the old configuration, ' + outcomes.new + ' (the whole write) with the new one, none broken');
    // One run per flash step: erasing, then every byte of the slot.
    expect(outcomes.old).toBeGreaterThan(60);
    expect(outcomes.new).toBe(1);
  }, 120_000);

  it('a save after a torn write works, and the board keeps serving meanwhile', () => {
    const flash = freshFlash();
    fs.writeFileSync(hostFile(flash, 'ntp.conf'), 'local stratum 7\n');
    const torn = boot(flash, 10);
    torn.type('config set local stratum 6');
    torn.type('config save');
    expect(powerLost(torn)).toBe(true);
    torn.box.close();
    const board = boot(flash);
    expect(board.type('tracking')).toMatch(/Stratum {9}: 7\n/);
    board.type('config set local stratum 6');
    expect(board.type('config save')).toMatch(/Saved as generation 1/);
    board.box.close();
    const again = boot(flash);
    expect(again.type('tracking')).toMatch(/Stratum {9}: 6\n/);
    again.box.close();
  });
});
