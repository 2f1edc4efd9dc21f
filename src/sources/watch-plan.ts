import { dirname, sep } from 'node:path';

/** What is at a path now: a directory or not, and an identity that changes when it is replaced. */
export interface PathProbe {
  directory: boolean;
  /** Device, inode and birth time: a directory replaced by another (even by rename) gets a new one. */
  id: string;
}

/** `probe(p)` describes an existing path (following symlinks), null when it does not exist. */
export type Probe = (path: string) => PathProbe | null;

/**
 * Which directories to watch for a set of paths of interest (files or directories), and which
 * events matter. Directories are watched, never file inodes: package upgrades and editors replace
 * files by rename.
 *
 * Every existing directory from `/` down to each path of interest is watched (and the path
 * itself when it is a directory), each known by its identity. So whatever happens to a path of
 * interest or to any directory above it — created, deleted, renamed away, replaced — is an event
 * in a watched directory, and the next plan shows exactly which directories appeared, vanished or
 * were replaced.
 */
export interface WatchPlan {
  /** The paths of interest the plan was made for. */
  paths: readonly string[];
  /** Directory → its identity when the plan was made; sorted by path. */
  directories: ReadonlyMap<string, string>;
  /** Whether a change at `path` can affect any path of interest. */
  matters(path: string): boolean;
}

/** The directories from `/` down to `path` (inclusive), outermost first. */
function chain(path: string): string[] {
  const out: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    out.push(p);
    if (p === dirname(p)) break;
  }
  return out.reverse();
}

export function planWatch(paths: readonly string[], probe: Probe): WatchPlan {
  const found = new Map<string, string>();
  for (const path of paths) {
    // Walk down from `/`; below a missing directory (or a file in its place) nothing exists.
    for (const dir of chain(path)) {
      const at = probe(dir);
      if (!at?.directory) break;
      found.set(dir, at.id);
    }
  }
  const interest = new Set(paths);
  const matters = (changed: string): boolean => {
    // The path itself, or an entry of it (when it is a directory: a volume, the drop-in directory).
    if (interest.has(changed) || interest.has(dirname(changed))) return true;
    // A directory above a path of interest appeared, vanished or was replaced.
    for (const path of interest) if (path.startsWith(changed.endsWith(sep) ? changed : changed + sep)) return true;
    return false;
  };
  const directories = new Map([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { paths: [...paths], directories, matters };
}

/** What the watcher has for one directory. */
export interface LiveWatch {
  /** The identity the directory had just before its watch was set up. */
  id: string;
  /** The watch reported an error (it may be gone). */
  failed: boolean;
}

/**
 * Differences between the plan and the live watches, one line each (stable text, so that two
 * checks can be compared): a directory not watched, watched by the inode it had before it was
 * replaced, watched by a failed watch, or watched although no path of interest is below it.
 */
export function watchProblems(plan: WatchPlan, live: ReadonlyMap<string, LiveWatch>): string[] {
  const problems: string[] = [];
  for (const [dir, id] of plan.directories) {
    const watch = live.get(dir);
    if (!watch) problems.push(`${dir} (${id}) is not watched`);
    else if (watch.id !== id) problems.push(`${dir} is watched by ${watch.id}, but is now ${id}`);
    else if (watch.failed) problems.push(`${dir} (${id}): its watch failed`);
  }
  for (const [dir, watch] of live) if (!plan.directories.has(dir)) problems.push(`${dir} (${watch.id}) is watched but not planned`);
  return problems;
}

/** The directories whose watches must be (re)started or stopped to match the plan. */
export function watchChanges(plan: WatchPlan, live: ReadonlyMap<string, LiveWatch>): { start: string[]; stop: string[] } {
  const stop = [...live].filter(([dir, w]) => plan.directories.get(dir) !== w.id || w.failed).map(([dir]) => dir);
  const start = [...plan.directories].filter(([dir, id]) => live.get(dir)?.id !== id || live.get(dir)?.failed === true).map(([dir]) => dir);
  return { start, stop };
}
