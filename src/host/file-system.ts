import { isAbsolute, join, normalize, relative } from 'node:path';
import { FileError } from '../core/errors';

/** Reads are bounded: a file larger than this (unless a smaller cap is asked for) is refused. */
export const DEFAULT_MAX_READ_BYTES = 16 * 1024 * 1024;

/** Cap for the configuration files read as text (unit files, drop-ins, service files, FileLine targets, INI). */
export const MAX_TEXT_FILE_BYTES = 1024 * 1024;

/** FileError codes of refusals (besides the errno codes of real failures). */
export const UNSAFE_PATH = 'UNSAFE_PATH';
export const NOT_REGULAR = 'ENOTREG';
export const TOO_LARGE = 'EFBIG';

/**
 * How symlinks below a confining root are treated: `follow-within` (reads) follows a relative
 * link while it stays below the root; `refuse` (anything that is written or deleted) refuses
 * every symlink below the root. Either way an absolute link, or one climbing above the root,
 * is refused (FileError code UNSAFE_PATH, the message names the link).
 */
export type LinkPolicy = 'follow-within' | 'refuse';

declare const hostBrand: unique symbol;

/**
 * A host path the configuration names (a unit file, the status file, an explicit `path:`):
 * written as named, links followed like an editor would. Made only by hostPath(), which lint
 * (`no-restricted-imports` in eslint.config.mjs) lets only the modules that turn configuration
 * values into paths import: a path a container controls can never become one.
 */
export type HostPath = string & { readonly [hostBrand]: 'HostPath' };

/** Brand a configured absolute path (lint keeps the callers to configuration code). */
export function hostPath(path: string): HostPath {
  if (!isAbsolute(path)) throw unsafePath(path, `${path} is not an absolute path`);
  return path as HostPath;
}

/**
 * A path below a root that a container (a volume) or a mirrored tree controls. It carries its
 * root, and the only operations on it are the confined ones (adapters/confined-files): every
 * directory on the way is opened without following links, so nothing below `root` can lead a
 * read, a write, a removal or a put-back out of it. Made only by ConfinedPath.inside(), which
 * refuses a path that leaves its root lexically (`..`). Not a string: it cannot be passed where
 * FileSystem takes a HostPath.
 */
export class ConfinedPath {
  /** Nominal: no other object (a literal with the same fields) is a ConfinedPath. */
  private declare readonly confined: true;

  private constructor(
    /** The directory nothing may leave (a volume's mountpoint, a mirrored tree). */
    readonly root: string,
    /** The absolute path below (or at) `root`, normalised; for messages, watches, keys. */
    readonly path: string,
  ) {}

  /** `path` (absolute, or relative to `root`) below `root`; FileError UNSAFE_PATH when it leaves it. */
  static inside(root: string, path: string): ConfinedPath {
    if (!isAbsolute(root)) throw unsafePath(root, `${root} is not an absolute path`);
    const base = trimSlash(normalize(root));
    const full = trimSlash(isAbsolute(path) ? normalize(path) : join(base, path));
    const rel = relative(base, full);
    if (rel === '..' || rel.startsWith('../') || isAbsolute(rel)) throw unsafePath(path, `${path} is not inside ${root}`);
    return new ConfinedPath(base, full);
  }

  /** A path below this one (`rel` relative to it), still confined to the same root. */
  child(rel: string): ConfinedPath {
    return ConfinedPath.inside(this.root, join(this.path, rel));
  }

  /** The same root, and this path or below it. */
  contains(other: ConfinedPath): boolean {
    return other.root === this.root && (other.path === this.path || other.path.startsWith(this.path === '/' ? '/' : `${this.path}/`));
  }

  toString(): string {
    return this.path;
  }

  toJSON(): string {
    return this.path;
  }
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/** What may be written or removed: a configured host path, or a path confined to its root. */
export type FilePath = HostPath | ConfinedPath;

/** A key that tells two targets apart (the same path under two roots are different targets). */
export function pathKey(path: FilePath): string {
  return path instanceof ConfinedPath ? `${path.root}\0${path.path}` : path;
}

export interface ReadOptions {
  /** Refuse (FileError code TOO_LARGE) a file larger than this; never more is read. Default DEFAULT_MAX_READ_BYTES. */
  maxBytes?: number;
  /** For a ConfinedPath; default `follow-within`. */
  links?: LinkPolicy;
}

export interface WriteOptions {
  /** Set this mode instead of keeping the existing one. */
  mode?: number;
}

export interface TreeOptions {
  /** For a ConfinedPath; default `follow-within`. */
  links?: LinkPolicy;
}

/**
 * File access used by sources and resources. Implemented by adapters/node-file-system. Writes
 * and removals take a FilePath only: a HostPath is written as named, a ConfinedPath through
 * the confined walk; a plain string does not compile.
 */
export interface FileSystem {
  /**
   * A regular file's bytes, or null when it does not exist. Only regular files are read (opened
   * non-blocking, checked with fstat: anything else is FileError code NOT_REGULAR, never
   * opened when a stat already tells), and at most `maxBytes` (TOO_LARGE beyond). A host path
   * follows symlinks; a ConfinedPath, see LinkPolicy. Other failures throw FileError.
   */
  readFile(path: string | ConfinedPath, options?: ReadOptions): Promise<Buffer | null>;
  /** Entry names of a directory, or null when it does not exist. */
  listDir(path: string): Promise<string[] | null>;
  /** Whether a path exists (any type). */
  exists(path: string): Promise<boolean>;
  /**
   * Replace a file atomically: temp file in the same directory, fsync, rename; an existing
   * file's mode and owner are kept; no temp file is left behind on failure. Parent
   * directories are created when missing. A string is written as UTF-8. A ConfinedPath: every
   * directory is opened without following links and the file is replaced relative to the
   * opened directory, so a link swapped in meanwhile cannot redirect the write (UNSAFE_PATH).
   */
  writeFileAtomic(path: FilePath, data: string | Buffer, options?: WriteOptions): Promise<void>;
  /** Delete a regular file; a missing file is not an error. A ConfinedPath as for writes. */
  remove(path: FilePath): Promise<void>;
  /**
   * Regular files and symlinks below `dir` (relative paths, `/`-separated), without following
   * symlinks; null when `dir` does not exist. A ConfinedPath is reached as a read with the
   * given link policy.
   */
  listTree(dir: string | ConfinedPath, options?: TreeOptions): Promise<TreeEntry[] | null>;
  /** The target of a symbolic link as stored (e.g. `socket:[123]` for /proc/<pid>/fd/N), or null when it is missing or not a link. */
  readLink(path: string): Promise<string | null>;
  /** The canonical path (symlinks resolved), or null when it does not resolve. */
  realPath(path: string): Promise<string | null>;
}

/** An entry of a directory tree. */
export interface TreeEntry {
  path: string;
  type: 'file' | 'symlink' | 'other';
  mode: number;
}

/** The FileError code of a thrown value (undefined for anything else). */
export function fileErrorCode(error: unknown): string | undefined {
  return error instanceof FileError ? error.code : undefined;
}

/** The error of a path that would leave its root or go through a symlink. */
export function unsafePath(path: string, message: string): FileError {
  return new FileError(UNSAFE_PATH, path, message);
}
