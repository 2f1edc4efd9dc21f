#!/usr/bin/env node
// dist/cli.js: runs the one-file build dist/reconcile.js with the V8 code cache that
// `npm run build` made for it (dist/reconcile.js.cache), so a run does not compile 1.7 MB of
// JavaScript again. This is what Node 22's module.enableCompileCache() does; Node 20 lacks it.
// V8 checks the cache against the source, its own version and its flags, and compiles the code
// as usual when the cache is missing or does not match (another Node, other flags).
// Written by scripts/build/build.mjs from scripts/build/launcher.cjs.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script, constants } = require('node:vm');
const { wrap } = require('node:module');

const file = join(__dirname, 'reconcile.js');
let cachedData;
try {
  cachedData = readFileSync(`${file}.cache`);
} catch {
  // no cache: compiled as usual
}
const script = new Script(wrap(readFileSync(file, 'utf8')), {
  filename: file,
  cachedData,
  importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
script.runInThisContext()(module.exports, require, module, file, __dirname);
