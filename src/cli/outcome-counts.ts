import type { PassResult, Reason } from '../controller/outcome';

/** What a resource's outcome counts as in the summary line; DriftDetected depends on the run. */
const KIND: Readonly<Record<Reason, string>> = {
  InSync: 'in sync',
  Applied: 'changed',
  DriftDetected: 'drifted',
  DesiredStateUnavailable: 'unavailable',
  InvalidDesiredValue: 'invalid',
  ApplyFailed: 'failed',
  CheckFailed: 'failed',
  CannotConverge: 'failed',
  ObserveFailed: 'failed',
  SourceUnreadable: 'failed',
  UnsafePath: 'failed',
  PortInUse: 'failed',
  Flapping: 'held',
  ConflictingController: 'held',
  TargetAbsent: 'target absent',
  NotApplicable: 'not applicable',
};
/** The summary's order: what needs attention first, what is fine last. */
const ORDER = ['to change', 'changed', 'drifted', 'failed', 'held', 'unavailable', 'invalid', 'target absent', 'not applicable', 'in sync'];

/** `2 to change, 1 unavailable, 7 in sync`: the pass's resources counted by outcome (none at 0). */
export function outcomeCounts(pass: PassResult): string {
  const counts = new Map<string, number>();
  for (const o of pass.resources) {
    const kind = o.reason === 'DriftDetected' && pass.dryRun ? 'to change' : KIND[o.reason];
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const parts = ORDER.filter((kind) => counts.has(kind)).map((kind) => `${counts.get(kind) ?? 0} ${kind}`);
  return parts.length > 0 ? parts.join(', ') : 'no resources';
}
