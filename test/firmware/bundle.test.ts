// The bundle must run on Espruino: plain ES5, no missing built-ins, small,
// built from a core that knows nothing of the board, and uploadable by
// EspruinoTools. These checks read the built firmware/ntp.js (npm test builds it).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { checkBundle } from '../../board/virtual/bundle-check.mjs';
import { KEPT_PREFIX, ON_DEMAND_PREFIX } from '../../src/modules';
import { ON_DEMAND_NAMES } from '../unit/modules';
import { allCode, BOOT_FILE, codeFiles, storageFiles } from './files';
import { espruinoArguments } from '../../board/espruino/flash.mjs';

const root = path.resolve(__dirname, '../..');
const code = codeFiles();
const bundle = allCode();

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"])\/\/.*$/gm, '$1');
}

describe('firmware bundle', () => {
  it('is plain ES5 with no built-in Espruino lacks, and uses no function before its declaration runs', () => {
    for (const name of Object.keys(code)) expect(checkBundle(code[name], { module: name !== BOOT_FILE }), name).toEqual([]);
  });

  it('is a boot program, one resident core and modules loaded on demand, as rollup.config.js lists them', () => {
    // The boot program runs the core in the global scope (tools/firmware-modules.mjs coreAtRoot), then starts the appliance.
    expect(code[BOOT_FILE]).toMatch(/^eval\(require\("Storage"\)\.read\("ntp-core"\)\),function\(\){var [a-z]=NTP;.{0,40}}\(\);\n?$/);
    const onDemand = Object.keys(code).filter((name) => name.startsWith(ON_DEMAND_PREFIX) || name.startsWith(KEPT_PREFIX));
    for (const name of ON_DEMAND_NAMES) expect(onDemand).toContain(name);
    // The board's own (its rarely used services), besides the core's.
    expect(onDemand).toContain('ntpd-board');
    // The build's list (rollup.config.js ON_DEMAND) names the same modules as src/modules.ts (the
    // unit tests' map of them, test/unit/modules.ts, has each once).
    const config = fs.readFileSync(path.join(root, 'rollup.config.js'), 'utf8');
    const table = /export const ON_DEMAND = \{([^}]*)\}/.exec(config)![1];
    expect([...table.matchAll(/'(ntp[dk]-[a-z0-9-]+)':/g)].map((m) => m[1]).sort()).toEqual([...ON_DEMAND_NAMES].sort());
    // Everything else is the core: nothing resident but it.
    expect(Object.keys(code).filter((name) => name !== BOOT_FILE && !onDemand.includes(name))).toEqual(['ntp-core']);
  });

  it('is ASCII only (binary literals are escapes)', () => {
    expect(/^[\x09\x0a\x0d\x20-\x7e]*$/.test(bundle)).toBe(true);
  });

  // Issue 2's target is under 60 KB; since issue 6 (console, ntpq, status page, Wi-Fi) the bundle
  // misses it, and `npm run bench` prints it as FAIL. This ceiling only stops it growing unnoticed:
  // raising it is a decision to write down, not a fix.
  it('stays under its 96 KB ceiling', () => {
    expect(Buffer.byteLength(code['ntp-core'])).toBeLessThan(96 * 1024);
  });

  it('the checker itself catches what Espruino would refuse', () => {
    // Espruino creates a declared function only when execution reaches the declaration.
    expect(checkBundle('var t = {run: g}; function g() {}')[0]).toMatch(/before its declaration runs/);
    expect(checkBundle('function f() { return g(); function g() { return 1; } }')[0]).toMatch(/before its declaration runs/);
    expect(checkBundle('function g() {} var t = {run: g}; var u = function () { return h(); }; function h() {}')).toEqual([]);
    // A var in a branch that may not run, then the name outside it: the enclosing scope's variable is written.
    expect(checkBundle('function f(a) { if (a) { for (var i = 0; i < 2; i++) {} } for (i = 0; i < 2; i++) {} }')[0]).toMatch(/outside the branch/);
    expect(checkBundle('function f(a) { var l; if (a) { var u = 1; } return a ? (l = 2) : u; }')[0]).toMatch(/outside the branch/);
    expect(checkBundle('function f(a) { var i, j; if (a) { for (i = 0; i < 2; i++) {} } for (i = 0; i < 2; i++) j = i; return j; }')).toEqual([]);
    expect(checkBundle('function f(a) { for (var i = 0; i < 2; i++) { if (a) { var k = i; k++; } } return i; }')).toEqual([]);
    // Nor a var: before its statement runs, the name is the enclosing scope's (the device's sync manager overwrote a module function so).
    expect(checkBundle('function f(r) { for (var c = 0; c < 2; c++) { var p = (D = r[c]).x; var D; } }')[0]).toMatch(/D before its var declaration/);
    expect(checkBundle('function f(r) { var D = r[0]; D = r[1]; return function () { return D; }; }')).toEqual([]);
    // Found in the real interpreter: missing number methods, and regular expressions its engine gets wrong.
    expect(checkBundle('var s = (1.5).toExponential(3);')[0]).toMatch(/toExponential/);
    expect(checkBundle('var s = (1.5).toPrecision(3);')[0]).toMatch(/toPrecision/);
    expect(checkBundle('var ok = /^[1-9][0-9]?$/.test("8");')[0]).toMatch(/quantifier/);
    expect(checkBundle('var ok = /^[0-9]{1,4}$/.test("8");')[0]).toMatch(/quantifier/);
    expect(checkBundle('var ok = /^[0-9]+$/.test("8");')).toEqual([]);
    expect(checkBundle('exports.x = 1;')[0]).toMatch(/exports/);
    expect(checkBundle('exports.x = 1;', { module: true })).toEqual([]);
    expect(checkBundle('let x = 1;')[0]).toMatch(/not plain ES5/);
    expect(checkBundle('var f = (a) => a;')[0]).toMatch(/not plain ES5/);
    expect(checkBundle('var m = new Map();')[0]).toMatch(/Map/);
    expect(checkBundle('var s = Symbol("x");')[0]).toMatch(/Symbol/);
    expect(checkBundle('var a = Array.prototype.slice.call(arguments);')[0]).toMatch(/Array\.prototype/);
    expect(checkBundle('var i = Number.isInteger(3);')[0]).toMatch(/Number\.isInteger/);
    expect(checkBundle('var t = Math.pow(2, 32);')[0]).toMatch(/inexact/);
    expect(checkBundle('var Map = 3; var o = {Map: 1}; o.Map = Map;')).toEqual([]);
  });
});

