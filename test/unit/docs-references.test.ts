import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(__dirname, '..', '..');
const SKIP = new Set(['node_modules', 'dist', '.git', 'coverage']);

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (/\.(ts|js|md|ya?ml|json|sh|service)$|^(Dockerfile|run)$/.test(entry.name)) yield path;
  }
}

describe('the repository stands alone', () => {
  it('no file cites a design document or shared directory outside the repository', () => {
    // Spelt in pieces so that this file does not find itself.
    const needles = ['DESIGN' + '.md', '../' + 'shared'];
    const hits = [...files(ROOT)].flatMap((path) => {
      const text = readFileSync(path, 'utf8');
      return needles.filter((n) => text.includes(n)).map((n) => `${relative(ROOT, path)}: ${n}`);
    });
    assert.deepEqual(hits, [], 'cite docs/design.md (or another file of the repository) instead');
  });

  it('every relative link of the Markdown files points at a file of the repository', () => {
    const broken: string[] = [];
    for (const path of [...files(ROOT)].filter((p) => p.endsWith('.md') && !relative(ROOT, p).startsWith('bench/results'))) {
      for (const match of readFileSync(path, 'utf8').matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)) {
        const target = match[1] ?? '';
        if (/^[a-z]+:/.test(target)) continue;
        if (!existsSync(join(dirname(path), target))) broken.push(`${relative(ROOT, path)}: ${target}`);
      }
    }
    assert.deepEqual(broken, []);
  });
});
