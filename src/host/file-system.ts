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
  writeFileAtomic(path: string, data: string): Promise<void>;
}