describe('the core is platform-free', () => {
  const files = sourceFiles(path.join(root, 'src'));

  it('has sources to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('never imports from board/ or Node', () => {
    for (const file of files) {
      const source = fs.readFileSync(file, 'utf8');
      const imports = [...source.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
      for (const target of imports) {
        expect(target.startsWith('.'), `${file} imports ${target}`).toBe(true);
        const resolved = path.resolve(path.dirname(file), target);
        expect(resolved.startsWith(path.join(root, 'src')), `${file} imports ${target}`).toBe(true);
      }
    }
  });

  it('never touches an Espruino or Node global', () => {
    const forbidden = /\b(getTime|setTime|setInterval|setTimeout|clearInterval|clearTimeout|setWatch|require|Serial\d|LoopbackA|E\.|process|Buffer|global)\b/;
    for (const file of files) {
      const match = withoutComments(fs.readFileSync(file, 'utf8')).match(forbidden);
      expect(match, `${file} uses ${match?.[0]}`).toBeNull();
    }
  });
});

describe('flashing', () => {
  it('EspruinoTools turns the bundle and the status page into a Storage upload that rebuilds them byte for byte', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flash-'));
    try {
      const payloadFile = path.join(dir, 'upload.js');
      const cli = path.join(root, 'node_modules/espruino/bin/espruino-cli.js');
      execFileSync(process.execPath, [cli, ...espruinoArguments({ dryRunFile: payloadFile })], { stdio: 'pipe', timeout: 60_000 });
      const payload = fs.readFileSync(payloadFile, 'utf8');
      // Nothing but Storage writes (EspruinoTools sends the page first, then .bootcde).
      expect(payload).toMatch(/^require\("Storage"\)\.write\("/);
      expect(payload).toMatch(/^require\("Storage"\)\.write\("\.bootcde"/m);
      // Replay the upload against a recording Storage, as the board would run it.
      const files: Record<string, Buffer> = {};
      const storage = {
        write(name: string, data: string, offset?: number, size?: number) {
          const bytes = Buffer.from(data, 'latin1');
          if (size !== undefined) files[name] = Buffer.alloc(size);
          bytes.copy(files[name], offset ?? 0);
          return true;
        },
      };
      vm.runInNewContext(payload, {
        require: (name: string) => (name === 'Storage' ? storage : undefined),
        atob: (text: string) => Buffer.from(text, 'base64').toString('latin1'),
      });
      // Every file the build wrote (the boot program, the core, the modules, the status page), byte for byte.
      const built = storageFiles();
      expect(Object.keys(files).sort()).toEqual(Object.keys(built).sort());
      for (const name of Object.keys(built)) expect(files[name].equals(fs.readFileSync(built[name])), name).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
