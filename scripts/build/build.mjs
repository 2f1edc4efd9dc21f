// `npm run build`: dist/ holds the program as users run it.
// - dist/reconcile.js: src/cli.ts and the packages every run needs (zod, yaml, pino, picomatch)
//   in one file (esbuild). Startup is most of a `reconcile --once`; one file spares Node the
//   resolution, reading and wrapping of ~270 modules, and leaves out what is never used (zod's
//   ~50 message locales). The packages of src/core/lazy.ts stay outside: they are loaded from
//   node_modules on first use, by the runs that need them.
// - dist/cli.js: the launcher (scripts/build/launcher.cjs) with the code cache below.
// - dist/reconcile.js.cache: V8's compiled code for it (scripts/build/code-cache.cjs).
// Types are checked by `npm run lint` (tsc); esbuild only strips them.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';

const root = fileURLToPath(new globalThis.URL('../..', import.meta.url));
const dist = `${root}dist`;
// The packages loaded on first use: src/core/lazy.ts's LAZY_PACKAGES, read from the one list
// (lazy.ts imports nothing, so esbuild's transform of it runs on its own).
const { code } = await transform(readFileSync(`${root}src/core/lazy.ts`, 'utf8'), { loader: 'ts', format: 'cjs' });
const lazyModule = { exports: {} };
new Function('module', 'exports', code)(lazyModule, lazyModule.exports);
const lazy = Object.keys(lazyModule.exports.LAZY_PACKAGES);

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
await build({
  entryPoints: [`${root}src/cli.ts`],
  outfile: `${dist}/reconcile.js`,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // zod and yaml ship ES modules too: those let esbuild leave out what is not imported.
  mainFields: ['module', 'main'],
  external: lazy,
  logLevel: 'warning',
  legalComments: 'none',
});
// The launcher wraps the bundle in a function, where src/cli.ts's `#!` line cannot stand.
const bundle = `${dist}/reconcile.js`;
writeFileSync(bundle, readFileSync(bundle, 'utf8').replace(/^#![^\n]*\n/, ''));
copyFileSync(`${root}scripts/build/launcher.cjs`, `${dist}/cli.js`);
chmodSync(`${dist}/cli.js`, 0o755);
execFileSync(process.execPath, [`${root}scripts/build/code-cache.cjs`, dist], { stdio: ['ignore', 'ignore', 'inherit'] });
