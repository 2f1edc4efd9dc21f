import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, linkSync, lstatSync, mkdirSync, openSync, readSync, realpathSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { describeError } from '../core/errors';
import { ConfinedPath, type FilePath } from '../host/file-system';
import type { ClaimHolder, ClaimResult, PathClaims } from '../host/path-claims';
import { currentOwner, sameOwner, stillRunning, type Owner } from './process-owner';

/** A claim file is a few hundred bytes; anything larger is not one of ours (never read further). */
export const MAX_CLAIM_BYTES = 4096;

/** What a claim file records. */
interface Claim extends Owner {
  statusFile: string;
}

type Found = { kind: 'none' } | { kind: 'damaged'; why: string } | { kind: 'claim'; claim: Claim & { path: string } };

export interface ClaimsDirectoryOptions {
  /** `status.claimsDir`: shared by every controller of the host. */
  dir: string;
  /** This controller's status file (made absolute). */
  statusFile: string;
  /** This process; tests give fake owners. */
  me?: Owner;
  /** Whether a recorded owner still runs (pid, start time, boot); tests give a model. */
  live?: (owner: Owner) => boolean;
}

/**
 * PathClaims as one file per real host path in a directory (`<sha256 of the path>.json`). A claim
 * is created whole and exclusively (written to a temp file, then hard-linked to its name: EEXIST
 * when another controller was first), read without following links, at most MAX_CLAIM_BYTES, and
 * validated (it must name the path it is for). A damaged entry (a link, a FIFO, garbage, another
 * path) is no owner: it is removed (the entry itself, never what it points to) and replaced. The
 * directory must be a real directory of this user, writable by no one else.
 */
export class ClaimsDirectory implements PathClaims {
  private readonly me: Claim;
  private readonly live: (owner: Owner) => boolean;
  /** Claim files this process created, released at exit when still its own. */
  private readonly written = new Set<string>();

  constructor(private readonly options: ClaimsDirectoryOptions) {
    this.me = { ...(options.me ?? currentOwner()), statusFile: resolve(options.statusFile) };
    this.live = options.live ?? stillRunning;
  }

  claim(paths: readonly FilePath[]): ClaimResult {
    return this.run(paths, true);
  }

  check(paths: readonly FilePath[]): ClaimResult {
    return this.run(paths, false);
  }

  releaseAll(): void {
    for (const file of this.written) {
      try {
        const found = readClaim(file);
        if (found.kind === 'claim' && sameOwner(found.claim, this.me)) unlinkSync(file);
      } catch {
        // gone, or not ours to remove: nothing to release
      }
    }
    this.written.clear();
  }

  private run(paths: readonly FilePath[], write: boolean): ClaimResult {
    try {
      if (paths.length === 0 || !this.prepare(write)) return { kind: 'claimed' };
      const targets = [...new Set(paths.map(realOf))].map((real) => ({ real, file: join(this.options.dir, `${createHash('sha256').update(real).digest('hex')}.json`) }));
      // All or nothing: a held path leaves the others unclaimed too.
      for (const t of targets) {
        const holder = this.holderOf(readClaim(t.file), t.real);
        if (holder) return { kind: 'held', holder };
      }
      if (!write) return { kind: 'claimed' };
      for (const t of targets) {
        const result = this.claimOne(t.file, t.real);
        if (result.kind !== 'claimed') return result;
      }
      return { kind: 'claimed' };
    } catch (error) {
      return { kind: 'unavailable', problem: `cannot use the claims directory ${this.options.dir}: ${describeError(error)}` };
    }
  }

  /** Another live controller (another status file) holding `real`, or null. */
  private holderOf(found: Found, real: string): ClaimHolder | null {
    if (found.kind !== 'claim' || found.claim.path !== real) return null;
    const { claim } = found;
    if (sameOwner(claim, this.me) || claim.statusFile === this.me.statusFile || !this.live(claim)) return null;
    return { path: real, pid: claim.pid, statusFile: claim.statusFile };
  }

