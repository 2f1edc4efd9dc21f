import { describeError } from '../core/errors';
import { showDesired, type Desired, type DesiredSource, type DesiredValue } from '../sources/desired';
import type { Clock } from '../host/clock';
import { describeStep, writeFiles, type ApplyDeps } from '../resources/apply-plan';
import { isEmptyPlan, ownPaths, type ExtraCondition, type Observation, type Plan } from '../resources/plan';
import type { PathClaims } from '../host/path-claims';
import { claimStep } from './claim-files';
import { readSource } from './read-source';
import type { Resource } from '../resources/resource';
import { runCommandPhase, type PhaseResult, type Staged } from './command-phase';
import type { FailedCheckView } from './failed-checks';
import { passResultOf, type PassResult, type ResourceOutcome } from './outcome';
import { PendingCommands, undoImages } from './pending-commands';

/** What a pass needs; built once in app/ and reused by every pass. */
export interface PassDeps extends ApplyDeps {
  sources: ReadonlyMap<string, DesiredSource>;
  resources: readonly Resource[];
  clock: Clock;
  /** Markers of the files this controller writes (status.claimsDir); none: another controller is caught by the flapping hold only. */
  claims?: PathClaims;
}

export interface PassOptions {
  dryRun: boolean;
  triggers: string[];
  /** Reconcile only these resources (a retry); all when absent. */
  only?: ReadonlySet<string>;
  /** Resources held back (Flapping): not reconciled by this pass. */
  skip?: ReadonlySet<string>;
  /** Resources whose last apply failed: their commands run again even if the files are right. */
  retryCommands?: ReadonlySet<string>;
  /** The durable record of follow-up commands not yet done (read at the start, kept up to date); none when absent. */
  pending?: PendingCommands;
  /** Aborted when the pass is abandoned (time bound, shutdown): no write or command starts after that. */
  signal?: AbortSignal;
  /** Changes whose check failed: the same one is not tried again before its retry (the daemon's). */
  failedChecks?: FailedCheckView;
}

type Base = Omit<ResourceOutcome, 'inSync' | 'ready' | 'reason' | 'message' | 'failed'>;

/**
 * One level-triggered pass: read every desired value and every observed state in full, plan
 * the difference, write every resource's files, then the command phase (checks, rollback,
 * deduplicated commands), then verify. Never throws for a resource's problem: every failure
 * becomes an outcome with a reason. Rejects only when `signal` aborts it.
 */
