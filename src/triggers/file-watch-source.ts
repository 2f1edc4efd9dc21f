import { Observable } from 'rxjs';
import type { Clock } from '../host/clock';
import type { DirectoryEvent, DirectoryWatch, DirectoryWatcher } from '../host/directory-watcher';
import type { Trigger } from './trigger';
import { planWatch, pollSeesChange, watchChanges, watchProblems, type LiveWatch, type PlannedDir, type WatchPlan } from './watch-plan';

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
  /** Directory watches and the stats the plan is made from (adapters/chokidar-directory-watcher). */
  watcher: DirectoryWatcher;
  /** The poll and the self-check's grace period. */
  clock: Clock;
  onError(error: unknown): void;
  /** Called once per repair (log it at `warn`, count it). */
  onRepair?(repair: WatchRepair): void;
}

export interface FileWatch {
  triggers: Observable<Trigger>;
  /**
   * The paths of interest (files or directories): after every pass, the union of the watch paths
   * of the latest observations and reads. First checks the watches against the file system (a
   * difference no event explains is repaired and reported; a path newly of interest is not a
   * repair), then watches the paths given.
   */
  watch(paths: readonly string[]): void;
  /** The directories watched now, sorted (ready or starting). */
  watched(): string[];
  /** Every watch is ready: from now on a change under a path of interest arrives as an event. */
  settled(): boolean;
}

interface Watch extends LiveWatch {
  /** The watch of an `events` directory; none for `poll` (the plan is made again every poll). */
  handle: DirectoryWatch | null;
  ready: boolean;
}

/**
 * File-change triggers for the paths of interest given to `watch()`: every directory from `/`
 * down to each path is watched (see {@link planWatch}): a directory watch per `events`
 * directory, a stat poll for the `poll` ones. After every event (or poll) that can change the
 * directory set, the plan is made again from the file system and compared with the watches: a
 * new directory gets a watch, a vanished one loses it, a replaced one (new identity) gets a new
 * watch on its new inode. A watch only replaces another once it is ready, then a trigger
 * follows, so a change made while a watch was being set up is still reconciled.
 */
export function fileWatchTriggers(options: FileWatchOptions): FileWatch {
  const { watcher, clock } = options;
  const probe = (path: string): ReturnType<DirectoryWatcher['probe']> => watcher.probe(path);
  const live = new Map<string, Watch>();
  let given: readonly string[] = [];
  let plan: WatchPlan = planWatch([], probe);
  let emit: ((trigger: Trigger) => void) | null = null;
  let syncQueued = false;
  let started: string[] = [];
  const changed = new Set<string>();
  const timers = new Set<() => void>();

  const later = (fn: () => void, ms: number): void => {
    const cancel = clock.setTimer(() => {
      timers.delete(cancel);
      fn();
    }, ms);
    timers.add(cancel);
  };

  const interest = (): string[] => {
    const real = given.map((p) => watcher.realLocation(p)).filter((p): p is string => p !== null);
    return [...new Set([...given, ...real])];
  };

  const stop = (dir: string): void => {
    const watch = live.get(dir);
    live.delete(dir);
    watch?.handle?.close();
  };

  const start = (dir: string, planned: PlannedDir): void => {
    if (planned.mode === 'poll') {
      // Nothing to open: the poll compares the plan's identities with the file system.
      live.set(dir, { ...planned, failed: false, handle: null, ready: true });
      return;
    }
    const entry: Watch = { ...planned, failed: false, handle: null, ready: false };
    live.set(dir, entry);
    started.push(dir);
    const current = (): boolean => live.get(dir) === entry;
    entry.handle = watcher.watch(dir, (path) => plan.matters(path), {
      event: (event) => {
        if (current()) onEvent(dir, event);
      },
      ready: () => {
        entry.ready = true;
        queueSync();
      },
      error: (error) => {
        entry.failed = true;
        options.onError(error);
      },
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
    // A directory above a path of interest gone from the plan: what was below it has changed.
    // (One merely no longer of interest is not a change.)
    const gone = drop.filter((d) => !plan.directories.has(d) && plan.matters(d));
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

  /** An event of `dir`'s watch: of `dir` itself, an entry, or an entry's own watch. */
  const onEvent = (dir: string, { type, path, self }: DirectoryEvent): void => {
    if (!emit) return;
    const matters = plan.matters(path);
    if (type === 'rename') {
      // Created, deleted or moved: a watched directory here may now be another inode (even one
      // with the same number).
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
    if (!emit) return;
    if (syncQueued) sync(); // an event already explains what it fixes
    const now = watchProblems(planWatch(plan.paths, probe), live);
    const persisting = now.filter((p) => first.includes(p));
    if (persisting.length > 0) options.onRepair?.({ problems: persisting });
    sync();
  };

  const watch = (paths: readonly string[]): void => {
    given = [...paths];
    if (!emit) return;
    if (syncQueued) sync();
    // Against the plan's own paths: a path newly of interest is not a problem.
    const problems = watchProblems(planWatch(plan.paths, probe), live);
    if (problems.length === 0) {
      sync();
      return;
    }
    // Events still in the kernel's queue are read before this runs (a poll phase comes first).
    later(() => setImmediate(() => check(problems)), CHECK_GRACE_MS);
  };

  const triggers = new Observable<Trigger>((subscriber) => {
    emit = (trigger) => subscriber.next(trigger);
    plan = planWatch(interest(), probe);
    // A trigger follows once these are ready, like any new watch: a pass may run before.
    for (const [dir, planned] of plan.directories) start(dir, planned);
    // The poll (for the paths as of the last sync: a symlink retargeted on the way changes a
    // directory's identity). Below an `events` directory, events tell; were they lost, the
    // self-check after the next pass repairs and reports it.
    const poll = (): void => {
      if (!syncQueued && pollSeesChange(plan, probe)) queueSync();
      later(poll, POLL_MS);
    };
    later(poll, POLL_MS);
    return () => {
      for (const cancel of timers) cancel();
      timers.clear();
      emit = null;
      for (const dir of [...live.keys()]) stop(dir);
    };
  });
  const settled = (): boolean => !syncQueued && [...live.values()].every((w) => w.ready);
  return { triggers, watch, watched: () => [...live.keys()].sort(), settled };
}
