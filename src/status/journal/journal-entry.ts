import type { PassResult, ResourceOutcome } from '../../controller/outcome';
import type { FileChange, ObservedValue } from '../../resources/plan';
import { displayBytes } from '../../core/bytes';
import { boundedLineDiff, DiffBudget } from './line-diff';

/** What one file change did: line counts and (for text that holds no secret) the changed lines. */
export interface JournalFile {
  path: string;
  action: 'create' | 'change' | 'remove';
  /** Lines added and removed (text files). */
  added?: number;
  removed?: number;
  /** The changed lines, `+`/`-` prefixed, at most {@link MAX_DIFF_LINES} of {@link MAX_LINE} characters. */
  lines?: string[];
  /** The diff was too large to compute (or the pass's diff time was spent): counts only, no lines. */
  omitted?: string;
  /** Binary contents: the new size. */
  bytes?: number;
  /** The contents hold a secret: nothing of them is recorded. */
  hidden?: true;
  result: 'updated' | 'failed' | 'not attempted';
}

/** One command of the apply, secrets masked. */
export interface JournalCommand {
  command: string;
  result: 'updated' | 'skipped' | 'failed';
  exitCode?: number;
  message?: string;
}

/**
 * One journal line: an applied change or a failed apply of one resource. Desired, observed and
 * messages are the masked values of the status file (credentials as fingerprints).
 */
export interface JournalEntry {
  time: string;
  resource: string;
  kind: string;
  triggers: string[];
  desired: number | string | null;
  observedBefore: ObservedValue;
  observedAfter: ObservedValue;
  result: 'applied' | 'failed';
  reason: string;
  message: string;
  files: JournalFile[];
  commands: JournalCommand[];
}

const MAX_DIFF_LINES = 20;
const MAX_LINE = 200;

/** Whether an outcome belongs in the journal: something changed, or an apply was attempted and failed. */
function isJournaled(o: ResourceOutcome): boolean {
  return o.changed || o.reason === 'ApplyFailed';
}

/** A change's content as text for the diff; strings are byte strings (core/bytes), shown as UTF-8. */
function textOf(value: string | Buffer | null): string | null {
  return value === null ? '' : Buffer.isBuffer(value) ? null : displayBytes(value);
}

function describeChange(change: FileChange, result: JournalFile['result'], budget: DiffBudget): JournalFile {
  const base = { path: String(change.path), action: change.before === null ? ('create' as const) : ('change' as const), result };
  if (change.sensitive) return { ...base, hidden: true };
  const before = textOf(change.before);
  const after = textOf(change.after);
  if (before === null || after === null) return { ...base, bytes: change.after.length };
  const diff = boundedLineDiff(before, after, budget);
  if ('summary' in diff) return { ...base, added: diff.summary.added, removed: diff.summary.removed, omitted: diff.summary.text };
  let added = 0;
  let removed = 0;
  const lines: string[] = [];
  for (const part of diff.parts) {
    if (!part.added && !part.removed) continue;
    const partLines = part.value.replace(/\n$/, '').split('\n');
    if (part.added) added += partLines.length;
    else removed += partLines.length;
    for (const line of partLines) if (lines.length < MAX_DIFF_LINES) lines.push(`${part.added ? '+' : '-'}${line}`.slice(0, MAX_LINE));
  }
  return { ...base, added, removed, lines };
}

function actionResult(o: ResourceOutcome, action: string): JournalFile['result'] {
  const done = o.actions.find((a) => a.action === action);
  return done === undefined ? 'not attempted' : done.result === 'failed' ? 'failed' : 'updated';
}

/** The journal entry of one outcome (call for those {@link isJournaled} accepts). */
function journalEntry(pass: PassResult, o: ResourceOutcome, budget: DiffBudget): JournalEntry {
  const plan = o.plan ?? { changes: [], commands: [] };
  const fileActions = new Set([...plan.changes.map((c) => `write ${c.path}`), ...(plan.removals ?? []).map((r) => `remove ${r.path}`)]);
  return {
    time: new Date(pass.finishedAt).toISOString(),
    resource: o.name,
    kind: o.kind,
    triggers: pass.triggers,
    desired: o.desired,
    observedBefore: o.observedBefore ?? o.observed,
    observedAfter: o.observed,
    result: o.failed ? 'failed' : 'applied',
    reason: o.reason,
    message: o.message,
    files: [
      ...plan.changes.map((c) => describeChange(c, actionResult(o, `write ${c.path}`), budget)),
      ...(plan.removals ?? []).map((r) => ({ path: String(r.path), action: 'remove' as const, result: actionResult(o, `remove ${r.path}`) })),
    ],
    // The action labels are already masked (describeStep); commands not attempted are not listed.
    commands: o.actions
      .filter((a) => !fileActions.has(a.action))
      .map((a) => ({
        command: a.action,
        result: a.result,
        ...(a.exitCode === undefined ? {} : { exitCode: a.exitCode }),
        ...(a.message === undefined ? {} : { message: a.message }),
      })),
  };
}

/**
 * The entries of a pass: one per resource that changed something or whose apply failed. Dry runs
 * have none. All their diffs share one DiffBudget: hostile contents cost at most its time.
 */
export function journalEntries(pass: PassResult, budget = new DiffBudget()): JournalEntry[] {
  if (pass.dryRun) return [];
  return pass.resources.filter(isJournaled).map((o) => journalEntry(pass, o, budget));
}
