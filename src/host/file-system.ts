/** File access used by sources and resources. Implemented by adapters/node-file-system. */
export interface FileSystem {
  /** Whole file as bytes, or null when it does not exist. Other failures throw FileError. */
  readFile(path: string): Promise<Buffer | null>;
  /** Entry names of a directory, or null when it does not exist. */
  listDir(path: string): Promise<string[] | null>;
  /** Whether a path exists (any type). */
  exists(path: string): Promise<boolean>;
  /**
   * Replace a file atomically: temp file in the same directory, fsync, rename; an existing
   * file's mode and owner are kept; no temp file is left behind on failure. Parent
   * directories are created when missing.
   */
  writeFileAtomic(path: string, data: string | Buffer, options?: { /** set this mode instead of keeping the existing one */ mode?: number }): Promise<void>;
  /** Delete a file; a missing file is not an error. */
  remove(path: string): Promise<void>;
  /**
   * Regular files and symlinks below `dir` (relative paths, `/`-separated), without following
   * symlinks; null when `dir` does not exist.
   */
  listTree(dir: string): Promise<TreeEntry[] | null>;
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
