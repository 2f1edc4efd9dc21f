import { join, sep } from 'node:path';
import picomatch from 'picomatch';
import { describeError } from '../../core/errors';
import type { DesiredValue } from '../../sources/desired';
import type { DockerHost } from '../../host/docker-host';
import { ConfinedPath, fileErrorCode, NOT_REGULAR, TOO_LARGE, UNSAFE_PATH, type FileSystem, type LinkPolicy, type TreeEntry } from '../../host/file-system';
import { afterChangeContainers, afterChangeSteps } from '../after-change';
import { describeLocation, locate } from '../../files/locate';
import type { Observation, Plan, PlanOptions } from '../plan';
import type { Resource } from '../resource';
import { filesInSync, planMirror, type MirrorFile, type MirrorState } from './plan-mirror';
import type { DirectoryMirrorSpec } from '../../config/kind-specs';

/** Larger files are not mirrored (certificates and keys are a few KiB). */
export const MAX_MIRROR_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Keeps a target directory's files equal to a source directory's: created, updated, and with
 * `prune` deleted; files only, matching `include`; mode kept; symlinks never followed out of the
 * source tree and never written through in the target.
 */
export class DirectoryMirror implements Resource<MirrorState> {
  readonly kind = 'DirectoryMirror';
  readonly name: string;
  readonly source = null;
  private readonly matches: (path: string) => boolean;

  constructor(
    private readonly spec: DirectoryMirrorSpec,
    private readonly files: FileSystem,
    private readonly docker: DockerHost,
  ) {
    this.name = spec.name;
    this.matches = picomatch(spec.include, { dot: false });
  }

  containers(): string[] {
    return afterChangeContainers(this.spec.afterChange);
  }

  /** Watches both trees, each once located (a volume's through the Docker API). */
  async observe(): Promise<Observation<MirrorState>> {
    const { state, watch } = await this.read();
    if (!state.found) return { state, watch, value: null, summary: state.message };
    const inSync = filesInSync(state);
    const notes = state.skipped.map((s) => `skipped ${s.path}: ${s.why}`);
    return {
      state,
      watch,
      value: `${inSync}/${state.source.length} files`,
      desired: `${state.source.length} files`,
      summary: [`${inSync} of ${state.source.length} files mirrored`, ...notes].join('; '),
    };
  }

  plan(_desired: DesiredValue | null, state: MirrorState, options: PlanOptions): Plan {
    return planMirror(state, { prune: this.spec.prune, after: afterChangeSteps(this.spec.afterChange) }, options);
  }

  private async read(): Promise<{ state: MirrorState; watch: string[] }> {
    const from = await locate(this.spec.from, this.docker);
    const to = await locate(this.spec.to, this.docker);
    const watch = [from, to].flatMap((l) => (l.ok ? [l.path] : []));
    if (!from.ok) return { state: { found: false, message: `source ${from.message}` }, watch };
    if (!to.ok) return { state: { found: false, message: `target ${to.message}` }, watch };
    // Each tree is confined: to its volume, or (a host path) to the directory itself.
    try {
      return { state: await this.readTrees(from.tree, to.tree), watch };
    } catch (error) {
      if (fileErrorCode(error) === UNSAFE_PATH) return { state: { found: false, message: describeError(error), unsafe: true }, watch };
      // A listing past its entry cap (bounded-dir): refused as a whole, nothing mirrored.
      if (fileErrorCode(error) === TOO_LARGE) return { state: { found: false, message: `${describeError(error)}; nothing mirrored`, tooLarge: true }, watch };
      throw error;
    }
  }

  private async readTrees(from: ConfinedPath, to: ConfinedPath): Promise<MirrorState> {
    const fromPath = from.path;
    const sourceEntries = await this.files.listTree(from, { links: 'follow-within' });
    if (sourceEntries === null) return { found: false, message: `source ${describeLocation(this.spec.from)} does not exist` };
    // The target is written and pruned: no symlink on the way to it (links: refuse).
    const targetEntries = (await this.files.listTree(to, { links: 'refuse' })) ?? [];

    const root = (await this.files.realPath(fromPath)) ?? fromPath;
    const source: MirrorFile[] = [];
    const skipped: { path: string; why: string }[] = [];
    const unreadable: { path: string; why: string }[] = [];
    const byRealPath = new Map(sourceEntries.map((e) => [join(root, e.path), e]));
    for (const entry of sourceEntries.filter((e) => this.matches(e.path))) {
      const read = await this.readSourceEntry(from, root, byRealPath, entry);
      if ('file' in read) source.push(read.file);
      else if ('skip' in read) skipped.push({ path: entry.path, why: read.skip });
      else unreadable.push({ path: entry.path, why: read.unreadable });
    }
    const target: MirrorFile[] = [];
    // Every target symlink, whatever `include` says: a linked directory (`sub` → elsewhere)
    // must block writes of `sub/a.key` through it. Only included ones are pruned.
    const targetSymlinks = targetEntries.filter((e) => e.type === 'symlink').map((e) => e.path);
    const prunableSymlinks = targetSymlinks.filter((p) => this.matches(p));
    // Only the target files the plan compares are read: one the source does not have is only
    // ever deleted (prune), so its name is enough, whatever a container drops there.
    const wanted = new Set(source.map((f) => f.path));
    const extra: string[] = [];
    for (const entry of targetEntries.filter((e) => e.type === 'file' && this.matches(e.path))) {
      if (!wanted.has(entry.path)) {
        extra.push(entry.path);
        continue;
      }
      const data = await this.files.readFile(to.child(entry.path), { links: 'refuse', maxBytes: MAX_MIRROR_FILE_BYTES });
      if (data !== null) target.push({ path: entry.path, data, mode: entry.mode });
    }
    return { found: true, from: fromPath, to, source, target, extra, targetSymlinks, prunableSymlinks, skipped, unreadable };
  }

  /** `byRealPath`: the whole source listing (relative to `dir`, whose real path is `root`) by real path. */
  private async readSourceEntry(
    dir: ConfinedPath,
    root: string,
    byRealPath: ReadonlyMap<string, TreeEntry>,
    entry: TreeEntry,
  ): Promise<{ file: MirrorFile } | { skip: string } | { unreadable: string }> {
    let full = dir.child(entry.path);
    let links: LinkPolicy = 'follow-within';
    let mode = entry.mode;
    if (entry.type === 'other') return { skip: 'not a regular file' };
    if (entry.type === 'symlink') {
      const real = await this.files.realPath(full.path);
      if (real === null) return { skip: 'dangling symlink' };
      if (!real.startsWith(root + sep)) return { skip: 'symlink points outside the source tree' };
      const targetEntry = byRealPath.get(real);
      if (!targetEntry || targetEntry.type !== 'file') return { skip: 'symlink does not point to a regular file' };
      mode = targetEntry.mode;
      // Read the resolved path below the tree's real root, links refused: a link changed since
      // realpath() is refused (UnsafePath), never followed out.
      full = ConfinedPath.inside(root, real);
      links = 'refuse';
    }
    try {
      const data = await this.files.readFile(full, { links, maxBytes: MAX_MIRROR_FILE_BYTES });
      if (data === null) return { skip: 'removed while reading' };
      return { file: { path: entry.path, data, mode } };
    } catch (error) {
      const code = fileErrorCode(error);
      if (code === UNSAFE_PATH) throw error;
      if (code === TOO_LARGE) return { skip: `larger than ${MAX_MIRROR_FILE_BYTES} bytes` };
      if (code === NOT_REGULAR) return { skip: 'not a regular file' };
      return { unreadable: describeError(error) };
    }
  }
}
