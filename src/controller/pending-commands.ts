import { describeError } from '../core/errors';
import type { FileSystem } from '../host/file-system';

/** A file's bytes before the changes of a resource with a check (base64; null = it did not exist). */
export interface UndoImage {
  path: string;
  before: string | null;
  /** Put back in place (keeping the inode: a single-file bind mount), as the change was written. */
  inPlace?: boolean;
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

/** The durable record: `<status file>.pending.json`. */
export interface PendingRecord {
  version: 1;
  resources: Record<string, PendingEntry>;
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
 * Only names are acted on: the commands themselves come from the current configuration.
 */
export class PendingCommands {
  private record: PendingRecord = { version: 1, resources: {} };
  private unreadable: string | null = null;
  /** Set by load() when the record was unreadable: for this pass, every resource owes its commands. */
  private allPending = false;

  /** `path` null: nothing is recorded (tests, dry runs). */
  constructor(
    private readonly files: FileSystem,
    private readonly path: string | null,
  ) {}

  /**
   * Read the record. An unreadable or damaged record means "unknown": every resource is treated
   * as pending (its commands run once more), never as done.
   */
  async load(): Promise<void> {
    this.unreadable = null;
    this.allPending = false;
    this.record = { version: 1, resources: {} };
    if (this.path === null) return;
    try {
      const bytes = await this.files.readFile(this.path);
      if (bytes === null) return;
      const data = JSON.parse(bytes.toString('utf8')) as Partial<PendingRecord>;
      if (data.version !== 1 || typeof data.resources !== 'object' || data.resources === null) throw new Error('not a version 1 record');
      this.record = { version: 1, resources: data.resources };
    } catch (error) {
      this.unreadable = `${this.path}: ${describeError(error)}`;
      this.allPending = true;
    }
  }

  /** Why the record could not be read (then every resource counts as pending), or null. */
  get problem(): string | null {
    return this.unreadable;
  }

  /** Whether a resource's commands are still owed (always true while the record is unreadable). */
  isPending(name: string): boolean {
    return this.allPending || name in this.record.resources;
  }

  names(): string[] {
    return Object.keys(this.record.resources);
  }

  entry(name: string): PendingEntry | undefined {
    return this.record.resources[name];
  }

  /**
   * Record a resource before its files change. Undo images already recorded win (they are what
   * the files held before the first unfinished change). Throws when the record cannot be written:
   * then the files must not be changed either.
   */
  async remember(name: string, commands: string[], undo: UndoImage[], now: number): Promise<void> {
    const existing = this.record.resources[name];
    const known = new Set((existing?.undo ?? []).map((u) => u.path));
    const entry: PendingEntry = {
      since: existing?.since ?? new Date(now).toISOString(),
      commands,
      undo: [...(existing?.undo ?? []), ...undo.filter((u) => !known.has(u.path))],
    };
    if (existing && JSON.stringify(existing) === JSON.stringify(entry) && this.unreadable === null) return;
    this.record.resources[name] = entry;
    await this.save();
  }

  /** Drop resources whose commands all succeeded (or whose files were put back). */
  async forget(names: Iterable<string>): Promise<void> {
    let changed = this.unreadable !== null;
    for (const name of names) {
      if (name in this.record.resources) {
        delete this.record.resources[name];
        changed = true;
      }
    }
    if (changed) await this.save();
  }

  private async save(): Promise<void> {
    if (this.path === null) return;
    if (Object.keys(this.record.resources).length === 0) {
      await this.files.remove(this.path);
    } else {
      // 0600: undo images hold the bytes of managed files.
      await this.files.writeFileAtomic(this.path, `${JSON.stringify(this.record, null, 2)}\n`, { mode: 0o600 });
    }
    this.unreadable = null;
  }
}

/** Undo images of a plan's files (base64 bytes, null for a file the plan creates). */
export function undoImages(changes: readonly { path: string; before: string | Buffer | null; inPlace?: boolean }[], removals: readonly { path: string; before?: Buffer }[]): UndoImage[] {
  const images: UndoImage[] = changes.map((c) => ({ path: c.path, before: c.before === null ? null : (typeof c.before === 'string' ? Buffer.from(c.before, 'latin1') : c.before).toString('base64'), ...(c.inPlace ? { inPlace: true } : {}) }));
  for (const r of removals) if (r.before !== undefined) images.push({ path: r.path, before: r.before.toString('base64') });
  return images;
}
