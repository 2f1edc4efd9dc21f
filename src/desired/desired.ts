/**
 * The desired value of a source, or why it is not known. "Unknown" is never turned into a
 * default: resources depending on an unavailable or invalid source are left untouched.
 */
export type Desired =
  | { kind: 'value'; value: number; /** where it was read, for humans */ origin: string }
  | { kind: 'unavailable'; message: string }
  | { kind: 'invalid'; message: string };

/** Where desired values come from (configuration `sources.<name>`). */
export interface DesiredSource {
  readonly name: string;
  /** Containers whose events should trigger a pass. */
  containers(): string[];
  /** Files and directories whose changes should trigger a pass (known after a read). */
  watchPaths(): string[];
  read(): Promise<Desired>;
}
