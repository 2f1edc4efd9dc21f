import { z } from 'zod';
import { parseDuration } from '../core/duration';

/** The longest delay Node's timers hold (2^31-1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `30000` → `30s`: the shortest exact spelling, so that `config print` reads back the same. */
function durationText(ms: number): string | number {
  if (!Number.isInteger(ms)) return ms;
  if (ms !== 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms !== 0 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * A duration (`100ms`, `30s`, `1m`, `2h`, or milliseconds as a number), decoded to milliseconds
 * and encoded back to text. Every duration fits a timer (at most {@link MAX_TIMER_MS}).
 */
export const duration = z.codec(
  z.union([z.string().regex(/^\s*\d+(\.\d+)?\s*(ms|s|m|h)\s*$/, { error: (issue) => `${JSON.stringify(issue.input)} is not a duration (use e.g. 500ms, 30s, 1m)` }), z.number().min(0, 'must not be negative')]),
  z.number().max(MAX_TIMER_MS, `must be at most ${MAX_TIMER_MS}ms (about 24.8 days): Node's timers hold no more`),
  {
    // The input schema has checked the spelling: parseDuration accepts all of it.
    decode: (value) => parseDuration(value) ?? Number.NaN,
    encode: (ms) => durationText(ms),
  },
);
