// Helpers for real NTP peers (chronyd/chronyc, ntpdig, python3-ntplib, tshark) and
// network namespaces. Rules (see /work/shared/interop.md): peers never move this
// machine's clock, every process runs under `timeout -k` and is stopped by its PID,
// traffic stays on 127.0.0.0/8 or inside namespaces created here.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync, chmodSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CI = process.env.CI === 'true';
export const INSTALL_HINT = 'run `bash .ci/install-peers.sh` as root';

// ---------------------------------------------------------------- locating peers

export type PeerName = 'chronyd' | 'chronyc' | 'ntpdig' | 'ntpq' | 'tshark' | 'ntplib' | 'netns' | 'chromium';

function onPath(cmd: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin']);
  for (const d of dirs) {
    if (d && existsSync(join(d, cmd))) return join(d, cmd);
  }
  return undefined;
}

const found = new Map<PeerName, string | undefined>();

/** Absolute path of a peer's executable, or undefined if it is not installed. */
export function peerPath(name: PeerName): string | undefined {
  if (found.has(name)) return found.get(name);
  let p: string | undefined;
  switch (name) {
    case 'chronyd':
      p = [join(REPO, '.peers/chrony/usr/sbin/chronyd')].find((f) => existsSync(f)) ?? onPath('chronyd');
      break;
    case 'chronyc':
      p = [join(REPO, '.peers/chrony/usr/bin/chronyc')].find((f) => existsSync(f)) ?? onPath('chronyc');
      break;
    case 'ntpdig':
    case 'ntpq':
    case 'tshark':
    case 'chromium':
      p = onPath(name);
      break;
    case 'ntplib': {
      const py = '/usr/bin/python3';
      const r = existsSync(py) ? spawnSync(py, ['-c', 'import ntplib'], { timeout: 10_000 }) : undefined;
      p = r && r.status === 0 ? py : undefined;
      break;
    }
    case 'netns': {
      const root = process.getuid?.() === 0;
      p = root ? onPath('ip') : undefined;
      break;
    }
  }
  // Everything is run as `timeout -k .. setpriv ..`: both must exist too.
  if (p && (!onPath('timeout') || !onPath('setpriv'))) p = undefined;
  found.set(name, p);
  return p;
}

/**
 * Policy for missing peers. Returns undefined when all are present. When one is
 * missing: under CI (CI=true) throws, so the test file fails; otherwise returns a
 * skip note for `describe.skipIf(note !== undefined)` (and warns once).
 */
export function requirePeer(...names: PeerName[]): string | undefined {
  const missing = names.filter((n) => !peerPath(n));
  if (missing.length === 0) return undefined;
  const what = missing.map((n) => (n === 'netns' ? 'netns (root + iproute2)' : n)).join(', ');
  const msg = `missing peer(s): ${what}; ${INSTALL_HINT}`;
  if (CI) throw new Error(`CI=true and ${msg}`);
  console.warn(`[interop] skipping: ${msg}`);
  return msg;
}

// ---------------------------------------------------------------- processes

