// The real Espruino interpreter (../shared/espruino/, built for Linux with the ESP32's memory
// layout) as a test board: flash the upload payload `npm run flash -- --dry-run` writes, boot it
// with a chosen number of JsVars, drive its console over stdin/stdout and its network inside a
// namespace. Memory, parse errors and cost are judged here, not in the virtual board.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CI, REPO } from '../interop/peers';
export { wifiStandIn } from './wifi-standin.mjs';

export const ESPRUINO_DIR = join(REPO, '..', 'shared', 'espruino');
const BUILD_SCRIPT = join(ESPRUINO_DIR, 'build.sh');
/** The build the payload is run in to write Storage (it must hold the whole payload). */
export const FLASHING_VARS = 16383;
/** A stock ESP32 WROOM board without PSRAM: about this many JsVars in all. */
export const DEVICE_VARS = 3000;
/** The budgets, in JsVars. */
export const BUDGET = { bootBare: 1200, bootFull: 1500, peak: 2400 };
export const INSTALL_HINT = 'apt-get install gcc-multilib g++-multilib qemu-user valgrind (as .ci/install-peers.sh does)';

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { timeout: 5000 }).status === 0;
}

let missingNote: string | undefined | null = null;

/**
 * Undefined when the real interpreter can be built and run here; otherwise a skip note, or
 * (under CI=true) an error: the device tests must run in CI.
 */
export function requireDevice(): string | undefined {
  if (missingNote === null) {
    const missing: string[] = [];
    if (!existsSync(BUILD_SCRIPT)) missing.push(BUILD_SCRIPT);
    if (!commandExists('qemu-i386')) missing.push('qemu-i386 (qemu-user)');
    if (!commandExists('gcc') || spawnSync('sh', ['-c', "echo 'int main(){return 0;}' | gcc -m32 -x c -o /dev/null -"], { timeout: 30000 }).status !== 0) {
      missing.push('gcc -m32 (gcc-multilib)');
    }
    if (process.getuid?.() !== 0 || !commandExists('ip')) missing.push('root and iproute2 (network namespaces)');
    missingNote = missing.length === 0 ? undefined : `real interpreter unavailable: missing ${missing.join(', ')}; ${INSTALL_HINT}`;
  }
  if (missingNote === undefined) return undefined;
  if (CI) throw new Error('CI=true and ' + missingNote);
  console.warn('[device] skipping: ' + missingNote);
  return missingNote;
}

/** The interpreter binary for a build (built once and cached by build.sh; about a minute the first time). */
export function interpreter(vars: number, arch: 32 | 64 = 32): string {
  const result = spawnSync('bash', [BUILD_SCRIPT, '--arch', String(arch), '--vars', String(vars)], { encoding: 'utf8', timeout: 900_000 });
  if (result.status !== 0) throw new Error(`build.sh --arch ${arch} --vars ${vars} failed:\n${result.stderr}`);
  return result.stdout.trim().split('\n').pop()!;
}

/** The command line that runs a binary of `arch` here (32-bit programs under qemu-i386). */
function launcher(binary: string, arch: 32 | 64): string[] {
  return arch === 32 ? ['qemu-i386', binary] : [binary];
}

