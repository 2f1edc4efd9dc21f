/**
 * `+`/`-` lines: rules to add and to remove (as multisets); rules that only move say so.
 * `observed` null: the chain or table is created (`created` is its own `+` line).
 */
export function ruleDiff(observed: readonly string[] | null, wanted: readonly string[], created: string, moved: string): string[] {
  if (observed === null) return [`+ ${created}`, ...wanted.map((r) => `+ ${r}`)];
  const left = new Map<string, number>();
  for (const r of observed) left.set(r, (left.get(r) ?? 0) + 1);
  const added: string[] = [];
  for (const r of wanted) {
    const n = left.get(r) ?? 0;
    if (n > 0) left.set(r, n - 1);
    else added.push(`+ ${r}`);
  }
  const removed = [...left].flatMap(([r, n]) => new Array<string>(n).fill(`- ${r}`));
  const order = added.length === 0 && removed.length === 0 ? [`~ ${moved}: same rules in another order, rewritten in order`] : [];
  return [...removed, ...added, ...order];
}

/** Two lists equal, in order. */
export function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
