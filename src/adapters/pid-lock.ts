import { readFileSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { LockedError } from '../core/errors';

/** A held lock; `release` removes it (only if it is still ours). */
export interface Lock {
  path: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * One controller per status file: `<status>.lock` holds the owner's pid, created exclusively.
 * A lock whose process is gone (a crash, or our own pid reused in a restarted container) is
 * taken over, so a crash never leaves the controller unable to start.
 */
export function acquirePidLock(path: string, pid: number = process.pid): Lock {
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, `${pid}\n`, { flag: 'wx' });
      return {
        path,
        release: () => {
          if (holder(path) === pid) unlinkSync(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = holder(path);
    if (owner !== null && owner !== pid && alive(owner)) {
      throw new LockedError('LOCKED', `another controller (pid ${owner}) is already running for this status file (lock ${path})`);
    }
    // Stale: remove and try again (another starter may race us; wx settles it).
    try {
      unlinkSync(path);
    } catch {
      // already removed by the other starter
    }
  }
  throw new LockedError('LOCKED', `could not take the lock ${path}`);
}
