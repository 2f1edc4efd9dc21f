import type { DesiredValue } from '../sources/desired';
import type { Observation, Plan, PlanOptions } from './plan';

/**
 * A managed piece of host state. `observe` reads it in full, `plan` (pure) compares it with the
 * desired value, and the controller applies the plan through resources/apply-plan.
 * Method syntax on purpose: a Resource<SpecificState> is usable where Resource<unknown> is.
 */
export interface Resource<S = unknown> {
  readonly name: string;
  readonly kind: string;
  /** Name of the desired-state source (configuration `sources.<name>`), or null for kinds whose desired state they observe themselves. */
  readonly source: string | null;
  /** Files and directories whose changes should trigger a pass. */
  watchPaths(): string[];
  /** Containers whose events should trigger a pass (besides the source's). */
  containers(): string[];
  /** `desired`: the source's value when it is known (kinds may observe what depends on it, e.g. who listens on the port). */
  observe(desired?: DesiredValue | null): Promise<Observation<S>>;
  /** Pure. `desired` is null only for resources without a source. */
  plan(desired: DesiredValue | null, state: S, options: PlanOptions): Plan;
}
