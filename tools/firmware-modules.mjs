// Turns rollup's CommonJS chunks into the firmware's Storage modules.
//
// On the device, every function object the code creates costs JsVars, while the code itself
// stays in flash. So the firmware is split the way the board rewards:
//  - one resident core, `ntp-core`: everything the boot entry reaches (the responder's hot path,
//    the services' wiring, Wi-Fi, the board's Platform) and the modules rollup.config.js names
//    RESIDENT (the callbacks on-demand code needs), in one scope so that calls inside it stay
//    direct: the global scope (see coreAtRoot), its exports the global CORE_GLOBAL;
//  - `.bootcde`, the boot program, which runs the core (eval of its Storage file) and starts it;
//  - on-demand modules (`ntpd-…`: boot, the responder's general path, the reference's upkeep, the
//    sync manager, the console's line editor and commands, configuration parsing, ntpq, the status
//    page's handlers, the board's rarely used services, and chunks only they share), which the
//    core `require`s for one event and releases at its end (Modules.removeCached);
//  - kept modules (`ntpk-…`: the GPS's receiver), loaded when the configuration needs them and
//    never released.
// The plugin checks that no on-demand entry ended up resident, rewrites the chunks' requires to
// Storage names (the core's to CORE_GLOBAL), shortens property names consistently across all of them, minifies each, and
// writes firmware/modules.json: Storage name → file, what flash.mjs uploads and the virtual board
// installs.
import fs from 'node:fs';
import path from 'node:path';
import { minify } from 'terser';

/** Storage file names are at most 28 characters. */
const MAX_STORAGE_NAME = 28;
export const CORE_MODULE = 'ntp-core';
export const ON_DEMAND_PREFIX = 'ntpd-';
/** Modules loaded when the configuration needs them and kept (src/modules.ts KEPT_PREFIX). */
export const KEPT_PREFIX = 'ntpk-';
export const MANIFEST = 'modules.json';
/** The global that holds the core's exports, for the boot program and the on-demand modules. */
export const CORE_GLOBAL = 'NTP';
/**
 * Names the core's top-level functions and variables must not take (terser's mangle.reserved): in
 * the global scope they would hide Espruino's own globals from every module (E, the pins).
 */
export const RESERVED_GLOBALS = [CORE_GLOBAL, 'E', 'Pin', 'SPI', 'I2C', 'LED', 'BTN', ...Array.from({ length: 40 }, (_, pin) => 'D' + pin)];

/**
 * The core's code as the boot program runs it: in the global scope (eval of its Storage file),
 * not as a module. A function made in a module keeps that module's scope, three JsVars more than
 * one made in the global scope, which has none; the core's fifty-odd functions stay resident
 * for good. Its exports become properties of the global CORE_GLOBAL, which the on-demand modules
 * read in place of require.
 */
