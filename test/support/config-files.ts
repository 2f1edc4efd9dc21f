import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/**
 * A temp directory for configuration files, removed after the tests of the suite (or file) that
 * calls this. `file(text)` writes a new `config-N.yaml` there with that text and returns its path.
 */
export function configFiles(prefix: string): { dir: string; file: (text: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const file = (text: string): string => {
    const path = join(dir, `config-${n++}.yaml`);
    writeFileSync(path, text);
    return path;
  };
  return { dir, file };
}
