import { dirname, sep } from 'node:path';
import type { PathProbe } from '../host/directory-watcher';

/** `probe(p)` describes an existing path (following symlinks), null when it does not exist. */
export type Probe = (path: string) => PathProbe | null;

/**
 * How a directory is watched: `events` (inotify, at once) where entries are paths of interest;
 * `poll` (its stat, every 250 ms) where only the directory set can change: a stat poll sees an
 * entry created, removed or renamed (the directory's mtime) and the directory itself replaced
 * (its identity), but not the writes to unrelated files that keep `/tmp` or `/etc` busy.
 */
export type WatchMode = 'events' | 'poll';

/** A directory to watch. */
export interface PlannedDir {
  id: string;
  mode: WatchMode;
}

/**
 * Which directories to watch for a set of paths of interest (files or directories), and which
 * events matter. Directories are watched, never file inodes: package upgrades and editors replace
 * files by rename.
 *
 * Every existing directory from `/` down to each path of interest is watched (and the path
 * itself when it is a directory), each known by its identity. So whatever happens to a path of
 * interest or to any directory above it — created, deleted, renamed away, replaced — is seen by a
 * watched directory, and the next plan shows exactly which directories appeared, vanished or
 * were replaced. A path of interest, its parent and grandparent are watched by `events`; the
 * directories above them by `poll`.
 */
export interface WatchPlan {
  /** The paths of interest the plan was made for. */
  paths: readonly string[];
  /** Directory → its identity when the plan was made, and how to watch it; sorted by path. */
  directories: ReadonlyMap<string, PlannedDir>;
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
  const found = new Map<string, PlannedDir>();
  const interest = new Set(paths);
  const seen = new Map<string, PathProbe | null>(); // chains share their tops: one stat each
  for (const path of paths) {
    // Walk down from `/`; below a missing directory (or a file in its place) nothing exists.
    for (const dir of chain(path)) {
      const at = seen.has(dir) ? seen.get(dir) : probe(dir);
      seen.set(dir, at ?? null);
      if (!at?.directory) break;
      const events = interest.has(dir) || dir === dirname(path) || dir === dirname(dirname(path)) || found.get(dir)?.mode === 'events';
      found.set(dir, { id: at.id, mode: events ? 'events' : 'poll' });
    }
  }
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

/**
 * The poll: whether the part of the plan that only polling sees has changed — walking down each
 * path from `/`, every directory down to the first `events` directory (or the first missing one)
 * is stat'ed and compared with the plan. A few stats; below an `events` directory, events tell.
 */
export function pollSeesChange(plan: WatchPlan, probe: Probe): boolean {
  const seen = new Set<string>();
  for (const path of plan.paths) {
    for (const dir of chain(path)) {
      const planned = plan.directories.get(dir);
      if (planned?.mode === 'events') break;
      if (seen.has(dir)) continue;
      seen.add(dir);
      const at = probe(dir);
      const now = at?.directory ? at.id : null;
      if (now !== (planned?.id ?? null)) return true;
      if (now === null) break;
    }
  }
  return false;
}

/** What the watcher has for one directory. */
export interface LiveWatch extends PlannedDir {
  /** `id`: the identity the directory had just before its watch was set up. */
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
  for (const [dir, { id, mode }] of plan.directories) {
    const watch = live.get(dir);
    if (!watch) problems.push(`${dir} (${id}) is not watched`);
    else if (watch.id !== id) problems.push(`${dir} is watched by ${watch.id}, but is now ${id}`);
    else if (watch.mode !== mode) problems.push(`${dir} (${id}) is watched by ${watch.mode}, not ${mode}`);
    else if (watch.failed) problems.push(`${dir} (${id}): its watch failed`);
  }
  for (const [dir, watch] of live) if (!plan.directories.has(dir)) problems.push(`${dir} (${watch.id}) is watched but not planned`);
  return problems;
}

/** The directories whose watches must be (re)started or stopped to match the plan. */
export function watchChanges(plan: WatchPlan, live: ReadonlyMap<string, LiveWatch>): { start: string[]; stop: string[] } {
  const same = (w: LiveWatch | undefined, p: PlannedDir | undefined): boolean => !!w && !!p && w.id === p.id && w.mode === p.mode && !w.failed;
  const stop = [...live].filter(([dir, w]) => !same(w, plan.directories.get(dir))).map(([dir]) => dir);
  const start = [...plan.directories].filter(([dir, p]) => !same(live.get(dir), p)).map(([dir]) => dir);
  return { start, stop };
}