export function coreAtRoot(code, fail) {
  const rooted = code.replace(/^exports\.([\w$]+) = /gm, CORE_GLOBAL + '.$1 = ');
  const stray = /\b(exports|module)\s*(\.[\w$]|\[).{0,60}/.exec(rooted);
  if (stray) fail(`${CORE_MODULE}: exports or module used other than as rollup's "exports.name = value;": ${stray[0]}`);
  return CORE_GLOBAL + ' = {};\n' + rooted;
}

/**
 * rollup's manualChunks: every module the boot entry reaches statically goes into the one
 * resident chunk; the rest is left to rollup (on-demand entries and what only they share). The
 * boot entry itself stays out of it: it runs the core first, whose exports every module loaded
 * after finds in the global CORE_GLOBAL.
 * `residentRoots` are resident too though only on-demand code imports them: the modules that
 * make the callbacks on-demand code needs (a callback made inside an on-demand module would keep
 * all of that module in memory).
 */
export function residentChunk(bootEntry, residentRoots = []) {
  let resident = null;
  let entry = null;
  return function (id, api) {
    if (resident === null) {
      resident = new Set();
      entry = [...api.getModuleIds()].find((m) => m.endsWith(bootEntry));
      const roots = [...api.getModuleIds()].filter((m) => residentRoots.some((root) => m.endsWith(root)));
      if (roots.length !== residentRoots.length) throw new Error('residentChunk: not all of ' + residentRoots.join(', ') + ' are in the build');
      const stack = entry ? [entry, ...roots] : roots;
      while (stack.length > 0) {
        const m = stack.pop();
        if (resident.has(m)) continue;
        resident.add(m);
        const info = api.getModuleInfo(m);
        if (info) stack.push(...info.importedIds);
      }
    }
    return resident.has(id) && id !== entry ? CORE_MODULE : undefined;
  };
}

/**
 * @param bootEntry   the input name of the boot program (written as `bootFile`, Storage .bootcde)
 * @param bootFile    its file name in the output folder (firmware/ntp.js)
 * @param names       property-names.mjs's propertyMangling()
 * @param terserOptions terser's options (mangle.properties is filled from `names`)
 * @param assets      other Storage files the build emits (name → file), e.g. the status page
 */
export function firmwareModules({ bootEntry, bootFile, names, terserOptions, assets }) {
  return {
    name: 'firmware-modules',
    // A module an earlier build wrote and this one does not would linger in the folder.
    renderStart(outputOptions) {
      if (!outputOptions.dir || !fs.existsSync(outputOptions.dir)) return;
      for (const file of fs.readdirSync(outputOptions.dir)) {
        if (/^ntp.*\.js$/.test(file)) fs.rmSync(path.join(outputOptions.dir, file));
      }
    },
    async generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((item) => item.type === 'chunk');
      const byFile = new Map(chunks.map((chunk) => [chunk.fileName, chunk]));
      for (const chunk of chunks) {
        if (chunk.dynamicImports.length > 0) this.error(`${chunk.fileName}: dynamic import() is not how modules load here; use Platform.load`);
      }
      const boot = chunks.find((chunk) => chunk.isEntry && chunk.name === bootEntry);
      if (!boot) this.error(`no boot entry ${bootEntry}`);
      const resident = new Set();
      const stack = [boot];
      while (stack.length > 0) {
        const chunk = stack.pop();
        if (resident.has(chunk)) continue;
        resident.add(chunk);
        for (const file of chunk.imports) stack.push(byFile.get(file));
      }
      const storageNames = new Map();
      for (const chunk of chunks) {
        let name;
        if (chunk === boot) name = '.bootcde';
        else if (chunk.isEntry) {
          name = chunk.name;
          const core = chunks.find((other) => other.name === CORE_MODULE);
          if (resident.has(chunk) || (core && chunk.facadeModuleId && core.moduleIds.includes(chunk.facadeModuleId))) {
            this.error(`${name} is an on-demand module, but the resident code imports it (import only its types)`);
          }
          if (!name.startsWith(ON_DEMAND_PREFIX) && !name.startsWith(KEPT_PREFIX)) this.error(`on-demand module ${name}: its name must start with ${ON_DEMAND_PREFIX} or ${KEPT_PREFIX}`);
        } else if (resident.has(chunk)) {
          name = chunk.name;
          if (name !== CORE_MODULE) this.error(`resident chunk ${name}: everything resident belongs in ${CORE_MODULE}`);
        } else name = ON_DEMAND_PREFIX + chunk.name.replace(/^ntpd-/, '');
        if (name.length > MAX_STORAGE_NAME) this.error(`Storage name ${name} is over ${MAX_STORAGE_NAME} characters`);
        if ([...storageNames.values()].includes(name)) this.error(`two chunks would both be Storage file ${name}`);
        storageNames.set(chunk, name);
      }
      const codes = new Map();
      for (const chunk of chunks) {
        let code = chunk.code.replace(/require\((['"])\.\/([^'"]+)\1\)/g, (_all, _quote, file) => {
          const target = byFile.get(file);
          if (!target) this.error(`${chunk.fileName} requires ${file}, which this build did not write`);
          const name = storageNames.get(target);
          // The core is not a module on the board (see coreAtRoot): its exports are a global.
          return name === CORE_MODULE ? CORE_GLOBAL : 'require(' + JSON.stringify(name) + ')';
        });
        if (storageNames.get(chunk) === CORE_MODULE) code = coreAtRoot(code, (message) => this.error(message));
        // .bootcde runs in the global scope: keep its names out of it. It runs the core first.
        if (chunk === boot) code = 'eval(require("Storage").read(' + JSON.stringify(CORE_MODULE) + '));\n(function(){' + code + '\n})();';
        codes.set(chunk, code);
      }
      names.prepare([...codes.values()]);
      const manifest = {};
      for (const chunk of chunks) {
        const storage = storageNames.get(chunk);
        const fileName = chunk === boot ? bootFile : storage + '.js';
        // FIRMWARE_READABLE=1: names kept and the code laid out, to read what the build made of it.
        const readable = process.env.FIRMWARE_READABLE === '1';
        const result = await minify(codes.get(chunk), readable ? { ecma: 5, compress: false, mangle: false, format: { beautify: true, ascii_only: true } } : terserOptions);
        delete bundle[chunk.fileName];
        this.emitFile({ type: 'asset', fileName, source: result.code });
        manifest[storage] = fileName;
      }
      for (const name of Object.keys(assets)) manifest[name] = assets[name];
      this.emitFile({ type: 'asset', fileName: path.basename(bootFile, '.js') + '.names.json', source: names.mapText() });
      this.emitFile({ type: 'asset', fileName: MANIFEST, source: JSON.stringify(manifest, null, 1) + '\n' });
    },
  };
}
