import { displayBytes } from '../core/bytes';
import type { PassResult, ResourceOutcome } from '../controller/outcome';
import { escapeControl, paint, type Color } from '../core/terminal';
import { displayArgv, toolArgv, type CommandSettings } from '../resources/apply-plan';
import type { FileChange, ObservedValue } from '../resources/plan';
import { boundedPatch, DiffBudget } from '../status/journal/line-diff';
import { outcomeCounts } from './outcome-counts';
import { textTable } from './text-table';

const show = (value: ObservedValue): string => (value === null ? '-' : Array.isArray(value) ? value.join(',') : String(value));

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * What was done, or, in a dry run, how much would be: the diff above the table states each planned
 * write and command once, so the table only counts them.
 */
function actionOf(outcome: ResourceOutcome, dryRun: boolean): string {
  if (outcome.actions.length > 0) {
    return outcome.actions.map((a) => `${a.action}${a.result === 'updated' ? '' : ` (${a.result})`}`).join('; ');
  }
  const plan = outcome.plan;
  if (!plan || (plan.changes.length === 0 && plan.commands.length === 0 && (plan.removals ?? []).length === 0)) return 'none';
  const files = plan.changes.length + (plan.removals ?? []).length;
  const counted = [...(files > 0 ? [`change ${plural(files, 'file')}`] : []), ...(plan.commands.length > 0 ? [`run ${plural(plan.commands.length, 'command')}`] : [])].join(', ');
  return dryRun ? `would ${counted}` : counted;
}

/** The RESULT column's colour: in sync green, drift yellow, what needs attention red. */
function resultColor(outcome: ResourceOutcome): Color {
  if (outcome.inSync) return 'green';
  return outcome.reason === 'DriftDetected' ? 'yellow' : 'red';
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
 * ready (its reason is in its row, so each reason is printed once; a dry run's drift message
 * restates the plan printed above, so it is left out), then one line: the verdict and the
 * resources counted by outcome (`dry run drift: 2 to change, 1 unavailable, 7 in sync (140ms)`).
 * Every value is escaped; `color` colours the result column and the verdict.
 */
export function formatSummary(pass: PassResult, color = false): string {
  const outcomes = pass.resources;
  const rows = [['RESOURCE', 'DESIRED', 'OBSERVED', 'RESULT', 'ACTION'], ...outcomes.map((o) => [o.name, show(o.desired), show(o.observed), o.reason, actionOf(o, pass.dryRun)])];
  const table = textTable(rows, (cell, row, col) => {
    const outcome = outcomes[row - 1];
    if (row === 0) return paint('bold', cell, color);
    return col === 3 && outcome ? paint(resultColor(outcome), cell, color) : cell;
  });
  const notes = outcomes
    .filter((o) => o.ready !== 'True' && !(pass.dryRun && o.reason === 'DriftDetected'))
    .map((o) => `${paint('bold', escapeControl(o.name), color)}: ${escapeControl(o.message)}`);
  const name = resultName(pass);
  const verdictColor: Color = ['failed', 'unavailable'].includes(name) ? 'red' : name === 'drift' ? 'yellow' : 'green';
  const verdict = paint(verdictColor, `${pass.dryRun ? 'dry run' : 'pass'} ${name}`, color);
  return [...table, ...notes, `${verdict}: ${outcomeCounts(pass)} (${pass.finishedAt - pass.startedAt}ms)`].join('\n') + '\n';
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
  // File contents and container names are hostile: no control character reaches the terminal.
  return parts.join('').split('\n').map((line) => escapeControl(line, { keepTab: true })).join('\n');
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
