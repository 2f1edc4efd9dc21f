/** Nearest-rank percentile (p in 0..100) of the finite values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export interface Summary {
  n: number;
  failed: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Summary of latencies; a trial that never converged (Infinity) counts in `failed` and as the max. */
export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  const failed = values.length - finite.length;
  const mean = finite.length > 0 ? finite.reduce((a, b) => a + b, 0) / finite.length : Number.NaN;
  // Failed trials sort last: with any failure, the high percentiles are "never".
  const all = [...values].sort((a, b) => a - b);
  const at = (p: number): number => (all.length === 0 ? Number.NaN : (all[Math.min(all.length, Math.max(1, Math.ceil((p / 100) * all.length))) - 1] as number));
  return { n: values.length, failed, min: at(0), p50: at(50), p90: at(90), p99: at(99), max: at(100), mean };
}

export function ms(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'n/a' : 'never';
  return `${value.toFixed(digits)} ms`;
}
