import { basename, dirname, join } from 'node:path';
import type { DirectoryEvent, DirectoryWatch, DirectoryWatcher, DirectoryWatchHandlers, PathProbe } from '../../src/host/directory-watcher';

interface Node {
  ino: number;
  directory: boolean;
}

interface FakeWatch {
  dir: string;
  /** The inode the watch is on (null: nothing was there); the object, not its number, which may be reused. */
  node: Node | null;
  handlers: DirectoryWatchHandlers;
  closed: boolean;
}

/**
 * An in-memory tree of directories and files with inode numbers, and directory watches that
 * behave like inotify through fs.watch: a watch is on an inode, not a path (a moved directory's
 * watch keeps reporting under the path it was set up for), an entry created, deleted or moved
 * reports `rename` to its parent's watches, a write reports `change`, a directory moved or
 * deleted reports a self event on its own watches (named like an entry of the same name), and
 * moving a directory tells nothing to the watches below it. `deaf` drops every event (a queue
 * overflow). Watches become ready on the next turn of the event loop, as chokidar's do. A freed
 * inode number is given to the next new node (as ext4 may): a directory deleted and created
 * again can have the same identity, and only its events tell that it was replaced.
 */
export class FakeDirectoryWatcher implements DirectoryWatcher {
  private readonly nodes = new Map<string, Node>([['/', { ino: 1, directory: true }]]);
  private nextIno = 2;
  private readonly freed: number[] = [];
  private readonly watches: FakeWatch[] = [];
  /** Drop every event (the kernel queue overflowed). */
  deaf = false;

  // ---- the file system ----

  /** `mkdir -p`: every missing directory down to `path`, each reported to its parent. */
  mkdir(path: string): void {
    const missing: string[] = [];
    for (let p = path; !this.nodes.has(p); p = dirname(p)) missing.unshift(p);
    for (const p of missing) {
      this.nodes.set(p, { ino: this.newIno(), directory: true });
      this.report(dirname(p), 'rename', basename(p));
    }
  }

  /** Creates or rewrites a file (its directory must exist). */
  write(path: string): void {
    this.requireDir(dirname(path));
    const created = !this.nodes.has(path);
    if (created) this.nodes.set(path, { ino: this.newIno(), directory: false });
    this.report(dirname(path), created ? 'rename' : 'change', basename(path));
  }

  /** `rm -r`: deepest first, each reported to its parent and (a directory) to its own watches. */
  remove(path: string): void {
    for (const p of this.subtree(path).reverse()) {
      const node = this.nodes.get(p) as Node;
      this.nodes.delete(p);
      this.freed.push(node.ino);
      if (node.directory) this.reportSelf(node);
      this.report(dirname(p), 'rename', basename(p));
    }
  }

  /** rename(2): moves a subtree; an existing target (a file, or an empty directory) is replaced. */
  rename(from: string, to: string): void {
    this.requireDir(dirname(to));
    const moved = this.subtree(from);
    const replaced = this.nodes.get(to);
    if (replaced?.directory && this.subtree(to).length > 1) throw new Error(`rename ${from} ${to}: ENOTEMPTY`);
    if (replaced) {
      this.nodes.delete(to);
      this.freed.push(replaced.ino);
      if (replaced.directory) this.reportSelf(replaced);
    }
    const nodes = moved.map((p) => [p, this.nodes.get(p) as Node] as const);
    for (const [p] of nodes) this.nodes.delete(p);
    for (const [p, node] of nodes) this.nodes.set(to + p.slice(from.length), node);
    const self = nodes[0]?.[1];
    if (self?.directory) this.reportSelf(self);
    this.report(dirname(from), 'rename', basename(from));
    this.report(dirname(to), 'rename', basename(to));
  }

  exists(path: string): boolean {
    return this.nodes.has(path);
  }

  isDirectory(path: string): boolean {
    return this.nodes.get(path)?.directory ?? false;
  }

  // ---- what the test checks ----

  /** Open watches whose directory is no longer the inode they are on (or was nothing), sorted. */
  staleWatches(): string[] {
    return this.open().filter((w) => w.node === null || this.nodes.get(w.dir) !== w.node).map((w) => w.dir).sort();
  }

  /** The directories with an open watch, sorted (one each, or the count shows a leak). */
  watchedDirs(): string[] {
    return this.open().map((w) => w.dir).sort();
  }

  // ---- DirectoryWatcher ----

  watch(dir: string, _entry: (path: string) => boolean, handlers: DirectoryWatchHandlers): DirectoryWatch {
    const node = this.nodes.get(dir);
    const watch: FakeWatch = { dir, node: node?.directory ? node : null, handlers, closed: false };
    this.watches.push(watch);
    setImmediate(() => {
      if (!watch.closed) handlers.ready();
    });
    return {
      close: () => {
        watch.closed = true;
        this.watches.splice(this.watches.indexOf(watch), 1);
      },
    };
  }

  probe(path: string): PathProbe | null {
    const node = this.nodes.get(path);
    return node ? { directory: node.directory, id: `ino:${node.ino}` } : null;
  }

  realLocation(path: string): string | null {
    return path; // no symlinks here
  }

  // ---- inside ----

  private newIno(): number {
    return this.freed.pop() ?? this.nextIno++;
  }

  private open(): FakeWatch[] {
    return this.watches.filter((w) => !w.closed);
  }

  private requireDir(path: string): void {
    if (!this.nodes.get(path)?.directory) throw new Error(`${path}: ENOENT (not a directory)`);
  }

  /** `path` and everything below it, parents first. */
  private subtree(path: string): string[] {
    if (!this.nodes.has(path)) throw new Error(`${path}: ENOENT`);
    const prefix = path === '/' ? '/' : `${path}/`;
    return [path, ...[...this.nodes.keys()].filter((p) => p.startsWith(prefix)).sort()];
  }

  /** An entry `name` of the directory now at `dir` changed: its watches report it under their own path. */
  private report(dir: string, type: DirectoryEvent['type'], name: string): void {
    const node = this.nodes.get(dir);
    if (node) this.deliver(node, (w) => ({ type, path: join(w.dir, name), self: false }));
  }

  /** The directory `node` was moved or deleted: inotify names it like an entry of the same name. */
  private reportSelf(node: Node): void {
    this.deliver(node, (w) => ({ type: 'rename', path: join(w.dir, basename(w.dir)), self: true }));
  }

  private deliver(node: Node, event: (w: FakeWatch) => DirectoryEvent): void {
    if (this.deaf) return;
    for (const w of this.open().filter((x) => x.node === node)) {
      const e = event(w);
      // Delivered later, like inotify's queue read by the event loop.
      setImmediate(() => {
        if (!w.closed) w.handlers.event(e);
      });
    }
  }
}
