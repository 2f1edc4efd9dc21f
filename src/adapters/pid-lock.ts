import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LockedError } from '../core/errors';
import type { Lock, ProcessLocks } from '../host/process-lock';
import { currentOwner, readOr, sameOwner, stillRunning, type Owner } from './process-owner';

function readOwner(path: string): Owner | null {
  const text = readOr(path);
  if (!text) return null;
  try {
    const data = JSON.parse(text) as Partial<Owner>;
    return typeof data.pid === 'number' ? { pid: data.pid, start: data.start ?? null, boot: data.boot ?? null } : null;
  } catch {
    const pid = Number(text); // a bare pid, as older versions wrote
    return Number.isInteger(pid) && pid > 0 ? { pid, start: null, boot: null } : null;
  }
}

/** The pid of the live controller holding the lock at `path`, or null when none does. */
function lockHolder(path: string): number | null {
  const owner = readOwner(path);
  return owner && stillRunning(owner) ? owner.pid : null;
}

/**
 * One controller per status file: `<status>.lock` records the owner (pid, start time, boot id),
 * created exclusively. A lock whose owner is gone — a crash, a reboot, or a pid reused by
 * another process or by a restarted container — is taken over, so it never blocks a restart.
 */
export function acquirePidLock(path: string, pid: number = process.pid): Lock {
  mkdirSync(dirname(path), { recursive: true });
  const me = currentOwner(pid);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, `${JSON.stringify(me)}\n`, { flag: 'wx' });
      return {
        path,
        release: () => {
          const owner = readOwner(path);
          if (owner && sameOwner(owner, me)) unlinkSync(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(path);
    if (owner && !sameOwner(owner, me) && stillRunning(owner)) {
      throw new LockedError('LOCKED', `another controller (pid ${owner.pid}) is already running for this status file (lock ${path})`);
    }
    // Stale: remove and try again (another starter may race us; the exclusive create settles it).
    try {
      unlinkSync(path);
    } catch {
      // already removed by the other starter
    }
  }
  throw new LockedError('LOCKED', `could not take the lock ${path}`);
}

/** The pid lock as host/process-lock's interface. */
export const pidLocks: ProcessLocks = {
  acquire: (path) => acquirePidLock(path),
  holder: (path) => lockHolder(path),
};
