import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { Observable } from 'rxjs';
import type { Trigger } from './trigger';
import { planWatch, pollSeesChange, watchChanges, watchProblems, type LiveWatch, type PathProbe, type PlannedDir, type WatchPlan } from './watch-plan';

function probe(path: string): PathProbe | null {
  try {
    const s = statSync(path, { throwIfNoEntry: false });
    return s ? { directory: s.isDirectory(), id: `${s.dev}:${s.ino}:${s.birthtimeMs}` } : null;
  } catch {
    return null;
  }
}

/** `path` with symlinks resolved as far as it exists (its real location is watched too). */
function realLocation(path: string): string | null {
  for (let p = path; ; p = dirname(p)) {
    try {
      return join(realpathSync.native(p), relative(p, path));
    } catch {
      if (p === dirname(p)) return null;
    }
  }
}

/**
 * Temp files of atomic writers (ours: `.name.pid.rand.tmp`; dpkg's `.dpkg-new` and `.dpkg-tmp`,
 * renamed or removed within the same unpack) are noise until renamed: the rename is the event.
 */
const TEMP_FILE = /(^|\/)\.[^/]*\.tmp$|\.swp$|~$|\.dpkg-(new|tmp)$/;

/** Stat poll interval of `poll` directories (see {@link WatchMode}). */
const POLL_MS = 250;

/** How long the self-check waits before it believes a difference that no event explained (> 2 polls). */
const CHECK_GRACE_MS = 3 * POLL_MS;

/** The self-check found watches that events had not kept right, and repaired them. */
export interface WatchRepair {
  problems: string[];
}

export interface FileWatchOptions {
  onError(error: unknown): void;
  /** Called once per repair (log it at `warn`, count it). */
  onRepair?(repair: WatchRepair): void;
}

export interface FileWatch {
  triggers: Observable<Trigger>;
  /**
   * Call after every pass: picks up paths of interest learned meanwhile and checks the watches
   * against the file system (a difference no event explains is repaired and reported).
   */
  refresh(): void;
  /** The directories watched now, sorted (ready or starting). */
  watched(): string[];
}

interface Watch extends LiveWatch {
  /** chokidar's watcher of an `events` directory; none for `poll` (the plan is made again every poll). */
  watcher: FSWatcher | null;
  ready: boolean;
}

/**
 * File-change triggers for the given paths of interest: every directory from `/` down to each
 * path is watched (see {@link planWatch}): one chokidar watcher per `events` directory, a stat
 * poll for the `poll` ones. After every event (or poll) that can change the directory
 * set, the plan is made again from the file system and compared with the watches: a new
 * directory gets a watch, a vanished one loses it, a replaced one (new identity) gets a new watch
 * on its new inode. A watch only replaces another once it is ready, then a trigger follows, so a
 * change made while a watch was being set up is still reconciled.
 */
