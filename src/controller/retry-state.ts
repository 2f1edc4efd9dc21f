import { backoffDelay, type BackoffPolicy } from './backoff';
import { FLAP_POLICY } from './flapping';
import type { ResourceOutcome } from './outcome';

/** Per-resource retry state, shown in the status file. */
export interface RetryState {
  consecutiveFailures: number;
  nextRetryAt: number | null;
}

/**
 * What an outcome means for the work queue (controller-runtime's Forget / AddRateLimited): a
 * success forgets the failures; a failure is retried after the backoff; a Flapping resource, and
 * one whose files another controller holds (ConflictingController), is also held out of passes
 * until then (at least FLAP_POLICY.minHoldMs): no storm of events re-runs it.
 */
export function retryAfter(outcome: ResourceOutcome, previous: RetryState | undefined, now: number, backoff: BackoffPolicy, random: () => number): { state: RetryState; holdUntil: number | null } {
  if (!outcome.failed) return { state: { consecutiveFailures: 0, nextRetryAt: null }, holdUntil: null };
  const failures = (previous?.consecutiveFailures ?? 0) + 1;
  let delay = backoffDelay(failures, backoff, random);
  const held = outcome.reason === 'Flapping' || outcome.reason === 'ConflictingController';
  if (held) delay = Math.max(delay, FLAP_POLICY.minHoldMs);
  return { state: { consecutiveFailures: failures, nextRetryAt: now + delay }, holdUntil: held ? now + delay : null };
}