export interface RunResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** `timeout -k 2 T [ip netns exec NS] cmd args`, collecting output. Never rejects on exit status. */
export function run(cmd: string, args: string[], opts: { timeoutS?: number; netns?: string; input?: string } = {}): Promise<RunResult> {
  const t = opts.timeoutS ?? 20;
  const pre = opts.netns ? ['ip', 'netns', 'exec', opts.netns] : [];
  const child = spawn('timeout', ['-k', '2', String(t), ...pre, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  // A command that exits before reading its input (chronyc refusing at once) closes the pipe:
  // that EPIPE is its answer, not an error of the test; its exit status and output tell.
  child.stdin.on('error', () => undefined);
  child.stdin.end(opts.input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** SIGTERM a child by PID, SIGKILL after graceMs; resolves with its exit code. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
    return Promise.resolve(child.exitCode);
  }
  return new Promise((resolve) => {
    const kill = setTimeout(() => {
      try { process.kill(child.pid!, 'SIGKILL'); } catch { /* already gone */ }
    }, graceMs);
    child.once('exit', (code) => { clearTimeout(kill); resolve(code); });
    try { process.kill(child.pid!, 'SIGTERM'); } catch { /* already gone */ }
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A fresh 0700 temp dir (chronyd refuses a command socket in a more open folder). */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `ntpt-${prefix}-`));
  chmodSync(d, 0o700);
  return d;
}

export function removeDir(d: string | undefined): void {
  if (d) rmSync(d, { recursive: true, force: true });
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const dgram = await import('node:dgram');
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

// ---------------------------------------------------------------- chronyd

export interface ChronydOptions {
  /** 'client': poll the server at 127.0.0.1:serverPort. 'server': serve local stratum 1 on port. */
  role: 'client' | 'server';
  port: number;
  address?: string;
  timeoutS?: number;
  extraConfig?: string[];
  /** Run inside this network namespace (ip netns exec). */
  netns?: string;
}

export class Chronyd {
  readonly dir: string;
  readonly sock: string;
  private child?: ChildProcess;
  log = '';

  constructor(readonly opts: ChronydOptions) {
    this.dir = tempDir('chronyd');
    this.sock = join(this.dir, 'chronyd.sock');
  }

  config(): string {
    const { role, port } = this.opts;
    const addr = this.opts.address ?? '127.0.0.1';
    const common = [
      'cmdport 0',
      `bindcmdaddress ${this.sock}`,
      `pidfile ${join(this.dir, 'chronyd.pid')}`,
      `driftfile ${join(this.dir, 'chronyd.drift')}`,
    ];
    const own = role === 'client'
      ? [`server ${addr} port ${port} iburst minpoll -2 maxpoll 0`, 'port 0']
      : [`port ${port}`, `bindaddress ${addr}`, 'local stratum 1', `allow ${addr}`];
    return [...own, ...common, ...(this.opts.extraConfig ?? [])].join('\n') + '\n';
  }

  /** Start in the foreground (-d), never touching the clock (-x, no CAP_SYS_TIME). */
  async start(): Promise<void> {
    const conf = join(this.dir, 'chronyd.conf');
    writeFileSync(conf, this.config());
    const t = String(this.opts.timeoutS ?? 120);
    const ns = this.opts.netns ? ['ip', 'netns', 'exec', this.opts.netns] : [];
    this.child = spawn('timeout', ['-k', '5', t, ...ns, 'setpriv', '--bounding-set', '-sys_time', '--',
      peerPath('chronyd')!, '-x', '-d', '-u', 'root', '-f', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.log += d));
    this.child.stderr!.on('data', (d) => (this.log += d));
    // Ready when the command socket answers.
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (this.child.exitCode !== null) throw new Error(`chronyd exited ${this.child.exitCode}:\n${this.log}`);
      if (existsSync(this.sock)) {
        const r = await this.chronyc('tracking').catch(() => undefined);
        if (r !== undefined) return;
      }
      await sleep(100);
    }
    throw new Error(`chronyd did not start:\n${this.log}`);
  }

  /** `chronyc -n -h <sock> <args>`; rejects if chronyc fails. */
  async chronyc(...args: string[]): Promise<string> {
    const r = await run(peerPath('chronyc')!, ['-n', '-h', this.sock, ...args], { timeoutS: 10 });
    if (r.code !== 0) throw new Error(`chronyc ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** Poll `chronyc sources` until a source is selected (`^*`). Returns the last output. */
  async waitSelected(timeoutMs = 20_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    let out = '';
    while (Date.now() < until) {
      out = await this.chronyc('sources');
      if (/^\^\*/m.test(out)) return out;
      await sleep(250);
    }
    const data = await this.chronyc('ntpdata').catch((e: Error) => e.message);
    throw new Error(`no source selected after ${timeoutMs} ms:\n${out}\n${data}\nchronyd log:\n${this.log}`);
  }

  /** `chronyc ntpdata [addr]` parsed into { 'NTP tests': '111 111 1111', Stratum: '3', ... }. */
  async ntpdata(addr?: string): Promise<Record<string, string>> {
    return parseColon(await this.chronyc('ntpdata', ...(addr ? [addr] : [])));
  }

  /**
   * ntpdata once a reply has passed every test. chrony's test C (maxdelaydevratio)
   * judges one sample's delay against the offsets' spread: against a source stable to
   * microseconds, one loopback delay spike on a loaded machine fails it for that sample
   * alone, as it should. So wait (bounded) for a reply whose every bit is 1; a source
   * failing any test persistently still fails.
   */
  async ntpdataAllPassed(addr: string, tries = 15): Promise<Record<string, string>> {
    let data: Record<string, string> = {};
    for (let i = 0; i < tries; i++) {
      data = await this.ntpdata(addr);
      if (data['NTP tests'] === '111 111 1111') break;
      await sleep(1000);
    }
    return data;
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child);
    removeDir(this.dir);
  }
}

/** Parse chronyc's `Key   : value` layout. */
export function parseColon(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^([^:]+?)\s*:\s?(.*)$/.exec(line);
    if (m && !(m[1] in out)) out[m[1].trim()] = m[2].trim();
  }
  return out;
}

// ---------------------------------------------------------------- network namespaces

let nsCount = 0;
const liveNs = new Set<string>();

/** `ip netns add ntpt-<pid>-<n>` with loopback up. Delete it with deleteNetns in afterAll. */
export async function createNetns(): Promise<string> {
  const name = `ntpt-${process.pid}-${++nsCount}`;
  const add = await run('ip', ['netns', 'add', name], { timeoutS: 10 });
  if (add.code !== 0) throw new Error(`ip netns add ${name}: ${add.stderr}`);
  liveNs.add(name);
  const up = await run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up'], { timeoutS: 10 });
  if (up.code !== 0) throw new Error(`lo up in ${name}: ${up.stderr}`);
  return name;
}

export async function deleteNetns(name: string | undefined): Promise<void> {
  if (!name) return;
  await run('ip', ['netns', 'delete', name], { timeoutS: 10 });
  liveNs.delete(name);
}

process.on('exit', () => {
  for (const ns of liveNs) spawnSync('ip', ['netns', 'delete', ns], { timeout: 5000 });
});

// ---------------------------------------------------------------- ntpq

/** Run ntpsec's ntpq (mode-6 queries only; it cannot set the clock, and runs without CAP_SYS_TIME anyway). */
export function ntpq(args: string[], opts: { netns?: string; timeoutS?: number } = {}): Promise<RunResult> {
  return run('setpriv', ['--bounding-set', '-sys_time', '--', peerPath('ntpq')!, ...args], { netns: opts.netns, timeoutS: opts.timeoutS ?? 15 });
}

// ---------------------------------------------------------------- ntpdig

/** Run ntpdig (query only: -s/-S/--step/--slew are refused here). */
export function ntpdig(args: string[], opts: { netns?: string; timeoutS?: number } = {}): Promise<RunResult> {
  if (args.some((a) => /^-[a-zA-Z]*[sS]/.test(a) || /^--(step|slew)/.test(a))) {
    throw new Error(`ntpdig ${args.join(' ')}: refusing options that set the clock`);
  }
  return run(peerPath('ntpdig')!, args, { netns: opts.netns, timeoutS: opts.timeoutS ?? 15 });
}

// ---------------------------------------------------------------- python3-ntplib

export interface NtplibStats {
  leap: number; version: number; mode: number; stratum: number; poll: number; precision: number;
  root_delay: number; root_dispersion: number; ref_id: number;
  ref_timestamp: number; orig_timestamp: number; recv_timestamp: number; tx_timestamp: number;
  offset: number; delay: number;
  /** recv_timestamp/tx_timestamp are NTP-era seconds; these are Unix seconds. */
  recv_time: number; tx_time: number;
}

const NTPLIB_PY = `
import json, sys, ntplib
host, port, version = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = ntplib.NTPClient().request(host, port=port, version=version, timeout=3)
keys = ['leap','version','mode','stratum','poll','precision','root_delay','root_dispersion','ref_id',
        'ref_timestamp','orig_timestamp','recv_timestamp','tx_timestamp','offset','delay','recv_time','tx_time']
print(json.dumps({k: getattr(r, k) for k in keys}))
`;

/** One ntplib request from /usr/bin/python3 (ntplib decodes, it does not judge), in `netns` if given. */
export async function ntplibQuery(host: string, port: number, version = 3, netns?: string): Promise<NtplibStats> {
  const r = await run(peerPath('ntplib')!, ['-c', NTPLIB_PY, host, String(port), String(version)], { timeoutS: 15, netns });
  if (r.code !== 0) throw new Error(`ntplib query failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as NtplibStats;
}

// ---------------------------------------------------------------- tshark

export const TSHARK_FIELDS = [
  'ntp.flags.li', 'ntp.flags.vn', 'ntp.flags.mode', 'ntp.stratum', 'ntp.ppoll', 'ntp.precision',
  'ntp.rootdelay', 'ntp.rootdispersion', 'ntp.refid', 'ntp.reftime', 'ntp.org', 'ntp.rec', 'ntp.xmt',
  'udp.payload', '_ws.malformed', 'ip.src', 'udp.srcport', 'ip.dst', 'udp.dstport',
] as const;
export type TsharkRow = Record<(typeof TSHARK_FIELDS)[number], string>;

export class Capture {
  readonly dir = tempDir('tshark');
  readonly file = join(this.dir, 'capture.pcapng');
  private child?: ChildProcess;
  private exited?: Promise<void>;
  log = '';

  /** `where`: an interface other than lo, the network namespace it lives in, and a capture filter other than `udp port P`. */
  constructor(readonly port: number, readonly durationS = 20, readonly where: { iface?: string; netns?: string; filter?: string } = {}) {}

  /** Start `tshark -i lo -f 'udp port P' -a duration:N -w file`; resolves once capturing. */
  async start(): Promise<void> {
    const ns = this.where.netns ? ['ip', 'netns', 'exec', this.where.netns] : [];
    this.child = spawn('timeout', ['-k', '2', String(this.durationS + 10), ...ns, peerPath('tshark')!,
      '-i', this.where.iface ?? 'lo', '-f', this.where.filter ?? `udp port ${this.port}`, '-a', `duration:${this.durationS}`, '-w', this.file],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.log += d));
    this.child.stderr!.on('data', (d) => (this.log += d));
    this.exited = new Promise((r) => this.child!.once('exit', () => r()));
    const until = Date.now() + 15_000;
    while (!/Capturing on/.test(this.log)) {
      if (this.child.exitCode !== null || Date.now() > until) throw new Error(`tshark did not start:\n${this.log}`);
      await sleep(50);
    }
    await sleep(500); // "Capturing on" is printed a moment before packets are really taken
  }

  /** Stop early (SIGTERM by PID; tshark flushes the file), or wait for the duration. */
  async stop(): Promise<void> {
    await sleep(300);
    if (this.child) await stopChild(this.child);
    await this.exited;
  }

  /** Decode the capture as NTP on this port (and on `alsoNtpPorts`), one row per packet. */
  async decode(alsoNtpPorts: number[] = []): Promise<TsharkRow[]> {
    const decodeAs = [this.port, ...alsoNtpPorts].flatMap((port) => ['-d', `udp.port==${port},ntp`]);
    const args = ['-r', this.file, ...decodeAs, '-T', 'fields',
      '-E', 'separator=\t', '-E', 'occurrence=a', ...TSHARK_FIELDS.flatMap((f) => ['-e', f])];
    const r = await run(peerPath('tshark')!, args, { timeoutS: 20 });
    if (r.code !== 0) throw new Error(`tshark -r failed: ${r.stderr}`);
    return r.stdout.split('\n').filter((l) => l.length > 0).map((line) => {
      const cols = line.split('\t');
      return Object.fromEntries(TSHARK_FIELDS.map((f, i) => [f, cols[i] ?? ''])) as TsharkRow;
    });
  }

  cleanup(): void {
    removeDir(this.dir);
  }
}

/** tshark 4.0 prints signed 8-bit fields (poll, precision) as unsigned. */
export function signed8(v: string | number): number {
  const n = Number(v);
  return n > 127 ? n - 256 : n;
}

export function readText(f: string): string {
  return readFileSync(f, 'utf8');
}
