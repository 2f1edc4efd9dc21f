import { textToBytes } from '../core/bytes';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { describeError } from '../core/errors';
import { ConfinedPath, hostPath, type FilePath, type FileSystem } from '../host/file-system';

/**
 * A file's bytes before the changes of a resource with a check (base64; null = it did not
 * exist), with the root it is confined to (null for a host path the configuration names).
 */
export interface UndoImage {
  path: string;
  root: string | null;
  before: string | null;
}

/** One resource whose follow-up commands have not all succeeded yet. */
export interface PendingEntry {
  /** When it was first recorded (ISO). */
  since: string;
  /** The commands, for humans reading the file (the next pass plans them again from the configuration). */
  commands: string[];
  /** For resources with a check: what each file held before the first unfinished change. */
  undo: UndoImage[];
}

// The record on disk is input like any other: a tampered or damaged one is refused whole.
const absolute = z.string().refine((p) => isAbsolute(p), 'not an absolute path');
const image = z.strictObject({
  path: absolute,
  // Records written before roots were kept have none: such an image matches no confined path.
  root: absolute.nullable().default(null),
  before: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64').nullable(),
});
const entry = z.strictObject({ since: z.string(), commands: z.array(z.string()), undo: z.array(image) });
// Not z.record: it drops an own `__proto__` key, and a resource may be named so.
const recordSchema = z.strictObject({ version: z.literal(1), resources: z.custom<object>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'not an object') });

/** The record's entries, each checked; throws on the first malformed one. */
function entriesOf(resources: object): [string, PendingEntry][] {
  return Object.entries(resources).map(([name, value]) => {
    const parsed = entry.safeParse(value);
    if (!parsed.success) throw new Error(`entry ${JSON.stringify(name)}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)[0] ?? ''}`);
    return [name, parsed.data];
  });
}

/** The record's path for a status file. */
export function pendingPath(statusFile: string): string {
  return `${statusFile}.pending.json`;
}

/**
 * Follow-up commands that survive crashes. Before a pass changes a resource's files it records
 * the resource here (atomically, fsynced: `writeFileAtomic`); the entry is removed only when all
 * of the resource's commands succeeded (or its files were put back). A new process reads the
 * record and runs those resources' commands again even when their files are already right.
 * Only names are acted on: the commands themselves come from the current configuration, and an
 * undo image only ever gives bytes for a path the resource's own plan names (undoFor).
 */
export class PendingCommands {
  // A Map: resource names are the user's, `constructor` or `__proto__` included.
  private record = new Map<string, PendingEntry>();
  /** What load() found wrong (kept for the report); `damaged` is cleared once the record is rewritten. */
  private found: string | null = null;
  private damaged: string | null = null;
  /** Set by load() when the record was unreadable or damaged: for this pass, every resource owes its commands. */
  private allPending = false;

  /** `path` null: nothing is recorded (tests, dry runs). */
  constructor(
    private readonly files: FileSystem,
    private readonly path: string | null,
  ) {}

  /**
   * Read the record, checking its shape and its names: a record that is not well formed, or
   * names a resource not in `known`, is damaged. A damaged record is never acted on (no undo
   * image of it is put back); it means "unknown": every resource is treated as pending (its
   * commands, from the configuration, run once more), never as done; the next save replaces it.
   */
  async load(known?: ReadonlySet<string>): Promise<void> {
    this.damaged = null;
    this.found = null;
    this.allPending = false;
    this.record = new Map();
    if (this.path === null) return;
    try {
      const bytes = await this.files.readFile(this.path, { maxBytes: 16 * 1024 * 1024 });
      if (bytes === null) return;
      const parsed = recordSchema.safeParse(JSON.parse(bytes.toString('utf8')));
      if (!parsed.success) throw new Error(`not a version 1 record (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)[0] ?? ''})`);
      const entries = entriesOf(parsed.data.resources);
      const strangers = known ? entries.map(([name]) => name).filter((name) => !known.has(name)) : [];
      if (strangers.length > 0) throw new Error(`names resources that are not configured: ${strangers.join(', ')}`);
      this.record = new Map(entries);
    } catch (error) {
      this.damaged = `damaged record ${this.path}: ${describeError(error)}; not acted on`;
      this.found = this.damaged;
      this.allPending = true;
    }
  }

