import { describeError } from '../core/errors';
import { fileErrorCode, pathKey, UNSAFE_PATH, type FilePath } from '../host/file-system';
import { textToBytes } from '../core/bytes';
import { describeCheck, describeStep, runCheck, runCommandStep, type ActionResult, type ApplyDeps } from '../resources/apply-plan';
import { ownPaths, type CheckStep, type CommandStep, type Plan } from '../resources/plan';
import { isolate } from './isolate-parts';
import { undoBytes, undoTarget, type PendingCommands } from './pending-commands';

/** A resource whose files this pass has written (or tried to), waiting for its checks and commands. */
export interface Staged {
  name: string;
  plan: Plan;
  /** What the writes did. */
  actions: ActionResult[];
  /** Set when a write failed: no check and no command runs for this resource. */
  failure?: { reason: 'ApplyFailed' | 'UnsafePath'; message: string };
}

/** How the command phase ended for one resource. */
export interface PhaseResult {
  actions: ActionResult[];
  failure?: { reason: 'ApplyFailed' | 'CheckFailed' | 'UnsafePath'; message: string };
  /** Parts of a PartedChange left out because the check failed with them (the rest was applied), and the check's message. */
  refused?: { parts: { id: string; name: string }[]; why: string };
}

/** Identity of a step for deduplication (its check is collected separately). */
function stepKey(step: CommandStep): string {
  if ('exec' in step) return JSON.stringify(['exec', step.exec.container, step.exec.argv]);
  return JSON.stringify(['tool', step.tool, step.args, step.onlyIf ?? null, step.input ?? null]);
}

/**
 * Identical steps of several resources, once each, in an order that keeps every resource's own
 * order (`daemon-reload` before `restart`): a topological merge, ties (and cycles) broken by
 * first appearance.
 */
export function mergeSteps(lists: readonly (readonly CommandStep[])[]): { step: CommandStep; owners: number[] }[] {
  const nodes = new Map<string, { step: CommandStep; owners: number[]; order: number; after: Set<string> }>();
  lists.forEach((list, owner) => {
    let previous: string | null = null;
    for (const step of list) {
      const key = stepKey(step);
      let node = nodes.get(key);
      if (!node) nodes.set(key, (node = { step, owners: [], order: nodes.size, after: new Set() }));
      if (!node.owners.includes(owner)) node.owners.push(owner);
      if (previous !== null && previous !== key) node.after.add(previous);
      previous = key;
    }
  });
  const done = new Set<string>();
  const out: { step: CommandStep; owners: number[] }[] = [];
  const remaining = [...nodes.entries()];
  while (remaining.length > 0) {
    const ready = remaining.findIndex(([, n]) => [...n.after].every((k) => done.has(k)));
    const [key, node] = remaining.splice(ready >= 0 ? ready : 0, 1)[0] as [string, (typeof remaining)[number][1]];
    done.add(key);
    out.push({ step: node.step, owners: node.owners });
  }
  return out;
}

/**
 * The command phase of a pass, after every resource's files are written:
 * 1. each distinct check runs once; when one fails, every resource that has it — and every
 *    resource that wrote one of the same files — gets its files put back to the bytes they had
 *    before (the undo images of the durable record, else the plan's `before`) and runs nothing;
 * 2. the remaining resources' commands run deduplicated, in order; a failure stops the failing
 *    resource's later commands (a step shared with a resource still going runs for that one);
 * 3. resources whose commands all succeeded, or whose files were put back, leave the record.
 */
