import { pathKey } from '../host/file-system';
import { runCheck, writeChange, type ApplyDeps } from '../resources/apply-plan';
import type { CheckStep } from '../resources/plan';
import type { Staged } from './command-phase';
import { findCulprits } from './find-culprits';

/**
 * The parts of `s`'s PartedChange without which the check passes, with the file left holding
 * the rest (`text`, a byte string); null when leaving parts out does not help (the caller puts
 * the file back).
 */
export async function isolate(s: Staged, check: CheckStep, secrets: readonly string[], deps: ApplyDeps): Promise<{ culprits: { id: string; name: string }[]; text: string } | null> {
  const parts = s.plan.parts;
  const change = s.plan.changes.find((c) => parts !== undefined && pathKey(c.path) === parts.path);
  if (!parts || !change) return null;
  let lastPassed: readonly unknown[] | null = null;
  const passes = async (excluded: readonly { id: string; name: string }[]): Promise<boolean> => {
    const text = parts.without(excluded.map((p) => p.id));
    if (text === null) return false;
    await writeChange({ ...change, after: text }, deps.files);
    deps.signal?.throwIfAborted();
    const ok = (await runCheck(check, deps, secrets)) === null;
    deps.signal?.throwIfAborted();
    if (ok) lastPassed = excluded;
    return ok;
  };
  try {
    const culprits = await findCulprits(parts.suspects, passes);
    // Every one of several parts failing points at the template, not at them: nothing is left out.
    if (culprits === null || (culprits.length === parts.suspects.length && culprits.length > 1)) return null;
    // The file must end holding exactly the rest, checked.
    const same = lastPassed !== null && (lastPassed as readonly unknown[]).length === culprits.length && culprits.every((c) => (lastPassed as readonly unknown[]).includes(c));
    if (!same && !(await passes(culprits))) return null;
    const text = parts.without(culprits.map((p) => p.id));
    return text === null ? null : { culprits, text };
  } catch (error) {
    if (deps.signal?.aborted) throw error;
    return null;
  }
}
