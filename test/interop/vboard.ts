// Spawn/stop the virtual board (board/virtual/run.mjs running firmware/ntp.js).
// Contract: host messages on stderr prefixed "[vboard] ", "[vboard] ready udp 123 -> ADDR:PORT"
// once the NTP socket is bound; serial console on stdin/stdout with prompt "ntp> ";
// SIGTERM/SIGINT exit 0 promptly.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, removeDir, sleep, stopChild, tempDir } from './peers.js';

export const PROMPT = 'ntp> ';
/** VBOARD_RUN_MJS overrides the entry point (e.g. a stub used to test this harness). */
export const RUN_MJS = process.env.VBOARD_RUN_MJS ?? join(REPO, 'board/virtual/run.mjs');
export const BUNDLE = join(REPO, 'firmware/ntp.js');

export interface VBoardOptions {
  /** Host folder for the board's flash; default: a fresh temp dir removed on stop(). */
  storage?: string;
  /** Host UDP port for device port 123 (required: pick one with freeUdpPort(), or 123 in a namespace). */
  ntpPort: number;
  /** Host TCP port for the device's port 80 (the status page); default 0: any free port, see httpUrl(). */
  httpPort?: number;
  bind?: string;
  ppm?: number;
  offset?: number;
  wander?: number;
  seed?: number;
  /** chrony.conf-like text installed as the board's configuration (e.g. "local stratum 3\n"). */
  config?: string;
  /** Flags for the board's simulated GPS receiver (attached by default), e.g. ['--no-gps'] or ['--gps-mode', 'stale']. */
  gps?: string[];
  /** Further run.mjs flags, e.g. ['--wifi-ssid', 'Lab']. */
  args?: string[];
  /** Wait for the NTP port's ready line (default); false for a board that may stay offline. */
  waitReady?: boolean;
  /** Run inside this network namespace (`ip netns exec NAME node ...`). */
  netns?: string;
  /** Upper bound on the board's life (timeout -k 5 T). Default 120 s. */
  timeoutS?: number;
  readyTimeoutMs?: number;
}

export class VBoard {
  stderr = '';
  /** Everything the console printed since boot (command() keeps only its own part). */
  transcript = '';
  private out = '';
  private queue: Promise<void> = Promise.resolve();
  private ownDir?: string;
  address = '';
  port = 0;

  private constructor(readonly child: ChildProcess) {}

  static async start(opts: VBoardOptions): Promise<VBoard> {
    if (!process.env.VBOARD_RUN_MJS && !existsSync(BUNDLE)) throw new Error(`${BUNDLE} missing: run \`npm run build\` first`);
    if (!existsSync(RUN_MJS)) throw new Error(`${RUN_MJS} missing`);
    const dir = tempDir('vboard');
    const storage = opts.storage ?? join(dir, 'storage');
    mkdirSync(storage, { recursive: true });
    const args = ['--storage', storage, '--ntp-port', String(opts.ntpPort), '--http-port', String(opts.httpPort ?? 0),
      '--bind', opts.bind ?? '127.0.0.1'];
    const num: [string, number | undefined][] = [['--ppm', opts.ppm], ['--offset', opts.offset],
      ['--wander', opts.wander], ['--seed', opts.seed]];
    // "--flag=value": a negative value must not look like an option to parseArgs.
    for (const [flag, v] of num) if (v !== undefined) args.push(`${flag}=${v}`);
    if (opts.config !== undefined) {
      writeFileSync(join(dir, 'board.conf'), opts.config);
      args.push('--config', join(dir, 'board.conf'));
    }
    if (opts.gps) args.push(...opts.gps);
    if (opts.args) args.push(...opts.args);
    const ns = opts.netns ? ['ip', 'netns', 'exec', opts.netns] : [];
    const child = spawn('timeout', ['-k', '5', String(opts.timeoutS ?? 120), ...ns, process.execPath, RUN_MJS, ...args],
      { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    const b = new VBoard(child);
    b.ownDir = dir;
    child.stdout!.on('data', (d) => {
      b.out += d;
      b.transcript += d;
    });
    child.stderr!.on('data', (d) => (b.stderr += d));
    child.stdin!.on('error', () => { /* board gone; command() reports it */ });
    try {
      if (opts.waitReady !== false) {
        await b.waitFor(() => /\[vboard\] ready udp 123 -> /.test(b.stderr), opts.readyTimeoutMs ?? 15_000, 'ready line');
        const m = /\[vboard\] ready udp 123 -> (\S+):(\d+)/.exec(b.stderr)!;
        b.address = m[1];
        b.port = Number(m[2]);
      }
      // Let a boot banner/prompt arrive so it is not mistaken for a command's output.
      await b.waitFor(() => b.out.endsWith(PROMPT), 3000, 'first prompt').catch(() => undefined);
    } catch (e) {
      await b.stop();
      throw e;
    }
    return b;
  }

  async waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
    const until = Date.now() + ms;
    while (!cond()) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`vboard exited (${this.child.exitCode ?? this.child.signalCode}) waiting for ${what}\n` +
          `stderr:\n${this.stderr}\nstdout:\n${this.out}`);
      }
      if (Date.now() > until) throw new Error(`vboard: no ${what} after ${ms} ms\nstderr:\n${this.stderr}\nstdout:\n${this.out}`);
      await sleep(20);
    }
  }

  /** The status page's base URL ("http://127.0.0.1:PORT"), once the board's HTTP server listens. */
  async httpUrl(timeoutMs = 5000): Promise<string> {
    const ready = /\[vboard\] ready http 80 -> (\S+):(\d+)/;
    await this.waitFor(() => ready.test(this.stderr), timeoutMs, 'ready http line');
    const m = ready.exec(this.stderr)!;
    return `http://${m[1]}:${m[2]}`;
  }

  /** Types raw text on the console (no waiting for a prompt). */
  type(text: string): void {
    this.child.stdin!.write(text);
  }

  /** Send one console line; resolves with the output up to the next prompt (echo and prompt removed). */
  command(line: string, timeoutMs = 5000): Promise<string> {
    const result = this.queue.then(async () => {
      this.out = '';
      this.child.stdin!.write(line + '\n');
      await this.waitFor(() => this.out.endsWith(PROMPT), timeoutMs, `prompt after "${line}"`);
      const lines = this.out.slice(0, -PROMPT.length).replace(/\r/g, '').split('\n');
      if (lines.length > 0 && lines[0].trim() === line.trim()) lines.shift();
      return lines.join('\n').replace(/\n+$/, '');
    });
    this.queue = result.then(() => undefined, () => undefined);
    return result;
  }

  /** SIGTERM by PID (forwarded by timeout), SIGKILL after 3 s; resolves with the exit code. */
  async stop(): Promise<number | null> {
    const code = await stopChild(this.child, 3000);
    removeDir(this.ownDir);
    return code;
  }
}

/** Parse `serverstats` lines ("NTP packets received       : 12") into numbers by label. */
export function parseStats(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(.+?)\s*:\s*(-?\d+)\s*$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}
