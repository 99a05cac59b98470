// The real-interpreter cost per served request (issue 10, part 3): callgrind instructions
// inside jsiExecuteEvents (where the dgram 'message' callbacks run) per NTP reply, in the
// 64-bit build of ../shared/espruino, for the firmware and for a ten-line hand-written
// responder in the same run, and their ratio.
//
//   node test/bench/device-cost.mjs [--requests N (500)] [--warmup N (50)] [--runs R (1)]
//                                   [--root DIR] [--keep]
//
// Each setup gets its own Storage folder, flashed the way test/device/device.ts flashes a
// board (the `npm run flash -- --dry-run` payload run as scripts in the interpreter, the
// test's files and .bootcde last), and its own network namespace. The interpreter runs there
// under valgrind --tool=callgrind --toggle-collect=jsiExecuteEvents; a client in the
// namespace waits for the first reply (boot), sends the warm-up, then the counters are zeroed
// (callgrind_control -z), the measured batch is sent one request at a time (each reply
// awaited), and the counters are dumped (callgrind_control -d). Instructions of the dump /
// replies received = instructions per request. Everything is bounded (timeout -s KILL,
// kill by PID, namespaces deleted). Writes test/bench/out/device-cost.json.
//
// Also the NTP client itself: `node device-cost.mjs --client PORT COUNT [--wait S]`, run by
// the bench inside the namespace; prints one JSON line.

import { wifiStandIn } from '../device/wifi-standin.mjs';
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SELF = fileURLToPath(import.meta.url);
/** ../shared/espruino beside this checkout (not beside --root: another checkout may not have one). */
const BUILD_SCRIPT = path.resolve(HERE, '../../../shared/espruino/build.sh');

/** Targets (issue 10): firmware / hand-written instructions per request. */
export const TARGETS = { plain: 1.3, limited: 1.5 };

/** The firmware's configurations measured: no access rules, and access control + rate limiting that never limits. */
export const CONFIGS = {
  plain: 'local stratum 10\n',
  limited: 'local stratum 10\nallow 127.0.0.0/8\nratelimit interval -10 burst 255\n',
};

/**
 * The hand-written responder the firmware is held against: a dgram socket on port 123 whose
 * 'message' handler answers a mode-3 request with a mode-4 reply built by String.fromCharCode
 * (the request's version, poll and transmit timestamp — into the origin field — copied; receive
 * time on arrival and transmit time before sending from getTime(); stratum 1, refid LOCL,
 * reference time = receive time, root delay and dispersion zero).
 */
export const HANDWRITTEN = `var d=require("dgram").createSocket("udp4");
function ts(){var t=getTime(),s=Math.floor(t),f=(t-s)*4294967296;s+=2208988800;
  return String.fromCharCode(s>>>24,(s>>16)&255,(s>>8)&255,s&255,f>>>24,(f>>>16)&255,(f>>>8)&255,f&255);}
d.on("message",function(m,r){
  var rx=ts();
  if(m.length<48||(m.charCodeAt(0)&7)!=3)return;
  d.send(String.fromCharCode((m.charCodeAt(0)&0x38)|4,1,m.charCodeAt(2),0xEC,0,0,0,0,0,0,0,0)+"LOCL"+rx+m.substr(40,8)+rx+ts(),r.port,r.address);
});
d.bind(123);
`;

/** The Wifi stand-in the device tests use (no flaps): the Linux build has no Wifi module. */
export const WIFI_STAND_IN = wifiStandIn();

const FLASH_BATCH_CHARACTERS = 40_000;
/** A client address outside 127.0.0.0/8 (on the namespace's lo): denied by the access rules, served without them. */
const OUTSIDE = '10.9.9.9';
const NTP_EPOCH_OFFSET = 2208988800;
const FAILURE_PATTERN = /OUT OF MEMORY|LOW_MEMORY|Execution Interrupted|Uncaught|MEMORY_BUSY|FIFO_FULL|Too much recursion/;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- pure helpers (unit-tested)

/** The total instruction count of a callgrind output file's text ("totals:" or "summary:", first event). */
export function callgrindTotal(text) {
  const m = /^totals:\s+(\d+)/m.exec(text) ?? /^summary:\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : null;
}

/** Instructions per reply, the ratio to the hand-written responder, and the verdict against `target`. */
export function costFigures(firmware, handwritten, target) {
  const per = (r) => (r && r.instructions != null && r.replies > 0 ? Math.round(r.instructions / r.replies) : null);
  const fw = per(firmware);
  const hw = per(handwritten);
  const ratio = fw != null && hw != null && hw > 0 ? Math.round((fw / hw) * 1000) / 1000 : null;
  return { firmware: fw, handwritten: hw, ratio, target, pass: ratio == null ? null : ratio <= target };
}