export function fileWatchTriggers(paths: () => readonly string[], options: FileWatchOptions): FileWatch {
  const live = new Map<string, Watch>();
  let plan: WatchPlan = planWatch([], probe);
  let emit: ((trigger: Trigger) => void) | null = null;
  let syncQueued = false;
  let started: string[] = [];
  const changed = new Set<string>();

  const interest = (): string[] => {
    const given = paths();
    const real = given.map(realLocation).filter((p): p is string => p !== null);
    return [...new Set([...given, ...real])];
  };

  const stop = (dir: string): void => {
    const watch = live.get(dir);
    live.delete(dir);
    // Synchronously drops chokidar's fs.watch of `dir`, so a new watch is on the current inode.
    void watch?.watcher?.close();
  };

  const start = (dir: string, planned: PlannedDir): void => {
    if (planned.mode === 'poll') {
      // Nothing to open: the poll compares the plan's identities with the file system.
      live.set(dir, { ...planned, failed: false, watcher: null, ready: true });
      return;
    }
    // Only `dir` and its entries that matter: nothing else in the directory is read or watched.
    const ignored = (p: string): boolean => p !== dir && !(dirname(p) === dir && plan.matters(p));
    const watcher = watch(dir, { ignoreInitial: true, depth: 0, atomic: false, persistent: true, ignored });
    const entry: Watch = { ...planned, failed: false, watcher, ready: false };
    live.set(dir, entry);
    started.push(dir);
    watcher.on('raw', (event, name, details) => {
      if (live.get(dir) !== entry) return;
      const watchedPath = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
      onRaw(dir, event, name, typeof watchedPath === 'string' ? watchedPath : undefined);
    });
    watcher.on('ready', () => {
      entry.ready = true;
      queueSync();
    });
    watcher.on('error', (error: unknown) => {
      entry.failed = true;
      options.onError(error);
    });
  };

  /** Make the plan again and bring the watches in line with it. */
  const sync = (): void => {
    syncQueued = false;
    if (!emit) return;
    plan = planWatch(interest(), probe);
    const { start: add, stop: drop } = watchChanges(plan, live);
    for (const dir of drop) stop(dir);
    for (const dir of add) start(dir, plan.directories.get(dir) ?? { id: '', mode: 'events' });
    // A directory gone from the plan: what was below it has changed.
    const gone = drop.filter((d) => !plan.directories.has(d));
    if (gone.length > 0) emit({ kind: 'file', detail: `gone: ${gone.join(', ')}` });
    // Once every new watch is ready (and the plan did not move meanwhile): reconcile what
    // happened while they were being set up.
    if (add.length === 0 && started.length > 0 && [...live.values()].every((w) => w.ready)) {
      const dirs = started.filter((d) => live.has(d));
      started = [];
      if (dirs.length > 0) emit({ kind: 'file', detail: `watching ${dirs.join(', ')}` });
    }
  };

  const queueSync = (): void => {
    if (syncQueued) return;
    syncQueued = true;
    setImmediate(sync);
  };

  const flush = (): void => {
    const paths = [...changed];
    changed.clear();
    if (paths.length > 0) emit?.({ kind: 'file', detail: paths.slice(0, 5).join(', ') + (paths.length > 5 ? ` (+${paths.length - 5} more)` : '') });
  };

  /** A raw inotify event (fs.watch) of `dir`'s watcher: of `dir` itself, an entry, or an entry's own watch. */
  const onRaw = (dir: string, event: string, name: string | null, watchedPath: string | undefined): void => {
    if (!emit) return;
    // chokidar reports its own watches of `dir`'s files too; ignore any other path it chose.
    if (watchedPath !== dir && (watchedPath === undefined || dirname(watchedPath) !== dir)) return;
    const path = watchedPath !== dir ? watchedPath : name ? join(dir, name) : dir;
    const matters = plan.matters(path);
    if (event === 'rename') {
      // Created, deleted or moved: a watched directory here may now be another inode (even one
      // with the same number), and a self event (`dir` itself moved or deleted) names `dir`.
      const self = watchedPath === dir && name === basename(dir);
      for (const d of self ? [path, dir] : [path]) {
        const watch = live.get(d);
        if (watch) watch.id = 'replaced?';
      }
      if (matters || self) queueSync();
    }
    if (TEMP_FILE.test(path) || !matters) return;
    if (changed.size === 0) setImmediate(flush);
    changed.add(path);
  };

  const check = (first: string[]): void => {
    if (syncQueued) sync(); // an event already explains what it fixes
    const now = watchProblems(planWatch(plan.paths, probe), live);
    const persisting = now.filter((p) => first.includes(p));
    if (persisting.length > 0) options.onRepair?.({ problems: persisting });
    sync();
  };

  const refresh = (): void => {
    if (!emit) return;
    if (syncQueued) sync();
    const problems = watchProblems(planWatch(plan.paths, probe), live);
    if (problems.length === 0) {
      sync(); // new paths of interest (a volume found by the pass) are not a repair
      return;
    }
    // Events still in the kernel's queue are read before this runs (a poll phase comes first).
    setTimeout(() => setImmediate(() => check(problems)), CHECK_GRACE_MS);
  };

  const triggers = new Observable<Trigger>((subscriber) => {
    emit = (trigger) => subscriber.next(trigger);
    plan = planWatch(interest(), probe);
    // A trigger follows once these are ready, like any new watch: the first pass may run before.
    for (const [dir, planned] of plan.directories) start(dir, planned);
    // The poll (for the paths as of the last sync: a symlink retargeted on the way changes a
    // directory's identity). Below an `events` directory, events tell; were they lost, the
    // self-check after the next pass repairs and reports it.
    const poll = setInterval(() => {
      if (!syncQueued && pollSeesChange(plan, probe)) queueSync();
    }, POLL_MS);
    poll.unref();
    return () => {
      clearInterval(poll);
      emit = null;
      for (const dir of [...live.keys()]) stop(dir);
    };
  });
  return { triggers, refresh, watched: () => [...live.keys()].sort() };
}
