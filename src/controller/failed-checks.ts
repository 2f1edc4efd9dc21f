import { createHash } from 'node:crypto';
import { pathKey } from '../host/file-system';
import type { Plan } from '../resources/plan';
import type { ResourceOutcome } from './outcome';
import type { RetryState } from './retry-state';

/** What a pass is told of a resource's last failed check, by resource. */
export interface FailedCheckView {
  /** The outcome to report again instead of applying `plan`, or null to apply it. */
  repeat(name: string, plan: Plan, now: number): { message: string } | null;
  /** After a pass: `name`'s outcome, with the plan it applied (null: none was applied, or the outcome is a repeat). */
  record(name: string, plan: Plan | null, outcome: ResourceOutcome): void;
}

/** A plan's identity for this purpose: what it would write, remove and run — not what it found. */
function planKey(plan: Plan): string {
  const hash = createHash('sha256');
  for (const c of plan.changes) hash.update(`write\0${pathKey(c.path)}\0`).update(c.after).update('\0');
  for (const r of plan.removals ?? []) hash.update(`remove\0${pathKey(r.path)}\0`);
  for (const c of plan.commands) hash.update(`run\0${JSON.stringify(c)}\0`);
  return hash.digest('hex');
}

/**
 * Changes whose check failed, remembered so that the very same change is not tried again before
 * its retry is due. Without this, the files put back after a failed check are a change the
 * file watch reports, which starts the next pass, which writes the same bytes, runs the same
 * failing check and puts them back: a loop at the debounce's pace (79 passes in 12 s were seen,
 * each running the check) instead of the backoff's. A different change (a new desired value, a
 * different rendering) is tried at once; the same one at its retry (the backoff).
 */
export class FailedChecks {
  private readonly failed = new Map<string, { key: string; message: string }>();

  /** The view of one pass, given the loop's retry state as it was when the pass started. */
  view(retry: ReadonlyMap<string, RetryState>): FailedCheckView {
    return {
      repeat: (name, plan, now) => {
        const last = this.failed.get(name);
        const due = retry.get(name)?.nextRetryAt ?? null;
        if (!last || due === null || due <= now || last.key !== planKey(plan)) return null;
        return { message: `${last.message} (the same change is tried again at its retry, in ${Math.ceil((due - now) / 1000)}s, or at once when its desired value changes)` };
      },
      record: (name, plan, outcome) => {
        // The files put back after a failed check: remember that change. A repeat keeps what was
        // remembered; any other outcome (in sync, applied, another failure) forgets it.
        if (outcome.reason !== 'CheckFailed') this.failed.delete(name);
        else if (plan !== null && !outcome.changed) this.failed.set(name, { key: planKey(plan), message: outcome.message });
      },
    };
  }
}