/** A 48-byte mode-3 (client, version 4) request whose transmit timestamp is (sec, frac). */
export function ntpRequest(sec, frac) {
  const b = Buffer.alloc(48);
  b[0] = 0x23;
  b.writeUInt32BE(sec >>> 0, 40);
  b.writeUInt32BE(frac >>> 0, 44);
  return b;
}

/** 'reply' (mode 4, origin = our transmit, stratum ≠ 0), 'kod' (stratum 0), or 'bad'. */
export function classifyReply(reply, request) {
  if (reply.length < 48 || (reply[0] & 7) !== 4) return 'bad';
  if (!reply.subarray(24, 32).equals(request.subarray(40, 48))) return 'bad';
  return reply[1] === 0 ? 'kod' : 'reply';
}

/** One line of the printed figures. */
export function describe(label, f) {
  if (!f || f.firmware == null || f.handwritten == null) return `device cost${label}: n/a`;
  return `device cost${label}: firmware ${f.firmware} instr/request, hand-written ${f.handwritten}, ratio ${f.ratio} (target ≤ ${f.target}) ${f.pass ? 'PASS' : 'FAIL'}`;
}

// ---------------------------------------------------------------- the client (in the namespace)

async function client(port, count, waitS, timeoutMs, bindAddress) {
  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(0, bindAddress, r));
  let pending = null;
  sock.on('message', (msg) => { if (pending) pending(msg); });
  const base = Math.floor(Date.now() / 1000) + NTP_EPOCH_OFFSET;
  let seq = 0;
  const once = (ms) => new Promise((resolve) => {
    seq++;
    const req = ntpRequest(base, (seq * 7919 + 1) >>> 0);
    const timer = setTimeout(() => { pending = null; resolve('lost'); }, ms);
    pending = (msg) => {
      const kind = classifyReply(msg, req);
      if (kind === 'bad') return; // a late reply to an earlier request: keep waiting
      out.stratum = msg[1];
      clearTimeout(timer); pending = null; resolve(kind);
    };
    sock.send(req, port, '127.0.0.1');
  });
  const out = { sent: 0, replies: 0, kod: 0, lost: 0, stratum: null, bootMs: null, ms: 0 };
  const t0 = Date.now();
  if (waitS > 0) { // boot: one request a second until the first reply
    for (;;) {
      const k = await once(1000);
      if (k !== 'lost') { out.bootMs = Date.now() - t0; break; }
      if (Date.now() - t0 > waitS * 1000) { out.bootMs = null; break; }
    }
  }
  const t1 = Date.now();
  let lostInRow = 0;
  for (let i = 0; i < count && lostInRow < 20; i++) { // 20 lost in a row: the server is gone
    const k = await once(timeoutMs);
    out.sent++;
    if (k === 'reply') out.replies++; else if (k === 'kod') out.kod++; else out.lost++;
    lostInRow = k === 'lost' ? lostInRow + 1 : 0;
  }
  out.ms = Date.now() - t1;
  sock.close();
  return out;
}

// ---------------------------------------------------------------- the measurement (root only)

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { encoding: 'latin1', timeout: 60_000, ...opts });
}

function commandExists(name) {
  return run('sh', ['-c', `command -v ${name}`], { timeout: 5000 }).status === 0;
}

/** Undefined when the measurement can run here, else why not. */
export function missingPrerequisites(root) {
  const missing = [];
  if (!fs.existsSync(BUILD_SCRIPT)) missing.push(BUILD_SCRIPT);
  for (const c of ['valgrind', 'callgrind_control', 'ip', 'timeout']) if (!commandExists(c)) missing.push(c);
  if (process.getuid?.() !== 0) missing.push('root (network namespaces)');
  if (!fs.existsSync(path.join(root, 'firmware', 'modules.json'))) missing.push('firmware/ (npm run build)');
  return missing.length ? 'missing ' + missing.join(', ') : undefined;
}

function interpreter64() {
  const r = run('bash', [BUILD_SCRIPT, '--arch', '64', '--vars', '16383'], { timeout: 900_000 });
  if (r.status !== 0) throw new Error('build.sh --arch 64 failed: ' + (r.stderr || '').slice(-1500));
  return r.stdout.trim().split('\n').pop();
}

