import { opendir } from 'node:fs/promises';
import { Budget, TooLargeError } from '../core/budget';
import { FileError } from '../core/errors';
import { TOO_LARGE } from '../host/file-system';

/** A directory with more entries than this is refused (a mirrored tree holds certificates and keys). */
export const MAX_DIR_ENTRIES = 10_000;

/** A listed tree with more entries than this, all directories together, is refused. */
export const MAX_TREE_ENTRIES = 50_000;

/** The entry budget of one tree listing: each directory counts against its own cap and the total. */
export function treeBudget(shown: string): Budget {
  return new Budget(`listing of ${shown}`, MAX_TREE_ENTRIES, 'entries');
}

/**
 * The names in a directory, sorted, read one entry at a time (opendir(3), never the whole
 * directory at once): past MAX_DIR_ENTRIES here or the tree's budget, FileError TOO_LARGE naming
 * the directory and the limit, and nothing more is read.
 */
export async function readDirBounded(path: string, shown: string, total: Budget): Promise<string[]> {
  const here = new Budget(`directory ${shown}`, MAX_DIR_ENTRIES, 'entries');
  const names: string[] = [];
  const dir = await opendir(path, { bufferSize: 256 });
  try {
    for (;;) {
      const entry = await dir.read();
      if (entry === null) break;
      here.take();
      total.take();
      names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof TooLargeError) throw new FileError(TOO_LARGE, shown, error.message, { cause: error });
    throw error;
  } finally {
    await dir.close().catch(() => undefined);
  }
  return names.sort();
}
