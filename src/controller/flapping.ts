import type { ResourceOutcome } from './outcome';

/** When a resource counts as flapping: `threshold` corrections within `windowMs`. */
export interface FlapPolicy {
  threshold: number;
  windowMs: number;
  /** The shortest hold of a flapping resource (later holds grow with the backoff). */
  minHoldMs: number;
}

/** Ten corrections of the same drift within a minute; held at least 10 s. */
export const FLAP_POLICY: FlapPolicy = { threshold: 10, windowMs: 60_000, minHoldMs: 10_000 };

/**
 * Counts the corrections (passes that wrote a resource's files) of each resource from one drift
 * to one desired value: the same observed value put back again and again is a fight, while a new
 * desired value or a different wrong value (a user, an upgrade, a storm of edits) starts the count
 * again. A resource corrected again and again — another tool writing the same file, or another
 * controller whose claims (controller/claim-files) this one cannot see — is fought by every pass,
 * and each correction restarts a service: after `threshold` corrections within `windowMs` its
 * outcome becomes `Flapping` (a failure: it is backed off and held out of event-driven passes
 * until its retry is due), instead of a restart many times a second.
 */
export class FlapDetector {
  private readonly corrections = new Map<string, number[]>();
  /** What the last correction was: from which observed value to which desired value. */
  private readonly drift = new Map<string, string>();
  /** The desired value a resource was flagged Flapping under. */
  private readonly heldWith = new Map<string, number | string | null>();

  constructor(private readonly policy: FlapPolicy = FLAP_POLICY) {}

  /** The outcome, turned into `Flapping` when this correction is one too many. */
  observe(outcome: ResourceOutcome, now: number): ResourceOutcome {
    const wrote = outcome.changed && outcome.actions.some((a) => a.result === 'updated' && /^(write|remove) /.test(a.action));
    const drift = JSON.stringify([outcome.observedBefore ?? null, outcome.desired]);
    if (wrote && this.drift.get(outcome.name) !== drift) this.corrections.delete(outcome.name);
    if (wrote) this.drift.set(outcome.name, drift);
    const recent = (this.corrections.get(outcome.name) ?? []).filter((t) => now - t < this.policy.windowMs);
    if (wrote) recent.push(now);
    if (recent.length === 0) this.corrections.delete(outcome.name);
    else this.corrections.set(outcome.name, recent);
    if (!wrote || recent.length < this.policy.threshold) return outcome;
    this.heldWith.set(outcome.name, outcome.desired);
    const seconds = Math.round(this.policy.windowMs / 1000);
    return {
      ...outcome,
      ready: 'False',
      reason: 'Flapping',
      message: `corrected ${recent.length} times within ${seconds}s: another controller or writer keeps undoing it (a controller whose claims this one cannot see, e.g. in another container, or another tool); backing off: ${outcome.message}`,
      failed: true,
    };
  }

  /** Whether a held resource's desired value is no longer the one it was flagged under (the user changed it). */
  desiredChanged(name: string, desired: number | string | null): boolean {
    return this.heldWith.has(name) && desired !== null && this.heldWith.get(name) !== desired;
  }

  /** Forget a resource (removed by a reload, or released from its hold): its count starts again. */
  forget(name: string): void {
    this.corrections.delete(name);
    this.drift.delete(name);
    this.heldWith.delete(name);
  }
}
