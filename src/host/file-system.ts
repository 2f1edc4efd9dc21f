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

export interface ReadOptions {
  /** Refuse (FileError code TOO_LARGE) a file larger than this; never more is read. Default DEFAULT_MAX_READ_BYTES. */
  maxBytes?: number;
  /** The path is inside this directory (a volume, a mirrored tree) and must never leave it. */
  within?: string;
  /** With `within`; default `follow-within`. */
  links?: LinkPolicy;
}

export interface WriteOptions {
  /** Set this mode instead of keeping the existing one. */
  mode?: number;
  /** As for reads; no symlink below this root is written through (UNSAFE_PATH). */
  within?: string;
}

export interface TreeOptions {
  within?: string;
  links?: LinkPolicy;
}

/** File access used by sources and resources. Implemented by adapters/node-file-system. */
export interface FileSystem {
  /**
   * A regular file's bytes, or null when it does not exist. Only regular files are read (opened
   * non-blocking, checked with fstat: anything else is FileError code NOT_REGULAR, never
   * opened when a stat already tells), and at most `maxBytes` (TOO_LARGE beyond). A host path
   * follows symlinks; with `within`, see LinkPolicy. Other failures throw FileError.
   */
  readFile(path: string, options?: ReadOptions): Promise<Buffer | null>;
  /** Entry names of a directory, or null when it does not exist. */
  listDir(path: string): Promise<string[] | null>;
  /** Whether a path exists (any type). */
  exists(path: string): Promise<boolean>;
  /**
   * Replace a file atomically: temp file in the same directory, fsync, rename; an existing
   * file's mode and owner are kept; no temp file is left behind on failure. Parent
   * directories are created when missing. A string is written as UTF-8. With `within`, every
   * directory is opened without following links and the file is replaced relative to the
   * opened directory, so a link swapped in meanwhile cannot redirect the write.
   */
  writeFileAtomic(path: string, data: string | Buffer, options?: WriteOptions): Promise<void>;
  /**
   * Overwrite a host file keeping its inode (a single-file bind mount): one write from offset 0,
   * truncate, fsync. Not atomic (see adapters/in-place-write). A missing file is created
   * atomically. Symlinks are followed, as for writeFileAtomic on a host path.
   */
  writeFileInPlace(path: string, data: string | Buffer): Promise<void>;
  /** Delete a regular file; a missing file is not an error. With `within`, as for writes. */
  remove(path: string, options?: { within?: string }): Promise<void>;
  /**
   * Regular files and symlinks below `dir` (relative paths, `/`-separated), without following
   * symlinks; null when `dir` does not exist. With `within`, `dir` itself is reached as a read
   * with that link policy.
   */
  listTree(dir: string, options?: TreeOptions): Promise<TreeEntry[] | null>;
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
