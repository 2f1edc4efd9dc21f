import type { Observation, Plan, PlanOptions } from './plan';

/**
 * A managed piece of host state. `observe` reads it in full, `plan` (pure) compares it with the
 * desired value, and the controller applies the plan through resources/apply-plan.
 * Method syntax on purpose: a Resource<SpecificState> is usable where Resource<unknown> is.
 */
export interface Resource<S = unknown> {
  readonly name: string;
  readonly kind: string;
  /** Name of the desired-state source (configuration `sources.<name>`). */
  readonly source: string;
  /** Files and directories whose changes should trigger a pass. */
  watchPaths(): string[];
  observe(): Promise<Observation<S>>;
  plan(desired: number, state: S, options: PlanOptions): Plan;
}
