// Builds firmware/ntp.js: one file, plain ES5, minified, for Espruino; and
// beside it firmware/status.html, the status page, which goes into the
// board's Storage (flash.mjs uploads it, the virtual board installs it) so
// the bundle does not carry it.
import fs from 'node:fs';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

const STATUS_PAGE = 'src/web/status.html';

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
  input: 'board/espruino/main.ts',
  output: {
    file: 'firmware/ntp.js',
    format: 'iife',
    // Espruino re-reads source as it runs: no banner, no strict-mode prologue.
    strict: false,
    plugins: [
      terser({
        ecma: 5,
        // No function inlining: an inlined single-use function becomes a closure built on every call.
        compress: { passes: 3, pure_getters: true, inline: 1, reduce_funcs: false },
        mangle: { toplevel: true },
        // Binary-string literals stay \x escapes; Espruino source is bytes.
        format: { ascii_only: true, comments: false },
      }),
    ],
  },
  plugins: [
    statusPage(),
    typescript({
      tsconfig: 'board/espruino/tsconfig.json',
      compilerOptions: { noEmit: false, declaration: false, sourceMap: false },
      noEmitOnError: true,
    }),
  ],
};