  private claimOne(file: string, real: string): ClaimResult {
    for (let attempt = 0; attempt < 3; attempt++) {
      const found = readClaim(file);
      if (found.kind === 'claim' && found.claim.path === real) {
        const holder = this.holderOf(found, real);
        if (holder) return { kind: 'held', holder };
        if (sameOwner(found.claim, this.me) || (found.claim.statusFile === this.me.statusFile && this.live(found.claim))) return { kind: 'claimed' };
      }
      if (found.kind !== 'none') {
        // Stale (its owner is gone) or damaged: remove the entry itself (unlink never follows a link).
        unlinkIfPresent(file);
        continue;
      }
      const temp = join(this.options.dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
      const record: Claim & { version: 1; path: string; since: string } = { version: 1, path: real, ...this.me, since: new Date().toISOString() };
      writeFileSync(temp, `${JSON.stringify(record)}\n`, { flag: 'wx', mode: 0o600 });
      try {
        linkSync(temp, file); // exclusive: EEXIST when another controller claimed it first
        this.written.add(file);
        return { kind: 'claimed' };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        unlinkIfPresent(temp);
      }
    }
    return { kind: 'unavailable', problem: `could not claim ${real} in ${this.options.dir}: contended` };
  }

  /** Create the directory (when writing) and check it; false when it is absent (a dry run: no claims). */
  private prepare(write: boolean): boolean {
    const dir = this.options.dir;
    if (write) mkdirSync(dir, { recursive: true, mode: 0o700 });
    let stat;
    try {
      stat = lstatSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !write) return false;
      throw error;
    }
    if (!stat.isDirectory()) throw new Error('not a directory (a symlink is refused)');
    const euid = process.geteuid?.() ?? stat.uid;
    if (stat.uid !== euid) throw new Error(`owned by uid ${stat.uid}, not by this user (uid ${euid})`);
    if ((stat.mode & 0o022) !== 0) throw new Error(`writable by others (mode ${(stat.mode & 0o777).toString(8)})`);
    return true;
  }
}

/** The real host path a write lands on: links resolved as far as the path exists (a ConfinedPath: its root's only). */
function realOf(path: FilePath): string {
  if (path instanceof ConfinedPath) return join(realOrSelf(path.root), relative(path.root, path.path));
  let existing: string = path;
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(existing), ...rest.reverse());
    } catch {
      if (dirname(existing) === existing) return path;
      rest.push(basename(existing));
      existing = dirname(existing);
    }
  }
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function unlinkIfPresent(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** A claim file, read safely: no link followed, only a regular file, at most MAX_CLAIM_BYTES, validated. */
function readClaim(file: string): Found {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'none' };
    if (code === 'ELOOP') return { kind: 'damaged', why: 'a symlink' };
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { kind: 'damaged', why: 'not a regular file' };
    if (stat.size > MAX_CLAIM_BYTES) return { kind: 'damaged', why: `larger than ${MAX_CLAIM_BYTES} bytes` };
    const buffer = Buffer.alloc(MAX_CLAIM_BYTES + 1);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    if (length > MAX_CLAIM_BYTES) return { kind: 'damaged', why: `larger than ${MAX_CLAIM_BYTES} bytes` };
    const claim = parseClaim(buffer.subarray(0, length).toString('utf8'));
    return claim ? { kind: 'claim', claim } : { kind: 'damaged', why: 'not a claim record' };
  } finally {
    closeSync(fd);
  }
}

function parseClaim(text: string): (Claim & { path: string }) | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  const optional = (v: unknown): v is string | null => v === null || (typeof v === 'string' && v.length <= 256);
  const absolute = (v: unknown): v is string => typeof v === 'string' && isAbsolute(v) && v.length <= 1024;
  if (d.version !== 1 || !absolute(d.path) || !absolute(d.statusFile)) return null;
  if (typeof d.pid !== 'number' || !Number.isInteger(d.pid) || d.pid <= 0 || !optional(d.start) || !optional(d.boot)) return null;
  return { path: d.path, statusFile: d.statusFile, pid: d.pid, start: d.start, boot: d.boot };
}
