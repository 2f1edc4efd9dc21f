/** What is at a path now: a directory or not, and an identity that changes when it is replaced. */
export interface PathProbe {
  directory: boolean;
  /** Device, inode and birth time: a directory replaced by another (even by rename) gets a new one. */
  id: string;
}

/** One change seen by a directory's watch (inotify, through fs.watch). */
export interface DirectoryEvent {
  /** `rename`: created, deleted or moved (the name may now be another inode); `change`: written in place. */
  type: 'rename' | 'change';
  /** What changed: an entry of the watched directory (`dir/name`). */
  path: string;
  /**
   * The watched directory itself may have been moved or deleted: inotify names that event like an
   * entry of the directory's own name (`path` is `dir/<basename of dir>`), so it cannot be told apart.
   */
  self: boolean;
}

export interface DirectoryWatchHandlers {
  event(event: DirectoryEvent): void;
  /** The watch is set up: whatever happens from now on is reported. */
  ready(): void;
  /** The watch failed (it may be gone). */
  error(error: unknown): void;
}

export interface DirectoryWatch {
  /** Stops at once (synchronously): a new watch of the same path is on the inode there now. */
  close(): void;
}

/**
 * Watches of single directories (no recursion) and the stats a watch plan is made from. A watch
 * is on the directory's inode: when the directory is replaced, its old watch reports the move or
 * deletion (`self`) and the new inode needs a new watch.
 */
export interface DirectoryWatcher {
  /** Watches `dir` and those of its entries for which `entry(path)` is true; nothing below them. */
  watch(dir: string, entry: (path: string) => boolean, handlers: DirectoryWatchHandlers): DirectoryWatch;
  /** What exists at `path` (symlinks followed), or null. */
  probe(path: string): PathProbe | null;
  /** `path` with symlinks resolved as far as it exists (its real location is watched too); null when nothing of it resolves. */
  realLocation(path: string): string | null;
}
