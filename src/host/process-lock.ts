/** A held lock; `release` removes it (only if it is still ours). */
export interface Lock {
  path: string;
  release(): void;
}

/**
 * One controller per status file (`<status file>.lock`). Implemented by adapters/pid-lock: the
 * owner is recorded with its start time and boot, so a lock of a process that is gone is taken over.
 */
export interface ProcessLocks {
  /** Take the lock, or throw LockedError when a live controller holds it. */
  acquire(path: string): Lock;
  /** The pid of the live controller holding the lock, or null when none does. */
  holder(path: string): number | null;
}
