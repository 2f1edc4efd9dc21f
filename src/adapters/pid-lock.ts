import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LockedError } from '../core/errors';
import type { Lock, ProcessLocks } from '../host/process-lock';

/** Who holds a lock: a pid is only meaningful with its start time and boot (pids are reused). */
interface Owner {
  pid: number;
  /** Start time of the process in clock ticks since boot (/proc/<pid>/stat field 22). */
  start: string | null;
  boot: string | null;
}

function readOr(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

function startTime(pid: number): string | null {
  const stat = readOr(`/proc/${pid}/stat`);
  // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
  return stat ? (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null) : null;
}

function currentOwner(pid: number): Owner {
  return { pid, start: startTime(pid), boot: readOr('/proc/sys/kernel/random/boot_id') };
}

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

function sameOwner(a: Owner, b: Owner): boolean {
  return a.pid === b.pid && a.start === b.start && a.boot === b.boot;
}

/** The recorded owner still runs: same pid, same start time, same boot. */
function stillRunning(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return sameOwner(owner, currentOwner(owner.pid));
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
