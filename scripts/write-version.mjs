// Writes src/core/version.ts from package.json's `version`: the version is computed at build time
// (`npm run build`, and `npm version` through the `version` script), never read at run time.
// test/unit/version.test.ts fails when the two differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new globalThis.URL('..', import.meta.url));

const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const file = `${root}src/core/version.ts`;
const text = `// Written by scripts/write-version.mjs from package.json (npm run build, npm version): do not edit.\n\n/** This program's version (package.json's \`version\`). */\nexport const VERSION = '${version}';\n`;
let before = '';
try {
  before = readFileSync(file, 'utf8');
} catch {
  // first run
}
if (before !== text) writeFileSync(file, text);
