import type { ChangeObject } from 'diff';
import { lazy } from '../../core/lazy';

const diff = lazy(() => require('diff') as typeof import('diff'));

/** A diff needing more line edits than this is not computed (Myers' cost grows with edits × lines). */
export const MAX_DIFF_EDIT_LINES = 2000;

/** Inputs larger than this (both sides together) are summarised without diffing. */
export const MAX_DIFF_INPUT_BYTES = 2 * 1024 * 1024;

/** All the diffs of one pass's journal or dry-run output share this much time; past it, summaries. */
export const DIFF_TIME_BUDGET_MS = 1000;

/**
 * The time left to the diffs of one pass: every diff is given what is left (the `diff`
 * package's own `timeout`), so the formatting of a pass blocks the event loop for at most
 * `totalMs` in all, however many files and however hostile their contents.
 */
export class DiffBudget {
  private readonly deadline: number;

  constructor(
    totalMs = DIFF_TIME_BUDGET_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.deadline = now() + totalMs;
  }

  /** Milliseconds left; 0 once spent. */
  left(): number {
    return Math.max(0, this.deadline - this.now());
  }
}

/** What a diff too large (or too slow) to compute is shown as: counts of lines only. */
export interface DiffSummary {
  added: number;
  removed: number;
  /** `+N -M lines, diff omitted: too large` */
  text: string;
}

/**
 * Lines added and removed, counted as multisets (linear time): a line present on both sides
 * counts as kept wherever it moved, so these never exceed a real diff's counts.
 */
function summarise(before: string, after: string): DiffSummary {
  const counts = new Map<string, number>();
  for (const line of splitLines(before)) counts.set(line, (counts.get(line) ?? 0) + 1);
  let added = 0;
  for (const line of splitLines(after)) {
    const left = counts.get(line) ?? 0;
    if (left > 0) counts.set(line, left - 1);
    else added++;
  }
  let removed = 0;
  for (const n of counts.values()) removed += n;
  return { added, removed, text: `+${added} -${removed} lines, diff omitted: too large` };
}

function splitLines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/**
 * The summary instead of a diff when one is not worth trying: the inputs are too large, the
 * budget is spent, or the counts alone (a lower bound of the edits) exceed the edit bound.
 */
function notWorthTrying(before: string, after: string, budget: DiffBudget): DiffSummary | null {
  const summary = summarise(before, after);
  const hopeless = before.length + after.length > MAX_DIFF_INPUT_BYTES || budget.left() === 0 || summary.added + summary.removed > MAX_DIFF_EDIT_LINES;
  return hopeless ? summary : null;
}

/** The line changes of `before` → `after`, or a summary when the diff is too large or the budget spent. */
export function boundedLineDiff(before: string, after: string, budget: DiffBudget): { parts: ChangeObject<string>[] } | { summary: DiffSummary } {
  const skip = notWorthTrying(before, after, budget);
  if (skip) return { summary: skip };
  const parts = diff().diffLines(before, after, { maxEditLength: MAX_DIFF_EDIT_LINES, timeout: budget.left() });
  return parts === undefined ? { summary: summarise(before, after) } : { parts };
}

/** A unified diff (as `diff -u`), or one `# path: +N -M lines, diff omitted: too large` line. */
export function boundedPatch(path: string, before: string | null, after: string, budget: DiffBudget): string {
  const from = before === null ? '/dev/null' : `a${path}`;
  const old = before ?? '';
  const omitted = (): string => `# ${path}: ${summarise(old, after).text}\n`;
  if (notWorthTrying(old, after, budget)) return omitted();
  const patch = diff().createTwoFilesPatch(from, `b${path}`, old, after, '', '', { context: 3, maxEditLength: MAX_DIFF_EDIT_LINES, timeout: budget.left() });
  return patch === undefined ? omitted() : patch.replace(/^=+\n/, '');
}