function uploadPayload(root) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ntp-cost-payload-'));
  try {
    const file = path.join(dir, 'upload.js');
    const r = run(process.execPath, [path.join(root, 'board/espruino/flash.mjs'), '--dry-run', file], { timeout: 120_000 });
    if (r.status !== 0) throw new Error('flash.mjs --dry-run failed: ' + r.stderr + r.stdout);
    return fs.readFileSync(file, 'latin1');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function storageWrite(name, text) {
  return `require("Storage").write(${JSON.stringify(name)},atob(${JSON.stringify(Buffer.from(text, 'latin1').toString('base64'))}));\n`;
}

/**
 * A fresh Storage folder: the payload's statements in batches, then the given files and the
 * payload's .bootcde last (each start runs .bootcde if Storage has one), as test/device/device.ts.
 */
function flash(binary, payload, files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ntp-cost-flash-'));
  const lines = payload.split('\n').filter((l) => l.trim() !== '');
  const isBoot = (l) => l.indexOf('write(".bootcde"') >= 0;
  let last = Object.keys(files).map((n) => storageWrite(n, files[n])).join('');
  for (const l of lines.filter(isBoot)) last += l + '\n';
  const batches = [];
  for (const l of lines.filter((x) => !isBoot(x))) {
    if (!batches.length || batches[batches.length - 1].length + l.length + 1 > FLASH_BATCH_CHARACTERS) batches.push('');
    batches[batches.length - 1] += l + '\n';
  }
  batches.push(last);
  try {
    for (const batch of batches) {
      fs.writeFileSync(path.join(dir, 'flash.js'), batch + 'quit();\n', 'latin1');
      const r = run('timeout', ['-s', 'KILL', '60', binary, 'flash.js'], { cwd: dir, timeout: 70_000 });
      const bad = /Uncaught|OUT OF MEMORY|Error/.exec(r.stdout ?? '');
      if (r.status !== 0 || bad) throw new Error(`flashing failed (${r.status}): ${(r.stdout ?? '').slice(-1500)}${r.stderr ?? ''}`);
    }
    fs.rmSync(path.join(dir, 'flash.js'));
    return dir;
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

function netnsAdd(name) {
  let r = run('ip', ['netns', 'add', name], { timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip netns add ${name}: ${r.stderr}`);
  live.netns.add(name);
  r = run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up'], { timeout: 10_000 });
  if (r.status === 0) r = run('ip', ['netns', 'exec', name, 'ip', 'addr', 'add', OUTSIDE + '/32', 'dev', 'lo'], { timeout: 10_000 });
  if (r.status !== 0) { netnsDelete(name); throw new Error(`lo in ${name}: ${r.stderr}`); }
}

function netnsDelete(name) {
  run('ip', ['netns', 'delete', name], { timeout: 10_000 });
  live.netns.delete(name);
}

/** The client in the namespace; resolves with its JSON result. */
function clientIn(ns, count, { waitS = 0, timeoutMs = 2000, from = '127.0.0.1' } = {}) {
  const limit = Math.ceil(waitS + (count * timeoutMs) / 1000 + 30);
  const child = spawn('timeout', ['-s', 'KILL', String(limit), 'ip', 'netns', 'exec', ns, process.execPath, SELF,
    '--client', '123', String(count), '--wait', String(waitS), '--timeout-ms', String(timeoutMs), '--from', from], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.pids.add(child.pid);
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      live.pids.delete(child.pid);
      const line = out.trim().split('\n').pop();
      try { resolve(JSON.parse(line)); } catch { reject(new Error(`client failed (${code}): ${out.slice(-1500)}`)); }
    });
  });
}

/** What this process started and has not cleaned up: killed by PID and deleted on exit. */
const live = { pids: new Set(), netns: new Set() };
function cleanUp() {
  for (const pid of live.pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  for (const ns of live.netns) netnsDelete(ns);
  live.pids.clear(); live.netns.clear();
}
process.on('exit', cleanUp);

async function childOf(pid, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      if (kids.length) return kids[0];
    } catch { /* not yet */ }
    await sleep(50);
  }
  return null;
}

function callgrindControl(flag, pid) {
  const r = run('callgrind_control', [flag, String(pid)], { timeout: 60_000 });
  if (r.status !== 0) throw new Error(`callgrind_control ${flag} ${pid} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/**
 * One setup under callgrind: boot, warm-up, zero, measured batch, dump. Returns
 * { instructions, replies, kod, lost, sent, bootMs, batchMs, failures }.
 */
async function measureOne(label, binary, dir, opts, log) {
  const ns = `ntpcost-${process.pid}-${label}`;
  const cgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ntp-cost-cg-'));
  const logFile = path.join(opts.outDir, `device-cost-${label}.log`);
  let output = '';
  let child = null;
  let vgPid = null;
  netnsAdd(ns);
  try {
    const hardLimit = Math.ceil(opts.bootS + opts.warmup * 3 + opts.requests * 3 + 120);
    child = spawn('timeout', ['-s', 'KILL', String(hardLimit), 'ip', 'netns', 'exec', ns,
      'valgrind', '--tool=callgrind', '--toggle-collect=jsiExecuteEvents', `--callgrind-out-file=${path.join(cgDir, 'callgrind.out')}`,
      binary], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    const append = (d) => { if (output.length < 2_000_000) output += d.toString('latin1'); };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    child.stdin.on('error', () => undefined);
    live.pids.add(child.pid);
    vgPid = await childOf(child.pid, 10_000);
    if (!vgPid) throw new Error('valgrind did not start');
    live.pids.add(vgPid);
    const boot = await clientIn(ns, 0, { waitS: opts.bootS });
    if (boot.bootMs == null) throw new Error(`${label}: no reply within ${opts.bootS} s of start:\n${output.slice(-2000)}`);
    log(`  ${label}: first reply ${(boot.bootMs / 1000).toFixed(1)} s after start; warm-up ${opts.warmup}`);
    const warm = await clientIn(ns, opts.warmup);
    callgrindControl('-z', vgPid);
    const batch = await clientIn(ns, opts.requests);
    const before = new Set(fs.readdirSync(cgDir));
    callgrindControl('-d', vgPid);
    let dump = null;
    for (let i = 0; i < 100 && !dump; i++) {
      const fresh = fs.readdirSync(cgDir).filter((f) => !before.has(f));
      if (fresh.length) dump = path.join(cgDir, fresh.sort().pop());
      else await sleep(100);
    }
    if (!dump) throw new Error(`${label}: callgrind_control -d wrote no dump`);
    let instructions = null;
    for (let i = 0; i < 50 && instructions == null; i++) { // the file may still be being written
      instructions = callgrindTotal(fs.readFileSync(dump, 'latin1'));
      if (instructions == null) await sleep(100);
    }
    // Not counted (after the dump): do the configurations say what they should? Two requests
    // from outside 127/8 must be answered with no access rules and dropped with them.
    const outside = await clientIn(ns, 2, { timeoutMs: 1000, from: OUTSIDE });
    const failures = output.split('\n').filter((l) => FAILURE_PATTERN.test(l)).slice(0, 5);
    const r = {
      instructions, sent: batch.sent, replies: batch.replies, kod: batch.kod, lost: batch.lost,
      warmup: { sent: warm.sent, replies: warm.replies, kod: warm.kod, lost: warm.lost },
      stratum: batch.stratum, outsideAnswered: outside.replies + outside.kod,
      bootMs: boot.bootMs, batchMs: batch.ms, failures,
    };
    log(`  ${label}: ${r.replies}/${r.sent} replies (${r.kod} kod, ${r.lost} lost) in ${(r.batchMs / 1000).toFixed(1)} s, ${instructions} instructions, ${r.replies ? Math.round(instructions / r.replies) : 'n/a'} per reply`);
    return r;
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      if (vgPid) { try { process.kill(vgPid, 'SIGKILL'); } catch { /* gone */ } }
      try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
      await Promise.race([exited, sleep(10_000)]);
    }
    if (child) live.pids.delete(child.pid);
    if (vgPid) live.pids.delete(vgPid);
    netnsDelete(ns);
    try { fs.writeFileSync(logFile, output); } catch { /* no out dir */ }
    fs.rmSync(cgDir, { recursive: true, force: true });
  }
}

/**
 * The whole measurement. Returns the result object (also written to OUT/device-cost.json):
 * { plain: {firmware, handwritten, ratio, target, pass}, limited: {…}, runs: {...}, errors, skipped }.
 */
export async function measureDeviceCost(options = {}) {
  const root = path.resolve(options.root ?? path.resolve(HERE, '../..'));
  const outDir = options.outDir ?? path.join(HERE, 'out');
  const log = options.log ?? ((...a) => console.error('[device-cost]', ...a));
  const opts = { requests: options.requests ?? 500, warmup: options.warmup ?? 50, bootS: options.bootS ?? 60, outDir };
  const repeat = Math.max(1, Math.min(options.runs ?? 1, 3));
  fs.mkdirSync(outDir, { recursive: true });
  const t0 = Date.now();
  const result = {
    when: new Date().toISOString(),
    method: 'callgrind instructions inside jsiExecuteEvents per served request, 64-bit build --vars 16383; ' +
      `warm-up ${opts.warmup}, measured ${opts.requests} sent one at a time`,
    configs: CONFIGS, handwrittenSource: HANDWRITTEN,
    plain: null, limited: null, rounds: [], errors: [], skipped: null, seconds: null,
  };
  const write = () => {
    result.seconds = Math.round((Date.now() - t0) / 100) / 10;
    fs.writeFileSync(path.join(outDir, 'device-cost.json'), JSON.stringify(result, null, 2) + '\n');
  };
  const missing = missingPrerequisites(root);
  if (missing) { result.skipped = missing; log('skipped: ' + missing); write(); return result; }
  const dirs = [];
  try {
    const binary = interpreter64();
    const payload = uploadPayload(root);
    log('flashing: hand-written responder, firmware (plain), firmware (access control + rate limiting)');
    const setups = {
      handwritten: flash(binary, '', { '.bootcde': HANDWRITTEN }),
      plain: flash(binary, payload, { Wifi: WIFI_STAND_IN, 'ntp.conf': CONFIGS.plain }),
      limited: flash(binary, payload, { Wifi: WIFI_STAND_IN, 'ntp.conf': CONFIGS.limited }),
    };
    dirs.push(...Object.values(setups));
    for (let round = 1; round <= repeat; round++) {
      const runs = {};
      for (const label of ['handwritten', 'plain', 'limited']) {
        try {
          runs[label] = await measureOne(label, binary, setups[label], opts, log);
          if (runs[label].failures.length) result.errors.push(`${label}: interpreter printed ${JSON.stringify(runs[label].failures)}`);
          const want = { handwritten: [1, 2], plain: [10, 2], limited: [10, 0] }[label];
          if (runs[label].stratum !== want[0]) result.errors.push(`${label}: served stratum ${runs[label].stratum}, expected ${want[0]} (configuration not in force?)`);
          if (runs[label].outsideAnswered !== want[1]) result.errors.push(`${label}: ${runs[label].outsideAnswered} of 2 requests from ${OUTSIDE} answered, expected ${want[1]} (access rules not as configured?)`);
          if (runs[label].kod || runs[label].lost) result.errors.push(`${label}: ${runs[label].kod} kiss-o'-death and ${runs[label].lost} lost of ${runs[label].sent} (not counted as served)`);
        } catch (e) {
          result.errors.push(`${label}: ${String(e.message ?? e).slice(0, 2000)}`);
          runs[label] = null;
        }
      }
      result.rounds.push({
        runs,
        plain: costFigures(runs.plain, runs.handwritten, TARGETS.plain),
        limited: costFigures(runs.limited, runs.handwritten, TARGETS.limited),
      });
    }
    // The verdict: the last round (every round is listed in the JSON; they agree closely).
    const last = result.rounds[result.rounds.length - 1];
    result.plain = last.plain;
    result.limited = last.limited;
  } catch (e) {
    result.errors.push(String(e.message ?? e).slice(0, 2000));
  } finally {
    if (!options.keep) for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    write();
  }
  return result;
}

// ---------------------------------------------------------------- command line

function argValue(argv, name, dflt) {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
}

async function main(argv) {
  if (argv[0] === '--client') {
    const res = await client(Number(argv[1]), Number(argv[2]), Number(argValue(argv, '--wait', '0')), Number(argValue(argv, '--timeout-ms', '2000')), argValue(argv, '--from', '127.0.0.1'));
    console.log(JSON.stringify(res));
    return;
  }
  const r = await measureDeviceCost({
    root: argValue(argv, '--root', undefined),
    requests: Number(argValue(argv, '--requests', '500')),
    warmup: Number(argValue(argv, '--warmup', '50')),
    runs: Number(argValue(argv, '--runs', '1')),
    keep: argv.includes('--keep'),
  });
  if (r.skipped) console.log('device cost: skipped (' + r.skipped + ')');
  r.rounds.forEach((round, i) => {
    const tag = r.rounds.length > 1 ? ` [round ${i + 1}]` : '';
    console.log(describe(tag, round.plain));
    console.log(describe(' with access control + rate limiting' + tag, round.limited));
  });
  for (const e of r.errors) console.log('  note: ' + e);
  console.log(`(wrote ${path.relative(process.cwd(), path.join(HERE, 'out', 'device-cost.json'))} in ${r.seconds} s)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  setTimeout(() => { console.error('[device-cost] time limit reached'); process.exit(3); }, 15 * 60 * 1000).unref();
  main(process.argv.slice(2)).catch((e) => { console.error(e); process.exit(2); });
}