/** The exact upload `npm run flash -- --dry-run FILE` writes: the statements a board executes. */
export function uploadPayload(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ntp-payload-'));
  try {
    const file = join(dir, 'upload.js');
    const result = spawnSync(process.execPath, [join(REPO, 'board/espruino/flash.mjs'), '--dry-run', file], { encoding: 'utf8', timeout: 120_000 });
    if (result.status !== 0) throw new Error('flash.mjs --dry-run failed:\n' + result.stderr + result.stdout);
    return readFileSync(file, 'latin1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A Storage write statement, as the upload does it, for a test file (configuration, keys, stand-ins). */
function storageWrite(name: string, text: string): string {
  return `require("Storage").write(${JSON.stringify(name)},atob(${JSON.stringify(Buffer.from(text, 'latin1').toString('base64'))}));\n`;
}

/**
 * The Storage folders flash() made (256 KB each), removed when the test process exits: a test
 * may boot a folder again after a reboot, up to its end.
 */
const flashedDirs: string[] = [];
process.on('exit', () => {
  for (const dir of flashedDirs) rmSync(dir, { recursive: true, force: true });
});

/** Statements run per interpreter start while flashing: the interpreter holds a script whole in its JsVars. */
const FLASH_BATCH_CHARACTERS = 40_000;

/**
 * Flashes a fresh Storage: the test's own files first (a Wifi stand-in, ntp.conf, …), then the
 * firmware's upload payload, each line a statement the board executes, run as scripts in a build
 * big enough to hold them (typing the payload into the console raced in this interpreter), a
 * batch of lines per start since Storage persists in the folder. Returns the folder whose
 * espruino.flash holds the result.
 */
export function flash(payload: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ntp-device-'));
  flashedDirs.push(dir);
  // Each start runs .boot0 and .bootcde if Storage has them, as a board does (and a running
  // .boot0 timer keeps quit() from exiting): the test's files and the boot program come last,
  // in the last batch.
  const lines = payload.split('\n').filter((line) => line.trim() !== '');
  const isBoot = (line: string) => line.indexOf('write(".bootcde"') >= 0;
  const statements = lines.filter((line) => !isBoot(line)).map((line) => line + '\n');
  let last = Object.keys(files).map((name) => storageWrite(name, files[name])).join('');
  for (const line of lines.filter(isBoot)) last += line + '\n';
  const batches: string[] = [];
  for (const statement of statements) {
    if (batches.length === 0 || batches[batches.length - 1].length + statement.length > FLASH_BATCH_CHARACTERS) batches.push('');
    batches[batches.length - 1] += statement;
  }
  batches.push(last);
  for (const batch of batches) {
    writeFileSync(join(dir, 'flash.js'), batch + 'quit();\n', 'latin1');
    const result = spawnSync('timeout', ['-s', 'KILL', '120', ...launcher(interpreter(FLASHING_VARS), 32), 'flash.js'], { cwd: dir, encoding: 'latin1', timeout: 130_000 });
    const bad = /Uncaught|OUT OF MEMORY|Error/.exec(result.stdout ?? '');
    if (result.status !== 0 || bad) throw new Error(`flashing failed (${result.status}): ${(result.stdout ?? '').slice(-2000)}${result.stderr ?? ''}`);
  }
  rmSync(join(dir, 'flash.js'));
  return dir;
}

/**
 * Runs before .bootcde (Storage file .boot0): pins a ballast of JsVars so that the interpreter
 * runs out (LOW_MEMORY) exactly when the firmware's own would pass `limit`, and samples the live
 * count between events. Two things that are not the firmware's are measured here and left out of
 * every figure: the ballast (`__probe.ballast`), and the Wifi stand-in (`__probe.standIn`),
 * loaded here first. The stand-in is JavaScript only because the Linux build has no Wifi module:
 * an ESP32's is native code, whose functions take no JsVars. What the firmware adds to it (its
 * event handlers) it does after boot, and that counts.
 */
export function memoryProbe(totalVars: number, limit: number): string {
  return `(function(){var m=process.memory();var p={base:m.usage,ballast:0,standIn:0,peak:0,samples:0,total:m.total};global.__probe=p;
if(require("Storage").read("Wifi")!==undefined){var w=process.memory().usage;require("Wifi");p.standIn=process.memory().usage-w;}
var want=${totalVars}-${limit}-p.standIn;var list=[];var before=process.memory().usage;
while(want>0&&process.memory().usage-before<want-2){list.push(new Uint8Array(Math.max(1,(want-(process.memory().usage-before)-3)*(m.blocksize||13))));}
while(process.memory().usage-before<want){list.push(0);}
p.keep=list;p.ballast=process.memory().usage-before;
setInterval(function(){var u=process.memory().usage-p.ballast-p.standIn;if(u>p.peak)p.peak=u;p.samples++;},50);})();`;
}

export interface BootOptions {
  /** JsVars in the build (default: a stock WROOM board's 3,000). */
  vars?: number;
  arch?: 32 | 64;
  netns?: string;
  /** Seconds before the interpreter is killed whatever happens. */
  timeoutS?: number;
  /** Extra command-line arguments for the interpreter (none normally). */
  args?: string[];
  /** Run under this wrapper (e.g. valgrind's command line); 64-bit builds only. */
  wrapper?: string[];
}

const PROMPT = 'ntp> ';
/** Characters typed at once by typeInPieces, and the pause after each piece. */
const TYPED_PIECE = 64;
const TYPED_PIECE_PAUSE_MS = 20;
/** What the interpreter prints when something went wrong that a test must never see. */
export const FAILURE_PATTERN = /OUT OF MEMORY|LOW_MEMORY|Execution Interrupted|Uncaught|MEMORY_BUSY|FIFO_FULL|Too much recursion/;

/** One interpreter running over a flashed Storage folder: its console is stdin/stdout. */
export class Device {
  output = '';
  private child: ChildProcess;
  private waiters: Array<() => void> = [];

  private constructor(child: ChildProcess) {
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => this.append(d.toString('latin1')));
    child.stderr!.on('data', (d: Buffer) => this.append(d.toString('latin1')));
    child.on('exit', () => this.append(''));
    child.stdin!.on('error', () => undefined);
  }

  /** Boots the interpreter in `dir` (it runs .boot0, then .bootcde, as a board after reset). */
  static boot(dir: string, options: BootOptions = {}): Device {
    const arch = options.arch ?? 32;
    const binary = interpreter(options.vars ?? DEVICE_VARS, arch);
    const command = [...(options.wrapper ?? []), ...launcher(binary, arch), ...(options.args ?? [])];
    const prefix = options.netns ? ['ip', 'netns', 'exec', options.netns] : [];
    const child = spawn('timeout', ['-s', 'KILL', String(options.timeoutS ?? 120), ...prefix, ...command], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    return new Device(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private append(text: string): void {
    this.output += text;
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }

  /** Resolves with the output from `from` on once `pattern` appears there; rejects after `timeoutMs` or if the interpreter exits. */
  async waitFor(pattern: RegExp, timeoutMs = 20_000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.output.slice(from);
      if (pattern.test(text)) return text;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`interpreter exited waiting for ${pattern}:\n${this.tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${pattern}:\n${this.tail()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  tail(chars = 3000): string {
    return this.output.slice(-chars);
  }

  /** Types raw bytes on the console. */
  type(text: string): void {
    this.child.stdin!.write(Buffer.from(text, 'latin1'));
  }

  /**
   * Types a long line a piece at a time, as a terminal's paste arrives. Once, right after a
   * reboot and with the other test files loading the machine, a 270-character line typed at once
   * came back garbled (a character missing, the line redrawn with cursor moves) and failed to
   * parse; why is not known. This is the mitigation.
   */
  async typeInPieces(text: string): Promise<void> {
    for (let i = 0; i < text.length; i += TYPED_PIECE) {
      this.type(text.slice(i, i + TYPED_PIECE));
      await new Promise((resolve) => setTimeout(resolve, TYPED_PIECE_PAUSE_MS));
    }
  }

  /** Types a command line and returns what it printed before the next prompt. */
  async command(line: string, timeoutMs = 20_000): Promise<string> {
    const from = this.output.length;
    this.type(line + '\r');
    const text = await this.waitFor(new RegExp('[\\s\\S]*\\n' + PROMPT.replace('>', '\\>') + '$|\\r' + PROMPT), timeoutMs, from);
    // The echo of the line, then the answer, then the prompt.
    const echoEnd = text.indexOf('\n');
    const body = echoEnd < 0 ? text : text.slice(echoEnd + 1);
    return body.slice(0, body.lastIndexOf(PROMPT)).replace(/\r/g, '');
  }

  /** The `repl` command: the JavaScript console on this port until ntpConsole(). */
  async enterRepl(timeoutMs = 20_000): Promise<void> {
    const from = this.output.length;
    this.type('repl\r');
    await this.waitFor(/Type ntpConsole\(\) to return/, timeoutMs, from);
  }

  /**
   * Evaluates a JavaScript expression in the interpreter through the `repl` command and comes
   * back to the NTP console: what a person at the board can do too.
   */
  async evaluate(expression: string, timeoutMs = 20_000): Promise<string> {
    await this.enterRepl(timeoutMs);
    const from = this.output.length;
    // The marker is split in the typed text so that the echo does not match it.
    await this.typeInPieces(`print("<<"+"EVAL"+">>"+JSON.stringify(${expression})+"<<"+"END>>")\r`);
    const text = await this.waitFor(/<<EVAL>>[\s\S]*?<<END>>/, timeoutMs, from);
    const match = /<<EVAL>>([\s\S]*?)<<END>>/.exec(text)!;
    const back = this.output.length;
    this.type('ntpConsole()\r');
    await this.waitFor(new RegExp(PROMPT), timeoutMs, back);
    return match[1];
  }

  /** The probe's figures: JsVars in use now (after a collection, ballast and Wifi stand-in excluded), peak sampled between events, ballast, stand-in. */
  async memory(): Promise<{ usage: number; peak: number; ballast: number; standIn: number; total: number; errors: string[] }> {
    const text = await this.evaluate('(function(){var p=global.__probe||{ballast:0,standIn:0,peak:0};var m=process.memory();return {usage:m.usage-p.ballast-p.standIn,peak:p.peak,ballast:p.ballast,standIn:p.standIn,total:m.total,errors:E.getErrorFlags()};})()');
    return JSON.parse(text);
  }

  /** Everything printed that a test must never see (out of memory, uncaught errors, …). */
  failures(): string[] {
    return this.output.split('\n').filter((line) => FAILURE_PATTERN.test(line));
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      // The child is `timeout`, which runs the interpreter in a process group of its own (GNU
      // timeout calls setpgid unless --foreground): killing only timeout's PID left the
      // interpreter running, orphaned and polling its sockets, for ever. Kill that group, by
      // timeout's PID, then timeout itself if the group is gone already.
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* no such group */ }
      try { process.kill(child.pid!, 'SIGKILL'); } catch { resolve(); }
    });
  }
}