export async function runPass(deps: PassDeps, options: PassOptions): Promise<PassResult> {
  const startedAt = deps.clock.now();
  const signal = options.signal;
  const pending = options.pending ?? new PendingCommands(deps.files, null);
  await pending.load(new Set(deps.resources.map((r) => r.name)));
  const damaged = pending.problem;
  const selected = deps.resources.filter((r) => (!options.only || options.only.has(r.name)) && !options.skip?.has(r.name));
  // Held resources are not reconciled, but their desired value is read: a new one releases them.
  const held = options.skip ? deps.resources.filter((r) => options.skip?.has(r.name) && (!options.only || options.only.has(r.name))) : [];
  const names = [...new Set([...selected, ...held].map((r) => r.source).filter((s): s is string => s !== null))];
  const watch = new Map<string, readonly string[]>(); // owner → its watch paths, as this pass learns them
  const values = await Promise.all(names.map((n) => readSource(deps.sources.get(n), n, watch)));
  const desired = new Map(names.map((n, i) => [n, values[i] as Desired]));
  const applyDeps = signal ? { ...deps, signal } : deps;

  // Undo images of a resource that name other paths than its own: reported like a damaged record.
  const strays = new Map<string, string>();
  const unclaimed = new Map<string, ExtraCondition>(); // resource → why its files could not be claimed
  const outcomes: (ResourceOutcome | { staged: Staged; base: Base; resource: Resource; value: DesiredValue | null; inputs?: string })[] = [];
  for (const resource of selected) {
    signal?.throwIfAborted();
    const wanted: Desired | null = resource.source === null ? null : (desired.get(resource.source) as Desired);
    const retry = (options.retryCommands?.has(resource.name) ?? false) || pending.isPending(resource.name);
    const claimed = claimStep(deps.claims, await planResource(resource, wanted, retry, options.dryRun, watch), options.dryRun);
    if (claimed.condition) unclaimed.set(resource.name, claimed.condition);
    if (!('apply' in claimed.planned)) {
      outcomes.push(claimed.planned);
      continue;
    }
    const { base, plan, value, inputs } = claimed.planned;
    const stray = pending.strays(resource.name, ownPaths(plan));
    if (stray !== null) strays.set(resource.name, stray);
    const again = options.failedChecks?.repeat(resource.name, plan, deps.clock.now());
    if (again) {
      outcomes.push({ ...base, inSync: false, ready: 'False', reason: 'CheckFailed', message: again.message, failed: true });
      continue;
    }
    try {
      // Before the files change: a crash from here on leaves the commands owed, not forgotten.
      const hasCheck = plan.commands.some((c) => c.check !== undefined);
      const undo = hasCheck ? undoImages(plan.changes, plan.removals ?? []) : [];
      await pending.remember(resource.name, plan.commands.map((c) => describeStep(deps.commands, c)), undo, deps.clock.now());
    } catch (error) {
      const message = `cannot record the follow-up commands (${describeError(error)}); nothing written`;
      outcomes.push({ ...base, inSync: false, ready: 'False', reason: 'ApplyFailed', message, failed: true });
      continue;
    }
    signal?.throwIfAborted();
    const written = await writeFiles(plan, deps.files);
    const failure = written.failure ? { failure: { reason: written.failureReason ?? ('ApplyFailed' as const), message: written.failure } } : {};
    const staged: Staged = { name: resource.name, plan, actions: written.actions, ...failure };
    outcomes.push({ staged, base, resource, value, ...(inputs === undefined ? {} : { inputs }) });
  }

  signal?.throwIfAborted();
  const staged = outcomes.filter((o): o is Extract<typeof o, { staged: Staged }> => 'staged' in o);
  const phase = staged.length > 0 ? await runCommandPhase(staged.map((s) => s.staged), applyDeps, pending) : new Map<string, PhaseResult>();
  if (!options.dryRun) await forgetSettled(pending, deps.resources, outcomes, !options.only && !options.skip);

  const finished: ResourceOutcome[] = [];
  for (const o of outcomes) {
    const outcome = 'staged' in o ? await afterApply(o, phase.get(o.staged.name), watch) : o;
    options.failedChecks?.record(outcome.name, 'staged' in o ? o.staged.plan : null, outcome);
    finished.push(withRecordProblem(outcome, damaged ?? strays.get(outcome.name) ?? null, unclaimed.get(outcome.name)));
  }
  const shown = (source: string | null): number | string | null => {
    const d = source === null ? undefined : desired.get(source);
    return d?.kind === 'value' ? showDesired(d.value) : null;
  };
  const heldDesired = new Map(held.map((r) => [r.name, shown(r.source)] as const));
  return {
    ...(heldDesired.size > 0 ? { heldDesired } : {}),
    startedAt,
    finishedAt: deps.clock.now(),
    triggers: options.triggers,
    dryRun: options.dryRun,
    result: passResultOf(finished),
    resources: finished,
    watch,
  };
}

/** A damaged pending-commands record is shown on every resource (condition PendingRecord, reason DamagedRecord); unusable claims on the resource. */
function withRecordProblem(outcome: ResourceOutcome, problem: string | null, unclaimed: ExtraCondition | undefined): ResourceOutcome {
  const record = problem === null ? [] : [{ type: 'PendingRecord', status: 'False' as const, reason: 'DamagedRecord', message: problem }];
  const extra = [...record, ...(unclaimed ? [unclaimed] : [])];
  return extra.length === 0 ? outcome : { ...outcome, conditions: [...(outcome.conditions ?? []), ...extra] };
}

/** In sync with nothing to run (a kind whose commands are its change), or no longer configured: nothing owed. */
async function forgetSettled(pending: PendingCommands, resources: readonly Resource[], outcomes: readonly ({ reason: string; name: string } | { staged: Staged })[], full: boolean): Promise<void> {
  const known = new Set(resources.map((r) => r.name));
  const settled = outcomes.filter((o): o is ResourceOutcome => 'reason' in o && o.reason === 'InSync').map((o) => o.name);
  const gone = full ? pending.names().filter((n) => !known.has(n)) : [];
  await pending.forget([...settled, ...gone]).catch(() => undefined);
}

