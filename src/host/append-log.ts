/**
 * An append-only line log with one rotated file (the journal). Implemented by
 * adapters/node-append-log.
 */
export interface AppendLog {
  /**
   * Append `line` and a newline in one write, synced to disk. When the file would grow past
   * `maxBytes`, it is first renamed to `<path>.1` (replacing the previous one). A last line
   * left torn by a crash is closed with a newline first, so the new line stays whole.
   * Parent directories are created when missing. Failures throw FileError.
   */
  append(path: string, line: string, options: { maxBytes: number }): Promise<void>;
  /** The last `limit` bytes of the file at most (the first line may then be cut), or null when it does not exist. */
  readTail(path: string, limit: number): Promise<string | null>;
}
