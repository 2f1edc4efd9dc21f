import { promises as fs } from 'node:fs';
import { delay } from './docker-cli';

/**
 * A lock shared by every process on this machine: a directory created exclusively. A lock older
 * than `staleMs` (a crashed holder) is broken. Resolves to the release function.
 */
export async function acquireDirLock(dir: string, options: { waitMs: number; staleMs: number }): Promise<() => Promise<void>> {
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    try {
      await fs.mkdir(dir);
      return async () => {
        await fs.rm(dir, { recursive: true, force: true });
      };
    } catch (error: unknown) {
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
    }
    try {
      const { mtimeMs } = await fs.stat(dir);
      if (Date.now() - mtimeMs > options.staleMs) {
        await fs.rm(dir, { recursive: true, force: true });
        continue;
      }
    } catch {
      continue; // released between mkdir and stat
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${dir}`);
    await delay(200);
  }
}
