import { statSync } from 'node:fs';
import { watch, type FSWatcher } from 'chokidar';
import { Observable } from 'rxjs';
import type { Trigger } from './trigger';
import { planWatch } from './watch-plan';

function isDirectory(path: string): boolean | null {
  try {
    return statSync(path).isDirectory();
  } catch {
    return null;
  }
}

/** Temp files of atomic writers (ours: `.name.pid.rand.tmp`) are noise until renamed. */
const TEMP_FILE = /(^|\/)\.[^/]*\.tmp$|\.swp$|~$/;

/**
 * File-change triggers for the given paths of interest (chokidar on their directories).
 * `paths()` is asked again on every event, so paths learned later (a volume's directory found
 * after a pass) or directories created later are picked up: call `refresh` after each pass.
 */
export function fileWatchTriggers(
  paths: () => readonly string[],
  onError: (error: unknown) => void,
): { triggers: Observable<Trigger>; refresh: () => void } {
  let watcher: FSWatcher | null = null;
  let watched = new Set<string>();
  let plan = planWatch([], isDirectory);

  const refresh = (): void => {
    plan = planWatch(paths(), isDirectory);
    if (!watcher) return;
    const next = new Set(plan.directories);
    const added = [...next].filter((d) => !watched.has(d));
    const removed = [...watched].filter((d) => !next.has(d));
    if (added.length > 0) watcher.add(added);
    if (removed.length > 0) watcher.unwatch(removed);
    watched = next;
  };

  const triggers = new Observable<Trigger>((subscriber) => {
    plan = planWatch(paths(), isDirectory);
    watched = new Set(plan.directories);
    // atomic: false — chokidar would hold every unlink back 100 ms to guess at editor swaps; a
    // late unlink of `listen.conf.dpkg-new` then restarts the debounce. Passes re-read
    // everything, so there is nothing to guess.
    watcher = watch([...watched], { ignoreInitial: true, depth: 0, atomic: false, ignored: (p: string) => TEMP_FILE.test(p) });
    watcher.on('all', (event, path) => {
      if (!plan.matters(path)) return;
      subscriber.next({ source: 'file', detail: `${event} ${path}` });
      // A directory of interest appearing means the watch set must grow.
      if (event === 'addDir' || event === 'unlinkDir') refresh();
    });
    // A watch error (e.g. too many watches) must not stop the controller: the resync still runs.
    watcher.on('error', onError);
    return () => {
      void watcher?.close();
      watcher = null;
    };
  });
  return { triggers, refresh };
}
