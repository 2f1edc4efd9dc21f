import { readFileSync } from 'node:fs';

/**
 * Who holds a lock or a claim: a pid is only meaningful with its start time and boot (pids are
 * reused, by another process or by a restarted container).
 */
export interface Owner {
  pid: number;
  /** Start time of the process in clock ticks since boot (/proc/<pid>/stat field 22). */
  start: string | null;
  boot: string | null;
}

/** A small text file's trimmed content, or null when it cannot be read. */
export function readOr(path: string): string | null {
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

/** The owner record of a running process (this one by default). */
export function currentOwner(pid: number = process.pid): Owner {
  return { pid, start: startTime(pid), boot: readOr('/proc/sys/kernel/random/boot_id') };
}

export function sameOwner(a: Owner, b: Owner): boolean {
  return a.pid === b.pid && a.start === b.start && a.boot === b.boot;
}

/** The recorded owner still runs: same pid, same start time, same boot. */
export function stillRunning(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return sameOwner(owner, currentOwner(owner.pid));
}
