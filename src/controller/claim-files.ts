import type { FilePath } from '../host/file-system';
import type { PathClaims } from '../host/path-claims';
import type { ExtraCondition, Plan } from '../resources/plan';
import type { ResourceOutcome } from './outcome';

/** The files a plan writes or removes: what this controller must claim before touching them. */
function plannedPaths(plan: Plan): FilePath[] {
  return [...plan.changes.map((c) => c.path), ...(plan.removals ?? []).map((r) => r.path)];
}

/** What claiming a plan's files decided: go on (perhaps with a condition to report), or refuse. */
type ClaimDecision = { go: true; condition?: ExtraCondition } | { go: false; reason: 'ConflictingController'; message: string };

/**
 * Claim the files a plan would write (a dry run only looks: it writes no claim). Another live
 * controller's claim refuses the write (ConflictingController, naming it); claims that cannot be
 * used at all do not stop the controller (it would stop managing the host for want of a marker)
 * but are reported as the condition `Claimed=False ClaimsUnavailable`: two controllers are then
 * caught only by the flapping hold.
 */
function claimFiles(claims: PathClaims | undefined, plan: Plan, dryRun: boolean): ClaimDecision {
  const paths = plannedPaths(plan);
  if (!claims || paths.length === 0) return { go: true };
  const result = dryRun ? claims.check(paths) : claims.claim(paths);
  if (result.kind === 'claimed') return { go: true };
  if (result.kind === 'unavailable') {
    return { go: true, condition: { type: 'Claimed', status: 'False', reason: 'ClaimsUnavailable', message: `${result.problem}; another controller on the same files is detected only by the flapping hold` } };
  }
  const { holder } = result;
  const verb = dryRun ? 'would not be written' : 'not written';
  return {
    go: false,
    reason: 'ConflictingController',
    message: `another controller (pid ${holder.pid}, status file ${holder.statusFile}) manages ${holder.path}: ${verb}; stop one of them or give them different files (retried, and taken over when it stops)`,
  };
}

type Decided = Pick<ResourceOutcome, 'inSync' | 'ready' | 'reason' | 'message' | 'failed'>;

/**
 * One resource after planning, through its claims: a plan to apply (its files claimed), a dry
 * run's drift (claims only looked at), or, when another controller holds one of its files, the
 * outcome ConflictingController instead. `condition`: to report on the resource's final outcome.
 */
export function claimStep<P extends { apply: true; base: Omit<ResourceOutcome, keyof Decided>; plan: Plan }>(
  claims: PathClaims | undefined,
  planned: ResourceOutcome | P,
  dryRun: boolean,
): { planned: ResourceOutcome | P; condition?: ExtraCondition } {
  const plan = 'apply' in planned ? planned.plan : planned.reason === 'DriftDetected' ? planned.plan : null;
  if (plan === null) return { planned };
  const decision = claimFiles(claims, plan, dryRun && !('apply' in planned));
  if (decision.go) return decision.condition ? { planned, condition: decision.condition } : { planned };
  const fields = 'apply' in planned ? planned.base : planned;
  return { planned: { ...fields, inSync: false, ready: 'False', reason: decision.reason, message: decision.message, failed: true } };
}