export async function runCommandPhase(staged: readonly Staged[], deps: ApplyDeps, pending: PendingCommands): Promise<Map<string, PhaseResult>> {
  const results = new Map<string, PhaseResult>(staged.map((s) => [s.name, { actions: [...s.actions] }]));
  const failed = (name: string): boolean => results.get(name)?.failure !== undefined;
  for (const s of staged) if (s.failure) (results.get(s.name) as PhaseResult).failure = s.failure;
  const live = staged.filter((s) => !s.failure && s.plan.commands.length > 0);

  // 1. Checks, each once.
  const checks = new Map<string, { check: CheckStep; owners: Staged[]; secrets: string[] }>();
  for (const s of live) {
    for (const step of s.plan.commands) {
      if (!step.check) continue;
      const key = JSON.stringify(step.check);
      const entry = checks.get(key) ?? { check: step.check, owners: [], secrets: [] };
      if (!entry.owners.includes(s)) entry.owners.push(s);
      if ('exec' in step && step.secrets) entry.secrets.push(...step.secrets);
      checks.set(key, entry);
    }
  }
  const rollback = new Map<string, string>();
  const unchanged = new Set<string>();
  for (const { check, owners, secrets } of checks.values()) {
    deps.signal?.throwIfAborted();
    const why = await runCheck(check, deps, secrets);
    // A check killed because the pass was abandoned says nothing about the files.
    deps.signal?.throwIfAborted();
    if (why === null) {
      for (const o of owners) results.get(o.name)?.actions.push({ action: `check ${describeCheck(deps.commands, check)}`, result: 'updated' });
      continue;
    }
    // One resource with a file of parts (Template): find the parts that fail it, keep the rest.
    const only = owners.length === 1 ? owners[0] : undefined;
    const isolated = only?.plan.parts && !rollback.has(only.name) ? await isolate(only, check, secrets, deps) : null;
    if (only && isolated) {
      const result = results.get(only.name) as PhaseResult;
      result.refused = { parts: isolated.culprits, why };
      result.actions.push({ action: `check ${describeCheck(deps.commands, check)} without ${isolated.culprits.map((p) => p.name).join(', ')}`, result: 'updated' });
      // Only the culprits changed: the file holds the bytes of the last finished change, nothing to reload.
      if (asBefore(only, isolated.text, pending)) unchanged.add(only.name);
      continue;
    }
    for (const o of owners) if (!rollback.has(o.name)) rollback.set(o.name, why);
  }
  if (rollback.size > 0) await putBack(staged, rollback, results, deps, pending);

  // 2. Commands, deduplicated.
  const going = live.filter((s) => !failed(s.name) && !unchanged.has(s.name));
  for (const { step, owners } of mergeSteps(going.map((s) => s.plan.commands))) {
    const alive = owners.map((i) => going[i] as Staged).filter((s) => !failed(s.name));
    if (alive.length === 0) continue;
    deps.signal?.throwIfAborted();
    const action = await runCommandStep(step, deps);
    // Killed by an abandoned pass: not a result; the record keeps the commands owed.
    deps.signal?.throwIfAborted();
    for (const s of alive) {
      const result = results.get(s.name) as PhaseResult;
      result.actions.push(action);
      if (action.result === 'failed') result.failure = { reason: 'ApplyFailed', message: action.message ?? describeStep(deps.commands, step) };
    }
  }

  // 3. Done with the record for every resource that owes nothing any more.
  try {
    await pending.forget(staged.filter((s) => !failed(s.name)).map((s) => s.name));
  } catch (error) {
    // Harmless: the commands run once more on the next pass.
    for (const s of staged) results.get(s.name)?.actions.push({ action: 'update the pending-commands record', result: 'failed', message: describeError(error) });
  }
  return results;
}

