import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** This program's version, from package.json (same relative place from src/ and dist/). */
export const VERSION: string = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;
