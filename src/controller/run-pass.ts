import { describeError } from '../core/errors';
import { showDesired, type Desired, type DesiredSource, type DesiredValue } from '../desired/desired';
import type { Clock } from '../host/clock';
import { applyPlan, type ApplyDeps } from '../resources/apply-plan';
import { isEmptyPlan, type Observation, type Plan } from '../resources/plan';
import type { Resource } from '../resources/resource';
import { passResultOf, type PassResult, type ResourceOutcome } from './outcome';

/** What a pass needs; built once in app/ and reused by every pass. */
export interface PassDeps extends ApplyDeps {
  sources: ReadonlyMap<string, DesiredSource>;
  resources: readonly Resource[];
  clock: Clock;
}

export interface PassOptions {
  dryRun: boolean;
  triggers: string[];
  /** Reconcile only these resources (a retry); all when absent. */
  only?: ReadonlySet<string>;
  /** Resources whose last apply failed: their commands run again even if the files are right. */
  retryCommands?: ReadonlySet<string>;
}

/**
 * One level-triggered pass: read every desired value and every observed state in full, plan
 * the difference, apply it (unless dry-run), verify. Never throws for a resource's problem:
 * every failure becomes an outcome with a reason.
 */
export async function runPass(deps: PassDeps, options: PassOptions): Promise<PassResult> {
  const startedAt = deps.clock.now();
  const selected = deps.resources.filter((r) => !options.only || options.only.has(r.name));
  const names = [...new Set(selected.map((r) => r.source).filter((s): s is string => s !== null))];
  const values = await Promise.all(names.map((n) => readSource(deps.sources.get(n), n)));
  const desired = new Map(names.map((n, i) => [n, values[i] as Desired]));

  const outcomes: ResourceOutcome[] = [];
  for (const resource of selected) {
    const wanted: Desired | null = resource.source === null ? null : (desired.get(resource.source) as Desired);
    outcomes.push(await reconcileResource(resource, wanted, deps, options));
  }
  return {
    startedAt,
    finishedAt: deps.clock.now(),
    triggers: options.triggers,
    dryRun: options.dryRun,
    result: passResultOf(outcomes),
    resources: outcomes,
  };
}

async function readSource(source: DesiredSource | undefined, name: string): Promise<Desired> {
  if (!source) return { kind: 'unavailable', message: `no source named ${name}` };
  try {
    return await source.read();
  } catch (error) {
    return { kind: 'unavailable', message: describeError(error) };
  }
}

async function reconcileResource(
  resource: Resource,
  desired: Desired | null,
  deps: PassDeps,
  options: PassOptions,
): Promise<ResourceOutcome> {
  const base = { name: resource.name, kind: resource.kind, changed: false, plan: null, actions: [] };
  let observation: Observation<unknown>;
  const known = desired?.kind === 'value' ? desired.value : null;
  try {
    observation = await resource.observe(known);
  } catch (error) {
    return {
      ...base,
      desired: desired?.kind === 'value' ? showDesired(desired.value) : null,
      observed: null,
      inSync: false,
      ready: 'False',
      reason: 'ObserveFailed',
      message: describeError(error),
      failed: true,
    };
  }
  const seen = { ...base, observed: observation.value, ...(observation.conditions ? { conditions: observation.conditions } : {}) };
  if (desired?.kind === 'unavailable') {
    const unsafe = desired.reason === 'UnsafePath'; // a refusal, not a wait: Ready False
    return { ...seen, desired: null, inSync: false, ready: unsafe ? 'False' : 'Unknown', reason: desired.reason ?? 'DesiredStateUnavailable', message: desired.message, failed: true };
  }
  if (desired?.kind === 'invalid') {
    return { ...seen, desired: null, inSync: false, ready: 'False', reason: 'InvalidDesiredValue', message: desired.message, failed: true };
  }

  const value = desired?.value ?? null;
  const retryCommands = options.retryCommands?.has(resource.name) ?? false;
  const plan = resource.plan(value, observation.state, { retryCommands });
  const planned = { ...seen, desired: value === null ? (observation.desired ?? null) : showDesired(value), plan };
  if (plan.problem) return { ...planned, inSync: false, ready: 'False', reason: plan.problemReason ?? 'CannotConverge', message: plan.problem, failed: true };
  if (plan.notApplicable) return { ...planned, inSync: true, ready: 'True', reason: 'NotApplicable', message: plan.notApplicable, failed: false };
  if (plan.absent) return { ...planned, inSync: false, ready: 'False', reason: 'TargetAbsent', message: plan.absent, failed: true };
  if (isEmptyPlan(plan)) return { ...planned, inSync: true, ready: 'True', reason: 'InSync', message: observation.summary, failed: false };
  if (options.dryRun) {
    return { ...planned, inSync: plan.changes.length === 0, ready: 'False', reason: 'DriftDetected', message: describePlan(plan), failed: false };
  }

  const report = await applyPlan(plan, deps);
  const changed = report.actions.some((a) => a.result === 'updated');
  const applied = { ...planned, actions: report.actions, changed };
  if (report.failure) {
    return { ...applied, inSync: false, ready: 'False', reason: report.failureReason ?? 'ApplyFailed', message: report.failure, failed: true };
  }
  return verify(resource, value, applied, report.actions.filter((a) => a.result === 'skipped').map((a) => a.message ?? ''));
}

/** Re-observe after applying: "applied" means the host now is what we wanted, not that writes returned. */
async function verify(
  resource: Resource,
  desired: DesiredValue | null,
  applied: Omit<ResourceOutcome, 'inSync' | 'ready' | 'reason' | 'message' | 'failed'>,
  notes: string[],
): Promise<ResourceOutcome> {
  try {
    const after = await resource.observe(desired);
    const again = resource.plan(desired, after.state, { retryCommands: false });
    const seen = after.conditions ? { ...applied, conditions: after.conditions } : applied;
    const before = { observedBefore: applied.observed };
    if (!isEmptyPlan(again) || again.problem) {
      return { ...seen, ...before, observed: after.value, inSync: false, ready: 'False', reason: 'ApplyFailed', message: 'still out of sync after applying (changed again by another writer, or the change did not take); retrying', failed: true };
    }
    const message = [after.summary, ...notes].join('; ');
    return { ...seen, ...before, observed: after.value, inSync: true, ready: 'True', reason: 'Applied', message, failed: false };
  } catch (error) {
    return { ...applied, inSync: false, ready: 'False', reason: 'ObserveFailed', message: describeError(error), failed: true };
  }
}

/** `write a, b; then systemctl daemon-reload, …` */
export function describePlan(plan: Plan): string {
  const parts: string[] = [];
  if (plan.changes.length > 0) parts.push(`write ${plan.changes.map((c) => c.path).join(', ')}`);
  if ((plan.removals?.length ?? 0) > 0) parts.push(`remove ${(plan.removals ?? []).map((r) => r.path).join(', ')}`);
  if (plan.commands.length > 0) parts.push(`run ${plan.commands.map((c) => ('exec' in c ? `${c.exec.argv[0] ?? ''} in ${c.exec.container}` : c.args.join(' '))).join(', ')}`);
  return parts.join('; then ') || 'nothing';
}
