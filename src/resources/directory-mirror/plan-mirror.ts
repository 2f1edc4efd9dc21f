import { join } from 'node:path';
import type { CommandStep, FileChange, FileRemoval, Plan, PlanOptions } from '../plan';

/** A regular file of the mirrored set (relative path, bytes, permission bits). */
export interface MirrorFile {
  path: string;
  data: Buffer;
  mode: number;
}

export type MirrorState =
  | { found: false; message: string }
  | {
      found: true;
      from: string;
      to: string;
      source: MirrorFile[];
      target: MirrorFile[];
      /** Target entries that are symlinks: never written through. */
      targetSymlinks: string[];
      /** Target symlinks that match `include` (pruned with `prune`); all of targetSymlinks when absent. */
      prunableSymlinks?: string[];
      /** Source entries left out on purpose (symlinks leaving the tree, sockets, …). */
      skipped: { path: string; why: string }[];
      /** Source files that could not be read. */
      unreadable: { path: string; why: string }[];
    };

/** The target file has the source file's bytes and mode. */
function sameFile(target: MirrorFile | undefined, source: MirrorFile): boolean {
  return target !== undefined && target.data.equals(source.data) && target.mode === source.mode;
}

/** Pure: the writes (and, with prune, deletions) that make the target's files equal the source's. */
export function planMirror(state: MirrorState, settings: { prune: boolean; after: CommandStep[] }, options: PlanOptions): Plan {
  if (!state.found) return { changes: [], commands: [], absent: state.message };
  if (state.unreadable.length > 0) {
    const first = state.unreadable[0] as { path: string; why: string };
    return { changes: [], commands: [], problem: `cannot read ${join(state.from, first.path)}: ${first.why}`, problemReason: 'SourceUnreadable' };
  }
  // A symlink at the file's path or at one of its parent directories would be written through.
  const blocked = state.targetSymlinks.find((link) => state.source.some((f) => f.path === link || f.path.startsWith(`${link}/`)));
  if (blocked !== undefined) return { changes: [], commands: [], problem: `${join(state.to, blocked)} is a symlink; refusing to write through it` };
  const target = new Map(state.target.map((f) => [f.path, f]));
  const changes: FileChange[] = [];
  for (const file of state.source) {
    const current = target.get(file.path);
    if (sameFile(current, file)) continue;
    changes.push({ path: join(state.to, file.path), before: current?.data ?? null, after: file.data, mode: file.mode });
  }
  const wanted = new Set(state.source.map((f) => f.path));
  const removals: FileRemoval[] = settings.prune
    ? [...state.target.filter((f) => !wanted.has(f.path)).map((f) => f.path), ...(state.prunableSymlinks ?? state.targetSymlinks).filter((p) => !wanted.has(p))].map((p) => ({ path: join(state.to, p) }))
    : [];
  const changed = changes.length > 0 || removals.length > 0;
  return { changes, removals, commands: changed || options.retryCommands ? settings.after : [] };
}

/** How many source files the target already has right. */
export function filesInSync(state: Extract<MirrorState, { found: true }>): number {
  const target = new Map(state.target.map((f) => [f.path, f]));
  return state.source.filter((f) => sameFile(target.get(f.path), f)).length;
}