  /** Why the record last loaded was not used (then every resource counts as pending), or null. */
  get problem(): string | null {
    return this.found;
  }

  /** Whether a resource's commands are still owed (always true while the record is damaged). */
  isPending(name: string): boolean {
    return this.allPending || this.record.has(name);
  }

  /**
   * What is wrong with the images recorded for `name`, given the paths its plan may write: each
   * image naming another path (a tampered record) is named, or null. Reported on every pass the
   * entry is seen — whether or not a check fails and images are used — and never acted on.
   */
  strays(name: string, own: readonly FilePath[]): string | null {
    const strays = (this.record.get(name)?.undo ?? []).filter((image) => undoTarget(image, own) === null);
    if (strays.length === 0) return null;
    const named = strays.map((i) => `${i.path}${i.root === null ? '' : ` (root ${i.root})`}`).join(', ');
    return `damaged record ${this.path ?? ''}: undo images of ${name} name ${named}, not its files; not acted on`;
  }

  names(): string[] {
    return [...this.record.keys()];
  }

  entry(name: string): PendingEntry | undefined {
    return this.record.get(name);
  }

  /**
   * Record a resource before its files change. Undo images already recorded win (they are what
   * the files held before the first unfinished change). Throws when the record cannot be written:
   * then the files must not be changed either.
   */
  async remember(name: string, commands: string[], undo: UndoImage[], now: number): Promise<void> {
    const existing = this.record.get(name);
    const known = new Set((existing?.undo ?? []).map(imageKey));
    const entry: PendingEntry = {
      since: existing?.since ?? new Date(now).toISOString(),
      commands,
      undo: [...(existing?.undo ?? []), ...undo.filter((u) => !known.has(imageKey(u)))],
    };
    if (existing && JSON.stringify(existing) === JSON.stringify(entry) && this.damaged === null) return;
    this.record.set(name, entry);
    await this.save();
  }

  /** Drop resources whose commands all succeeded (or whose files were put back). */
  async forget(names: Iterable<string>): Promise<void> {
    let changed = this.damaged !== null;
    for (const name of names) if (this.record.delete(name)) changed = true;
    if (changed) await this.save();
  }

  private async save(): Promise<void> {
    if (this.path === null) return;
    if (this.record.size === 0) {
      await this.files.remove(hostPath(this.path));
    } else {
      // 0600: undo images hold the bytes of managed files.
      const data = { version: 1, resources: Object.fromEntries(this.record) };
      await this.files.writeFileAtomic(hostPath(this.path), `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    }
    this.damaged = null;
  }
}

function imageKey(image: UndoImage): string {
  return JSON.stringify([image.root, image.path]);
}

/** The recorded shape of a path: its root (null for a host path) and its absolute path. */
function located(path: FilePath): { root: string | null; path: string } {
  return path instanceof ConfinedPath ? { root: path.root, path: path.path } : { root: null, path };
}

/** Undo images of a plan's files (base64 bytes, null for a file the plan creates). */
export function undoImages(changes: readonly { path: FilePath; before: string | Buffer | null }[], removals: readonly { path: FilePath; before?: Buffer }[]): UndoImage[] {
  const images: UndoImage[] = changes.map((c) => ({ ...located(c.path), before: undoBytes(c.before) }));
  for (const r of removals) if (r.before !== undefined) images.push({ ...located(r.path), before: r.before.toString('base64') });
  return images;
}

/**
 * Where an undo image may be put back: the plan's own path it names (a HostPath the
 * configuration gave, or a ConfinedPath under the same root), or a path below a confined tree
 * of the plan's scope. null: the image names anything else — damaged, never acted on.
 */
export function undoTarget(image: UndoImage, own: readonly FilePath[]): FilePath | null {
  for (const path of own) {
    if (!(path instanceof ConfinedPath)) {
      if (image.root === null && image.path === path) return path;
      continue;
    }
    if (image.root !== path.root) continue;
    let candidate: ConfinedPath;
    try {
      candidate = ConfinedPath.inside(path.root, image.path);
    } catch {
      continue;
    }
    if (path.contains(candidate)) return candidate;
  }
  return null;
}

/** An undo image's bytes as stored (base64); a string `before` is a byte string (core/bytes), never UTF-8. */
export function undoBytes(before: string | Buffer | null): string | null {
  return before === null ? null : (typeof before === 'string' ? textToBytes(before) : before).toString('base64');
}
