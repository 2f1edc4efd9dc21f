import type { PassResult, ResourceOutcome } from '../controller/outcome';
import type { ExtraCondition } from '../resources/plan';
import type { Condition, ResourceStatus, StatusFile } from './status-file';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * A resource's status after a pass, carrying forward what must survive between passes
 * (Kubernetes conventions: lastTransitionTime moves only when the condition's status changes).
 */
export function resourceStatus(
  outcome: ResourceOutcome,
  previous: ResourceStatus | undefined,
  now: number,
  retry: { consecutiveFailures: number; nextRetryAt: number | null },
): ResourceStatus {
  const before = previous?.conditions.find((c) => c.type === 'Ready');
  const ready: Condition = {
    type: 'Ready',
    status: outcome.ready,
    reason: outcome.reason,
    message: outcome.message,
    lastTransitionTime: before && before.status === outcome.ready ? before.lastTransitionTime : iso(now),
  };
  return {
    name: outcome.name,
    kind: outcome.kind,
    desired: outcome.desired,
    lastKnownDesired: outcome.desired ?? previous?.lastKnownDesired ?? null,
    observed: outcome.observed,
    inSync: outcome.inSync,
    lastChangeAt: outcome.changed ? iso(now) : (previous?.lastChangeAt ?? null),
    consecutiveFailures: retry.consecutiveFailures,
    nextRetryAt: retry.nextRetryAt === null ? null : iso(retry.nextRetryAt),
    conditions: [ready, ...(outcome.conditions ?? []).map((c) => withTransition(c, previous, now))],
  };
}

/** An extra condition with its lastTransitionTime carried forward while its status stays the same. */
function withTransition(condition: ExtraCondition, previous: ResourceStatus | undefined, now: number): Condition {
  const before = previous?.conditions.find((c) => c.type === condition.type);
  return { ...condition, lastTransitionTime: before && before.status === condition.status ? before.lastTransitionTime : iso(now) };
}

/** Consecutive failures of a resource after this outcome. */
export function failuresAfter(outcome: ResourceOutcome, previous: ResourceStatus | undefined): number {
  return outcome.failed ? (previous?.consecutiveFailures ?? 0) + 1 : 0;
}

/** The pass part of the status file. */
export function lastPassOf(pass: PassResult): NonNullable<StatusFile['lastPass']> {
  return {
    startedAt: iso(pass.startedAt),
    finishedAt: iso(pass.finishedAt),
    durationMs: pass.finishedAt - pass.startedAt,
    triggers: pass.triggers,
    result: pass.result,
  };
}

/**
 * Resources whose last apply failed (Ready reason ApplyFailed): the next pass runs their commands
 * again even when their files are already right.
 */
export function applyFailedNames(resources: Iterable<ResourceStatus>): Set<string> {
  const names = new Set<string>();
  for (const r of resources) if (r.conditions.some((c) => c.type === 'Ready' && c.reason === 'ApplyFailed')) names.add(r.name);
  return names;
}

export { iso };
