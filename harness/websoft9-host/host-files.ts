import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** True when `error` is a Node system error with this `code` (ENOENT, ...). */
export function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}
/** Writes by temp file + rename in the same directory (a reader never sees half a file). */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  await fs.writeFile(temp, text);
  await fs.rename(temp, file);
}
/** Adds relative path -> contents of every regular file under `<root>/<dir>` (absent dir: nothing). */
export async function listRegularFiles(root: string, dir: string, into: Record<string, string>): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(path.join(root, dir), { withFileTypes: true });
  } catch (error: unknown) {
    if (isErrno(error, 'ENOENT')) return;
    throw error;
  }
  for (const entry of entries) {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) await listRegularFiles(root, relative, into);
    else if (entry.isFile()) into[relative] = await fs.readFile(path.join(root, relative), 'utf8');
  }
}
