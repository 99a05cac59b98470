// Start/stop helpers for the bench: the virtual board and chronyd, each bounded
// in time and stopped by PID. Only 127.0.0.1 is used.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runLoad } from './loadgen.mjs';

const live = new Set(); // child processes we started and have not seen exit

function killAll() {
  for (const c of live) { try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { killAll(); process.exit(130); });
}

function track(child) {
  live.add(child);
  child.exitInfo = null;
  child.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => { live.delete(child); child.exitInfo = { code, signal }; resolve(child.exitInfo); });
    child.on('error', (err) => { live.delete(child); child.exitInfo = { code: null, signal: null, error: String(err) }; resolve(child.exitInfo); });
  });
  return child;
}

/** Wait for exit up to ms; returns exit info or null on timeout. */
function waitExit(child, ms) {
  return Promise.race([child.exited, new Promise((r) => setTimeout(() => r(null), ms).unref())]);
}

/** SIGTERM by PID, then SIGKILL after graceMs. Resolves with exit info. */
export async function stopChild(child, graceMs = 10000) {
  if (child.exitInfo) return child.exitInfo;
  try { process.kill(child.pid, 'SIGTERM'); } catch { /* already gone */ }
  const info = await waitExit(child, graceMs);
  if (info) return info;
  try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
  return (await waitExit(child, 5000)) ?? { code: null, signal: 'SIGKILL?' };
}

/** User+system CPU seconds of a process (all threads), from /proc; null if unreadable. */
export function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // after "pid (comm) ": f[0]=state ... utime=f[11], stime=f[12]
    return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ is 100 on Linux
  } catch { return null; }
}

/** Children PIDs of pid (first level), from /proc. */
export function childPids(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch { return []; }
}

/** Poll a server with single requests until one is answered (bounded). */
export async function waitAnswering(port, tries = 20) {
  for (let i = 0; i < tries; i++) {
    const r = await runLoad({ port, sockets: 1, window: 1, maxRequests: 1, durationSec: 1, timeoutMs: 200 });
    if (r.answered > 0) return true;
    await new Promise((res) => setTimeout(res, 200));
  }
  return false;
}

/**
 * Spawn the virtual board and wait for its "[vboard] ready" line.
 * opts: { root, port, coverageDir, logFile, readyTimeoutMs, config }
 */
export async function startBoard(opts) {
  const root = opts.root;
  const port = opts.port ?? 11123;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-board-'));
  const storage = path.join(tmp, 'storage');
  fs.mkdirSync(storage);
  const conf = path.join(tmp, 'ntp.conf');
  fs.writeFileSync(conf, opts.config ?? 'local stratum 3\n');
  const env = { ...process.env };
  delete env.NODE_V8_COVERAGE;
  if (opts.coverageDir) env.NODE_V8_COVERAGE = opts.coverageDir;
  const args = [path.join(root, 'board/virtual/run.mjs'), '--storage', storage,
    '--ntp-port', String(port), '--bind', '127.0.0.1', '--config', conf];
  const child = track(spawn(process.execPath, args, { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] }));
  const log = opts.logFile ? fs.createWriteStream(opts.logFile) : null;
  const readyRe = new RegExp(`\\[vboard\\] ready udp 123 -> 127\\.0\\.0\\.1:${port}\\b`);
  let buf = '';
  const ready = new Promise((resolve) => {
    const onData = (d) => {
      log?.write(d);
      if (buf !== null) {
        buf += d.toString();
        if (readyRe.test(buf)) { buf = null; resolve(true); }
        else if (/EADDRINUSE/.test(buf)) { buf = null; resolve(false); } // port taken: fail fast
        else if (buf.length > 1 << 20) buf = buf.slice(-4096);
      }
    };
    // the line is expected on stderr; stdout is watched too, to be lenient
    child.stderr.on('data', onData);
    child.stdout.on('data', onData);
    child.exited.then(() => resolve(false));
    setTimeout(() => resolve(false), opts.readyTimeoutMs ?? 20000).unref();
  });
  const ok = await ready;
  const board = {
    kind: 'board', child, pid: child.pid, serverPid: child.pid, port, tmp,
    async stop() {
      const info = await stopChild(child);
      log?.end();
      fs.rmSync(tmp, { recursive: true, force: true });
      return info;
    },
  };
  if (!ok) {
    const info = await board.stop();
    throw new Error(`virtual board did not report ready (exit ${JSON.stringify(info)}); see ${opts.logFile ?? 'stderr'}`);
  }
  return board;
}

/** Path of the chronyd binary: .peers/chrony first, then PATH; null if none. */
export function findChronyd(root) {
  const local = path.join(root, '.peers/chrony/usr/sbin/chronyd');
  if (fs.existsSync(local)) return local;
  for (const p of ['/usr/sbin/chronyd', '/usr/bin/chronyd']) if (fs.existsSync(p)) return p;
  try { return execFileSync('sh', ['-c', 'command -v chronyd'], { encoding: 'utf8' }).trim() || null; } catch { return null; }
}

/**
 * Start chronyd as a local stratum-1 server on 127.0.0.1:port, never touching the
 * clock (-x, no CAP_SYS_TIME in the bounding set), bounded by timeout -k 5 LIMIT.
 */
export async function startChronyd(opts) {
  const bin = opts.bin;
  const port = opts.port ?? 11124;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-chronyd-'));
  const conf = path.join(tmp, 'chrony.conf');
  fs.writeFileSync(conf, [
    `port ${port}`, 'bindaddress 127.0.0.1', 'local stratum 1', 'allow 127.0.0.1', 'cmdport 0',
    `pidfile ${path.join(tmp, 'chronyd.pid')}`, `driftfile ${path.join(tmp, 'chrony.drift')}`, ...(opts.extraConfig ?? []), '',
  ].join('\n'));
  const limit = String(opts.limitSec ?? 60);
  const child = track(spawn('timeout', ['-k', '5', limit, 'setpriv', '--bounding-set', '-sys_time', '--',
    bin, '-x', '-d', '-u', 'root', '-f', conf], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const log = opts.logFile ? fs.createWriteStream(opts.logFile) : null;
  child.stdout.on('data', (d) => log?.write(d));
  child.stderr.on('data', (d) => log?.write(d));
  const srv = {
    kind: 'chronyd', child, pid: child.pid, serverPid: child.pid, port, tmp,
    async stop() {
      // timeout(1) forwards SIGTERM to chronyd and exits with its status
      const info = await stopChild(child);
      log?.end();
      fs.rmSync(tmp, { recursive: true, force: true });
      return info;
    },
  };
  const ok = await waitAnswering(port, 25);
  if (!ok) {
    const info = await srv.stop();
    throw new Error(`chronyd did not answer on 127.0.0.1:${port} (exit ${JSON.stringify(info)})`);
  }
  // timeout -> (setpriv exec'd into) chronyd: its CPU is what we want to sample
  srv.serverPid = childPids(child.pid)[0] ?? child.pid;
  return srv;
}
