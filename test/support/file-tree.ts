import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Every entry below `dir` with its bytes (a deletion, an addition or a change shows): a snapshot to compare a host directory with. */
export async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    out[path.slice(dir.length)] = entry.isFile() ? (await readFile(path)).toString('base64') : entry.isDirectory() ? 'dir' : 'other';
  }
  return out;
}
