// Builds firmware/ntp.js: one file, plain ES5, minified, for Espruino.
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

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
    typescript({
      tsconfig: 'board/espruino/tsconfig.json',
      compilerOptions: { noEmit: false, declaration: false, sourceMap: false },
      noEmitOnError: true,
    }),
  ],
};