/** Observe and plan one resource: a final outcome, or a plan to apply. */
async function planResource(
  resource: Resource,
  desired: Desired | null,
  retryCommands: boolean,
  dryRun: boolean,
  watch: Map<string, readonly string[]>,
): Promise<ResourceOutcome | { apply: true; base: Base; plan: Plan; value: DesiredValue | null; inputs?: string }> {
  const base = { name: resource.name, kind: resource.kind, changed: false, plan: null, actions: [] };
  let observation: Observation<unknown>;
  const known = desired?.kind === 'value' ? desired.value : null;
  try {
    observation = await resource.observe(known);
    watch.set(`resource ${resource.name}`, observation.watch);
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
  const plan = resource.plan(value, observation.state, { retryCommands });
  const planned = { ...seen, desired: value === null ? (observation.desired ?? null) : showDesired(value), plan };
  if (plan.problem) return { ...planned, inSync: false, ready: 'False', reason: plan.problemReason ?? 'CannotConverge', message: plan.problem, failed: true };
  if (plan.notApplicable) return { ...planned, inSync: true, ready: 'True', reason: 'NotApplicable', message: plan.notApplicable, failed: false };
  if (plan.absent) return { ...planned, inSync: false, ready: 'False', reason: 'TargetAbsent', message: plan.absent, failed: true };
  if (isEmptyPlan(plan) && plan.leftOut) return { ...planned, inSync: false, ready: 'False', reason: plan.leftOut.reason, message: plan.leftOut.message, failed: true };
  // The rest is in place; the refused part is closed, and said so (Ready False, retried).
  if (isEmptyPlan(plan) && plan.invalidDesired) return { ...planned, inSync: true, ready: 'False', reason: 'InvalidDesiredValue', message: plan.invalidDesired, failed: true };
  if (isEmptyPlan(plan)) return { ...planned, inSync: true, ready: 'True', reason: 'InSync', message: observation.summary, failed: false };
  if (dryRun) {
    return { ...planned, inSync: plan.changes.length === 0, ready: 'False', reason: 'DriftDetected', message: describePlan(plan), failed: false };
  }
  return { apply: true, base: planned, plan, value, ...(observation.inputs === undefined ? {} : { inputs: observation.inputs }) };
}

/** A staged resource after the command phase: failed there, or verified. */
async function afterApply(o: { base: Base; resource: Resource; value: DesiredValue | null; inputs?: string }, phase: PhaseResult | undefined, watch: Map<string, readonly string[]>): Promise<ResourceOutcome> {
  const actions = phase?.actions ?? [];
  // Files put back after a failed check: nothing changed.
  const changed = phase?.failure?.reason !== 'CheckFailed' && actions.some((a) => a.result === 'updated');
  const applied = { ...o.base, actions, changed };
  if (phase?.failure) {
    return { ...applied, inSync: false, ready: 'False', reason: phase.failure.reason, message: phase.failure.message, failed: true };
  }
  // The check failed with some parts: the rest was applied; the resource leaves those out from now on.
  if (phase?.refused) o.resource.partsRefused?.(phase.refused.parts, phase.refused.why);
  return verify(o.resource, o.value, applied, actions.filter((a) => a.result === 'skipped').map((a) => a.message ?? ''), watch, o.inputs);
}

/** Re-observe after applying: "applied" means the host now is what we wanted, not that writes returned. */
async function verify(
  resource: Resource,
  desired: DesiredValue | null,
  applied: Base,
  notes: string[],
  watch: Map<string, readonly string[]>,
  inputsBefore?: string,
): Promise<ResourceOutcome> {
  try {
    const after = await resource.observe(desired);
    watch.set(`resource ${resource.name}`, after.watch);
    const again = resource.plan(desired, after.state, { retryCommands: false });
    const seen = after.conditions ? { ...applied, conditions: after.conditions } : applied;
    const before = { observedBefore: applied.observed };
    if (!isEmptyPlan(again) || again.problem) {
      const why = after.inputs !== inputsBefore
        ? { reason: 'DriftDetected' as const, message: 'what it enforces changed while it was applied (a container started, stopped or moved): new drift, for the next pass' }
        : { reason: 'ApplyFailed' as const, message: 'still out of sync after applying (changed again by another writer, or the change did not take); retrying' };
      return { ...seen, ...before, observed: after.value, inSync: false, ready: 'False', ...why, failed: true };
    }
    if (again.leftOut) return { ...seen, ...before, observed: after.value, inSync: false, ready: 'False', reason: again.leftOut.reason, message: [again.leftOut.message, ...notes].join('; '), failed: true };
    if (again.invalidDesired) return { ...seen, ...before, observed: after.value, inSync: true, ready: 'False', reason: 'InvalidDesiredValue', message: again.invalidDesired, failed: true };
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
