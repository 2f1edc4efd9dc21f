import type { FilePath } from './file-system';

/** Another live controller that claimed a path this one would write. */
export interface ClaimHolder {
  /** The real host path the claim is on. */
  path: string;
  pid: number;
  /** The other controller's status file (absolute): how an operator tells the two apart. */
  statusFile: string;
}

/**
 * What claiming the files of a plan found: every path is this controller's (`claimed`), one is
 * held by another live controller (`held`: nothing may be written), or the claims could not be
 * read or written at all (`unavailable`: the claims directory is missing, read-only or unsafe).
 */
export type ClaimResult = { kind: 'claimed' } | { kind: 'held'; holder: ClaimHolder } | { kind: 'unavailable'; problem: string };

/**
 * One marker per managed real host path, shared by every controller of the host (a directory,
 * `status.claimsDir`), so that two controllers with different status files never write the same
 * file. Implemented by adapters/claims-directory. A claim records its owner (pid, start time,
 * boot) and status file; a claim whose owner is gone is taken over, a claim of a controller with
 * the same status file counts as this controller's own (a `--once` beside its daemon).
 */
export interface PathClaims {
  /** Claim every path (checked again on every call: a claim taken over meanwhile is seen). */
  claim(paths: readonly FilePath[]): ClaimResult;
  /** The same answer without writing anything (a dry run). */
  check(paths: readonly FilePath[]): ClaimResult;
  /** Remove the claims this process wrote (those still its own); at a clean exit. */
  releaseAll(): void;
}
