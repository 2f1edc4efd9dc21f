import type { ConfinedPath, FileSystem, ReadOptions } from '../host/file-system';

/** A file's bytes once it holds still, or why it does not yet (without the path). */
export type SettledRead = { ok: true; bytes: Buffer } | { ok: false; why: string };

/**
 * Read a file that another program may be writing by truncate-then-write (apphub's config.ini,
 * a template saved by `install` or an editor): it is read twice and must be the same both times,
 * and empty (white space only) is not content yet. Its write's event starts the next pass.
 * Read errors (a refused path, a file too large) are thrown as by `readFile`.
 */
export async function readSettled(files: FileSystem, path: string | ConfinedPath, options: ReadOptions): Promise<SettledRead> {
  const first = await files.readFile(path, options);
  if (first === null) return { ok: false, why: 'does not exist' };
  const second = await files.readFile(path, options);
  if (second === null || !first.equals(second)) return { ok: false, why: 'changed while being read; will retry' };
  if (first.toString('utf8').trim() === '') return { ok: false, why: 'is empty (being written?)' };
  return { ok: true, bytes: first };
}