/** Put back the files of the resources whose check failed, and of every resource sharing a file with them. */
async function putBack(
  staged: readonly Staged[],
  rollback: Map<string, string>,
  results: Map<string, PhaseResult>,
  deps: ApplyDeps,
  pending: PendingCommands,
): Promise<void> {
  const paths = (s: Staged): FilePath[] => [...s.plan.changes.map((c) => c.path), ...(s.plan.removals ?? []).map((r) => r.path)];
  const keys = (s: Staged): string[] => paths(s).map(pathKey);
  // Two resources editing one file: the bytes before the pass hold neither change.
  for (let grown = true; grown; ) {
    grown = false;
    for (const s of staged) {
      if (rollback.has(s.name)) continue;
      const partner = staged.find((o) => rollback.has(o.name) && keys(o).some((p) => keys(s).includes(p)));
      if (partner) {
        rollback.set(s.name, `${rollback.get(partner.name) ?? ''} (put back with ${partner.name}: they write the same file)`);
        grown = true;
      }
    }
  }
  const restored = new Set<string>();
  const undone: string[] = [];
  // In the order written, each path once: a file two resources wrote gets the earlier one's image.
  for (const s of staged) {
    const why = rollback.get(s.name);
    if (why === undefined) continue;
    const problems: string[] = [];
    let unsafe = false;
    const { images, damaged } = imagesOf(s, pending);
    for (const { target, before } of images) {
      if (restored.has(pathKey(target))) continue;
      try {
        // Through the same FileSystem calls as the writes: a ConfinedPath is put back through
        // the confined walk, so a link swapped in during the check is refused (UnsafePath);
        // a change written in place (a single-file bind mount) is put back in place.
        const inPlace = typeof target === 'string' && s.plan.changes.some((c) => c.inPlace && pathKey(c.path) === pathKey(target));
        if (before === null) await deps.files.remove(target);
        else if (inPlace && typeof target === 'string') await deps.files.writeFileInPlace(target, Buffer.from(before, 'base64'));
        else await deps.files.writeFileAtomic(target, Buffer.from(before, 'base64'));
        restored.add(pathKey(target));
      } catch (error) {
        unsafe ||= fileErrorCode(error) === UNSAFE_PATH;
        problems.push(`could not put back ${String(target)}: ${describeError(error)}`);
      }
    }
    const result = results.get(s.name) as PhaseResult;
    const put = paths(s).length > 0 ? `; put back ${paths(s).map(String).join(', ')}` : '';
    const notes = damaged.length > 0 ? `; ${damaged.join('; ')}` : '';
    result.failure = { reason: unsafe ? 'UnsafePath' : 'CheckFailed', message: `${why}${problems.length > 0 ? `; ${problems.join('; ')}` : put}${notes}; not reloaded` };
    result.actions.push({ action: 'put back the files', result: problems.length > 0 ? 'failed' : 'updated' });
    if (problems.length === 0) undone.push(s.name);
  }
  try {
    await pending.forget(undone);
  } catch {
    // Kept: the next pass checks again and puts the same bytes back.
  }
}

/**
 * What to put back: the record's images (the bytes before the first unfinished change) first,
 * then this plan's. A recorded image is used only at a path of this resource's own plan (its
 * files, or inside its scope); any other is a damaged entry, reported and never acted on.
 */
function imagesOf(s: Staged, pending: PendingCommands): { images: { target: FilePath; before: string | null }[]; damaged: string[] } {
  const own = ownPaths(s.plan);
  const images: { target: FilePath; before: string | null }[] = [];
  const damaged: string[] = [];
  for (const image of pending.entry(s.name)?.undo ?? []) {
    const target = undoTarget(image, own);
    if (target === null) damaged.push(`damaged record: an undo image names ${image.path}${image.root === null ? '' : ` (root ${image.root})`}, not a file of ${s.name}; not acted on`);
    else images.push({ target, before: image.before });
  }
  const known = new Set(images.map((i) => pathKey(i.target)));
  for (const c of s.plan.changes) if (!known.has(pathKey(c.path))) images.push({ target: c.path, before: undoBytes(c.before) });
  for (const r of s.plan.removals ?? []) if (r.before !== undefined && !known.has(pathKey(r.path))) images.push({ target: r.path, before: r.before.toString('base64') });
  return { images, damaged };
}

/** Whether `text` (the parted file as left) is the bytes of that file before its first unfinished change. */
function asBefore(s: Staged, text: string, pending: PendingCommands): boolean {
  const path = s.plan.parts?.path;
  const image = imagesOf(s, pending).images.find((i) => pathKey(i.target) === path);
  return image !== undefined && image.before !== null && textToBytes(text).toString('base64') === image.before;
}
