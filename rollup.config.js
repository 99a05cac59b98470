// Builds the firmware into firmware/: plain ES5, minified, for Espruino, as Storage modules
// (tools/firmware-modules.mjs says why and how): ntp.js (the boot program, .bootcde), the
// resident core ntp-core.js, the on-demand modules ntpd-*.js, modules.json (Storage name → file,
// what flash.mjs uploads and the virtual board installs), and the status page status.html,
// which goes into Storage too so the code does not carry it.
import fs from 'node:fs';
import typescript from '@rollup/plugin-typescript';
import { propertyMangling } from './board/espruino/property-names.mjs';
import { firmwareModules, RESERVED_GLOBALS, residentChunk } from './tools/firmware-modules.mjs';

// Property names are shortened too (terser mangle.properties): Espruino re-reads the
// source as it runs, so short names make the bundle both smaller and cheaper to run.
// board/espruino/property-names.mjs decides from the types which names may change, and the
// build stops on a name it did not decide on. What code must do for that to hold:
//  - An object whose keys are data (looked up by a string a user typed or a file holds) is
//    typed with an index signature, `{ [name: string]: T }` (as DIRECTIVES):
//    its keys are then written quoted and kept, whatever else is shortened.
//  - Espruino's objects are typed where they enter, in a .d.ts (board/espruino/
//    espruino-extra.d.ts) or in board/espruino/, not as `any`: the names of every such type
//    the code reaches are kept. A src/ type standing for one (Peer for rinfo, UdpSocket)
//    has no name that type lacks (TypeScript checks this where the object is handed over).
//  - src/'s own objects are reached as `obj.name`. Reaching one by a computed name, for-in,
//    Object.keys, JSON or a cast to `any` is allowed but keeps all the names of its type.
// firmware/ntp.names.json lists what became what, to read errors reported by a board.
const names = propertyMangling('src');

const STATUS_PAGE = 'src/web/status.html';
const BOOT_ENTRY = 'board/espruino/main.ts';

/**
 * The modules loaded on demand: Storage name → entry. The core reaches them only through
 * Platform.load (src/modules.ts names them; a test checks the two lists agree).
 */
export const ON_DEMAND = {
  'ntpd-console': 'src/console/commands.ts',
  'ntpd-cmd-tracking': 'src/console/trackingcmd.ts',
  'ntpd-cmd-reports': 'src/console/reportcmds.ts',
  'ntpd-cmd-details': 'src/console/detailcmds.ts',
  'ntpd-cmd-server': 'src/console/servercmds.ts',
  'ntpd-cmd-sources': 'src/console/control.ts',
  'ntpd-cmd-access': 'src/console/accesscmd.ts',
  'ntpd-cmd-clock': 'src/console/clockcmd.ts',
  'ntpd-cmd-step': 'src/console/stepcmd.ts',
  'ntpd-cmd-config': 'src/console/configcmd.ts',
  'ntpd-cmd-log': 'src/console/logcmd.ts',
  'ntpd-cmd-system': 'src/console/system.ts',
  'ntpd-cmd-help': 'src/console/help.ts',
  'ntpd-config': 'src/config/parse.ts',
  'ntpd-mode6': 'src/serve/mode6.ts',
  'ntpd-mode6-auth': 'src/serve/mode6auth.ts',
  'ntpd-web': 'src/web/pages.ts',
  'ntpd-web-status': 'src/web/status-json.ts',
  'ntpd-web-sources': 'src/web/sources.ts',
  'ntpd-logtext': 'src/stats/logtext.ts',
  'ntpd-sync': 'src/sync/manager.ts',
  'ntpd-sync-poll': 'src/sync/poll.ts',
  'ntpd-sync-assoc': 'src/sync/associations.ts',
  'ntpd-sync-update': 'src/sync/update.ts',
  'ntpd-stats': 'src/stats/statistics.ts',
  'ntpd-sync-auth': 'src/sync/sourceauth.ts',
  'ntpd-boot': 'src/boot.ts',
  'ntpd-config-load': 'src/config/load.ts',
  'ntpd-auth': 'src/serve/authreply.ts',
  'ntpd-shell': 'src/console/shell.ts',
  'ntpd-request': 'src/serve/request.ts',
  'ntpd-replyheader': 'src/serve/replyheader.ts',
  'ntpd-reference': 'src/clock/reference.ts',
  'ntpd-broadcast': 'src/serve/broadcast.ts',
  'ntpd-gps': 'src/refclock/gps.ts',
  'ntpd-wifi': 'src/net/wifi.ts',
  // Kept once loaded (src/modules.ts KEPT_PREFIX).
  'ntpk-gps': 'src/refclock/receiver.ts',
};

/**
 * The board's own on-demand modules: its rarely used services (Platform.services), which the
 * board loads itself (board/espruino/platform.ts SERVICES_MODULE).
 */
export const BOARD_ON_DEMAND = {
  'ntpd-board': 'board/espruino/services.ts',
};

/**
 * Resident although only on-demand modules import them: they make the callbacks (timers, sockets,
 * lookups) that on-demand code asks for, since a callback made inside an on-demand module would
 * keep that whole module in memory.
 */
export const RESIDENT = ['src/sync/events.ts', 'src/net/link.ts'];

/** The page with indentation, blank lines and whole-line // comments taken out. */
function statusPage() {
  return {
    name: 'status-page',
    buildStart() {
      this.addWatchFile(STATUS_PAGE);
    },
    generateBundle() {
      const lines = fs.readFileSync(STATUS_PAGE, 'utf8').split('\n').map((line) => line.trim());
      const source = lines.filter((line) => line !== '' && !line.startsWith('//')).join('\n') + '\n';
      this.emitFile({ type: 'asset', fileName: 'status.html', source });
    },
  };
}

export default {
  input: { ntp: BOOT_ENTRY, ...ON_DEMAND, ...BOARD_ON_DEMAND },
  // An on-demand module keeps every export: the core calls it by name.
  preserveEntrySignatures: 'strict',
  output: {
    dir: 'firmware',
    format: 'cjs',
    // Espruino re-reads source as it runs: no banner, no strict-mode prologue, no __esModule flag.
    strict: false,
    esModule: false,
    generatedCode: 'es5',
    freeze: false,
    entryFileNames: '[name].js',
    chunkFileNames: '[name].js',
    manualChunks: residentChunk(BOOT_ENTRY, RESIDENT),
    plugins: [
      firmwareModules({
        bootEntry: 'ntp',
        bootFile: 'ntp.js',
        names,
        assets: { 'status.html': 'status.html' },
        terserOptions: {
          ecma: 5,
          // No function inlining: an inlined single-use function becomes a closure built on every call.
          // No collapse_vars: it moves assignments before a `var`, which Espruino does not hoist
          // (board/virtual/bundle-check.mjs refuses the result). hoist_vars: every `var` at the top
          // of its function, since a `var` inside a branch that did not run leaves the name to the
          // enclosing scope (two loops sharing a counter overwrote a module's function on the device).
          compress: { passes: 3, pure_getters: true, inline: 1, reduce_funcs: false, collapse_vars: false, hoist_vars: true },
          mangle: { toplevel: true, reserved: RESERVED_GLOBALS, properties: names.terserOptions },
          // Binary-string literals stay \x escapes; Espruino source is bytes.
          format: { ascii_only: true, comments: false },
        },
      }),
    ],
  },
  plugins: [
    statusPage(),
    typescript({
      tsconfig: 'board/espruino/tsconfig.json',
      compilerOptions: { noEmit: false, declaration: false, sourceMap: false },
      noEmitOnError: true,
      transformers: names.transformers,
    }),
  ],
};
