// Makes dist/reconcile.js.cache (see launcher.cjs): compiles the bundle, runs it as
// `reconcile config check` of the packaged profile, so that the functions every run needs (module
// set-up, the YAML parser, the schema's checks) are compiled, then saves V8's code for them.
// Run by scripts/build/build.mjs in a child process whose output is discarded.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');
const { wrap } = require('node:module');

const dist = process.argv[2];
const file = join(dist, 'reconcile.js');
const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file });
process.argv = [process.argv[0], join(dist, 'cli.js'), 'config', 'check'];
process.once('exit', () => writeFileSync(`${file}.cache`, script.createCachedData()));
script.runInThisContext()(module.exports, require, module, file, dist);
