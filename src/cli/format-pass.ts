import { displayBytes } from '../core/bytes';
import type { PassResult, ResourceOutcome } from '../controller/outcome';
import { describeStep, displayArgv, toolArgv, type CommandSettings } from '../resources/apply-plan';
import type { FileChange, ObservedValue } from '../resources/plan';
import { boundedPatch, DiffBudget } from '../status/journal/line-diff';

const show = (value: ObservedValue): string => (value === null ? '-' : Array.isArray(value) ? value.join(',') : String(value));

function actionOf(outcome: ResourceOutcome, dryRun: boolean, commands: CommandSettings): string {
  if (outcome.actions.length > 0) {
    return outcome.actions.map((a) => `${a.action}${a.result === 'updated' ? '' : ` (${a.result})`}`).join('; ');
  }
  const plan = outcome.plan;
  if (!plan || (plan.changes.length === 0 && plan.commands.length === 0)) return 'none';
  const planned = [
    ...plan.changes.map((c) => `write ${c.path}`),
    ...(plan.removals ?? []).map((r) => `remove ${r.path}`),
    ...plan.commands.map((c) => describeStep(commands, c)),
  ].join('; ');
  return dryRun ? `would ${planned}` : planned;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col] ?? 0))).join('  ')).join('\n');
}

/**
 * The one name of a pass's result, shared by the text summary and `--json`: the pass result
 * (`unchanged`, `converged`, `failed`, `unavailable`); a dry run that could plan everything says
 * `drift` or `in-sync` instead.
 */
export function resultName(pass: PassResult): string {
  if (!pass.dryRun || pass.result === 'failed' || pass.result === 'unavailable') return pass.result;
  return pass.resources.some((r) => r.reason === 'DriftDetected') ? 'drift' : 'in-sync';
}

/**
 * One line per resource (desired, observed, result, action), then the message of each one not
 * ready: its reason is in its row, so each reason is printed once.
 */
export function formatSummary(pass: PassResult, commands: CommandSettings): string {
  const rows = [['RESOURCE', 'DESIRED', 'OBSERVED', 'RESULT', 'ACTION']];
  for (const o of pass.resources) rows.push([o.name, show(o.desired), show(o.observed), o.reason, actionOf(o, pass.dryRun, commands)]);
  const notes = pass.resources.filter((o) => o.ready !== 'True').map((o) => `${o.name}: ${o.message}`);
  const verdict = `${pass.dryRun ? 'dry run' : 'pass'} ${resultName(pass)}`;
  return [table(rows), ...notes, `${verdict} in ${pass.finishedAt - pass.startedAt}ms`].join('\n') + '\n';
}

/**
 * The planned changes of a dry run as unified diffs, followed by the commands that would run. The
 * diffs share one DiffBudget: one too large or too slow to compute is a line of counts instead.
 */
export function formatPlanDiff(pass: PassResult, commands: CommandSettings, budget = new DiffBudget()): string {
  const parts: string[] = [];
  for (const o of pass.resources) {
    if (!o.plan) continue;
    for (const change of o.plan.changes) parts.push(formatChange(change, budget));
    for (const removal of o.plan.removals ?? []) parts.push(`# ${o.name}: would remove ${removal.path}\n`);
    for (const step of o.plan.commands) {
      const when = !('exec' in step) && step.onlyIf ? ` (if \`${[...toolArgv(commands, step.tool), ...step.onlyIf.args].join(' ')}\` succeeds)` : '';
      parts.push(`# ${o.name}: would run: ${displayArgv(commands, step).join(' ')}${when}\n`);
      // The exact rules a firewall transaction adds (+) and removes (-).
      if (!('exec' in step)) for (const line of step.preview ?? []) parts.push(`${line}\n`);
    }
  }
  return parts.join('');
}

function formatChange(change: FileChange, budget: DiffBudget): string {
  const verb = change.before === null ? 'create' : 'change';
  if (change.sensitive) return `# would ${verb} ${change.path} (contents hidden: they hold a secret)\n`;
  if (Buffer.isBuffer(change.after) || Buffer.isBuffer(change.before)) return `# would ${verb} ${change.path} (${change.after.length} bytes)\n`;
  // Contents are byte strings: shown as UTF-8 text.
  return boundedPatch(String(change.path), change.before === null ? null : displayBytes(change.before), displayBytes(change.after), budget);
}

/** Machine-readable result of a pass. */
export function passToJson(pass: PassResult, commands: CommandSettings, exitCode: number): unknown {
  return {
    result: resultName(pass),
    dryRun: pass.dryRun,
    exitCode,
    durationMs: pass.finishedAt - pass.startedAt,
    resources: pass.resources.map((o) => ({
      name: o.name,
      kind: o.kind,
      desired: o.desired,
      observed: o.observed,
      inSync: o.inSync,
      ready: o.ready,
      reason: o.reason,
      message: o.message,
      changes: (o.plan?.changes ?? []).map((c) => ({
        path: c.path,
        created: c.before === null,
        ...(c.sensitive || Buffer.isBuffer(c.after) || Buffer.isBuffer(c.before) ? { hidden: true } : { before: c.before === null ? null : displayBytes(c.before), after: displayBytes(c.after) }),
      })),
      removals: (o.plan?.removals ?? []).map((r) => r.path),
      commands: (o.plan?.commands ?? []).map((s) => displayArgv(commands, s)),
      actions: o.actions,
    })),
  };
}
