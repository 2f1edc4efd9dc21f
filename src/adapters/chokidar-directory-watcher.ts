import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { lazy } from '../core/lazy';
import type { DirectoryWatch, DirectoryWatcher, DirectoryWatchHandlers, PathProbe } from '../host/directory-watcher';

const chokidar = lazy(() => require('chokidar') as typeof import('chokidar'));

/** Directory watches by chokidar (one watcher per directory, depth 0, raw inotify events), stats by node:fs. */
export class ChokidarDirectoryWatcher implements DirectoryWatcher {
  watch(dir: string, entry: (path: string) => boolean, handlers: DirectoryWatchHandlers): DirectoryWatch {
    // Only `dir` and its entries that matter: nothing else in the directory is read or watched.
    const ignored = (p: string): boolean => p !== dir && !(dirname(p) === dir && entry(p));
    const watcher = chokidar().watch(dir, { ignoreInitial: true, depth: 0, atomic: false, persistent: true, ignored });
    let closed = false;
    watcher.on('raw', (event, name, details) => {
      if (closed) return;
      const watchedPath = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
      // chokidar reports its own watches of `dir`'s files too; ignore any other path it chose.
      if (typeof watchedPath !== 'string' || (watchedPath !== dir && dirname(watchedPath) !== dir)) return;
      const path = watchedPath !== dir ? watchedPath : name ? join(dir, name) : dir;
      // A self event (`dir` itself moved or deleted) names `dir` on `dir`'s own watch.
      const self = watchedPath === dir && name === basename(dir);
      handlers.event({ type: event === 'rename' ? 'rename' : 'change', path, self });
    });
    watcher.on('ready', () => {
      if (!closed) handlers.ready();
    });
    watcher.on('error', (error: unknown) => {
      if (!closed) handlers.error(error);
    });
    return {
      close: () => {
        closed = true;
        // Synchronously drops chokidar's fs.watch of `dir`, so a new watch is on the current inode.
        void watcher.close();
      },
    };
  }

  probe(path: string): PathProbe | null {
    try {
      const s = statSync(path, { throwIfNoEntry: false });
      return s ? { directory: s.isDirectory(), id: `${s.dev}:${s.ino}:${s.birthtimeMs}` } : null;
    } catch {
      return null;
    }
  }

  realLocation(path: string): string | null {
    for (let p = path; ; p = dirname(p)) {
      try {
        return join(realpathSync.native(p), relative(p, path));
      } catch {
        if (p === dirname(p)) return null;
      }
    }
  }
}
