import type { ConfinedPath } from '../../host/file-system';
import { join } from 'node:path';
import { withScope, type CommandStep, type FileChange, type FileRemoval, type Plan, type PlanOptions } from '../plan';

/** A regular file of the mirrored set (relative path, bytes, permission bits). */
export interface MirrorFile {
  path: string;
  data: Buffer;
  mode: number;
}

export type MirrorState =
  | {
      found: false;
      message: string;
      /** refused: a symlink in the way (reason UnsafePath) */
      unsafe?: boolean;
      /** refused: a listing past its entry cap (reason CannotConverge) */
      tooLarge?: boolean;
    }
  | {
      found: true;
      from: string;
      /** The target tree, confined to its volume (or, a host path, to itself): every write and deletion stays below its root. */
      to: ConfinedPath;
      source: MirrorFile[];
      target: MirrorFile[];
      /** Target files (matching `include`) the source does not have: only their names, never read. */
      extra?: string[];
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
  if (!state.found) {
    if (state.unsafe) return unsafe(state.message);
    return state.tooLarge ? { changes: [], commands: [], problem: state.message } : { changes: [], commands: [], absent: state.message };
  }
  if (state.unreadable.length > 0) {
    const first = state.unreadable[0] as { path: string; why: string };
    return { changes: [], commands: [], problem: `cannot read ${join(state.from, first.path)}: ${first.why}`, problemReason: 'SourceUnreadable' };
  }
  // A symlink at the file's path or at one of its parent directories would be written through;
  // one that prune would delete is refused as well: nothing is written or deleted at a link.
  const blocked = state.targetSymlinks.find((link) => state.source.some((f) => f.path === link || f.path.startsWith(`${link}/`)));
  if (blocked !== undefined) return unsafe(`${join(state.to.path, blocked)} is a symlink; refusing to write through it`);
  const wanted = new Set(state.source.map((f) => f.path));
  const prunedLink = settings.prune ? (state.prunableSymlinks ?? state.targetSymlinks).find((p) => !wanted.has(p)) : undefined;
  if (prunedLink !== undefined) return unsafe(`${join(state.to.path, prunedLink)} is a symlink; refusing to delete it (remove it by hand)`);
  const target = new Map(state.target.map((f) => [f.path, f]));
  const changes: FileChange[] = [];
  for (const file of state.source) {
    const current = target.get(file.path);
    if (sameFile(current, file)) continue;
    changes.push({ path: state.to.child(file.path), before: current?.data ?? null, after: file.data, mode: file.mode });
  }
  const unwanted: FileRemoval[] = [
    ...state.target.filter((f) => !wanted.has(f.path)).map((f) => ({ path: state.to.child(f.path), before: f.data })),
    // Never read (a container may drop any number there): deleted without an undo image.
    ...(state.extra ?? []).map((path) => ({ path: state.to.child(path) })),
  ];
  const removals: FileRemoval[] = settings.prune ? unwanted : [];
  const changed = changes.length > 0 || removals.length > 0;
  return withScope({ changes, removals, commands: changed || options.retryCommands ? settings.after : [] }, [state.to]);
}

function unsafe(problem: string): Plan {
  return { changes: [], commands: [], problem, problemReason: 'UnsafePath' };
}

/** How many source files the target already has right. */
export function filesInSync(state: Extract<MirrorState, { found: true }>): number {
  const target = new Map(state.target.map((f) => [f.path, f]));
  return state.source.filter((f) => sameFile(target.get(f.path), f)).length;
}
