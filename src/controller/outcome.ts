import type { ActionResult } from '../resources/apply-plan';
import type { ExtraCondition, ObservedValue, Plan } from '../resources/plan';
import type { WatchPaths } from './watch-paths';

/** Condition reasons (CamelCase, Kubernetes conventions). */
export type Reason =
  | 'InSync'
  | 'Applied'
  | 'DriftDetected'
  | 'DesiredStateUnavailable'
  | 'InvalidDesiredValue'
  | 'ApplyFailed'
  | 'CheckFailed'
  | 'Flapping'
  | 'ConflictingController'
  | 'CannotConverge'
  | 'TargetAbsent'
  | 'ObserveFailed'
  | 'SourceUnreadable'
  | 'UnsafePath'
  | 'PortInUse'
  | 'NotApplicable';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** What one pass found and did for one resource. */
export interface ResourceOutcome {
  name: string;
  kind: string;
  /** The desired value as shown to humans (credentials as a fingerprint). */
  desired: number | string | null;
  observed: ObservedValue;
  /** After an apply: what was observed before it (`observed` is then the state after). */
  observedBefore?: ObservedValue;
  inSync: boolean;
  ready: ConditionStatus;
  reason: Reason;
  message: string;
  /** Something was written or a command ran successfully. */
  changed: boolean;
  /** Counts as a failure for backoff and stats (not in sync and not merely drift in a dry run). */
  failed: boolean;
  /** The plan, when one was made (printed by --dry-run). */
  plan: Plan | null;
  actions: ActionResult[];
  /** Conditions besides Ready, as last observed (e.g. SystemdSocketPort's `Listening`). */
  conditions?: ExtraCondition[];
}

/** `abandoned`: the pass ran longer than `timing.passTimeout` (status and metrics only; a PassResult never has it). */
export type PassResultKind = 'unchanged' | 'converged' | 'failed' | 'unavailable' | 'abandoned';

/** What one pass did, for the status file, the summary and the exit code. */
export interface PassResult {
  startedAt: number;
  finishedAt: number;
  triggers: string[];
  dryRun: boolean;
  result: PassResultKind;
  resources: ResourceOutcome[];
  /** Where to watch, as this pass learned it (controller/watch-paths.ts); absent when it observed nothing. */
  watch?: WatchPaths;
  /** Resources held back (Flapping) and skipped, each with the desired value this pass read for it (null: none). */
  heldDesired?: ReadonlyMap<string, number | string | null>;
}

/** failed > unavailable > converged > unchanged. */
export function passResultOf(outcomes: readonly ResourceOutcome[]): PassResultKind {
  const broken: Reason[] = ['ApplyFailed', 'CheckFailed', 'Flapping', 'ConflictingController', 'CannotConverge', 'ObserveFailed', 'SourceUnreadable', 'UnsafePath', 'PortInUse'];
  if (outcomes.some((o) => broken.includes(o.reason))) return 'failed';
  if (outcomes.some((o) => o.failed)) return 'unavailable';
  if (outcomes.some((o) => o.changed)) return 'converged';
  return 'unchanged';
}

/** The reason an abandoned pass's signal carries. */
export class PassAbandonedError extends Error {
  constructor(readonly why: 'timeout' | 'shutdown', ms: number) {
    super(why === 'timeout' ? `pass abandoned after ${ms}ms` : `pass abandoned at shutdown after ${ms}ms`);
    this.name = 'PassAbandonedError';
  }
}
