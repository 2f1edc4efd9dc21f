import type { Liquid, Template } from 'liquidjs';
import { lazy } from '../../core/lazy';
import { addressFilter, hostnameFilter, portFilter, RefusedValue } from './safe-filters';

const liquidjs = lazy(() => require('liquidjs') as typeof import('liquidjs'));

/** The bounds of one template: its size, one render's time and allocations, and the output. */
export const TEMPLATE_LIMITS = {
  templateBytes: 256 * 1024,
  renderMs: 2000,
  memory: 64 * 1024 * 1024,
  outputBytes: 8 * 1024 * 1024,
} as const;

/**
 * A Liquid engine that can read no file (includes, renders and layouts look up an empty
 * in-memory map), fails on an undefined variable (except in an `if` test) or an unknown
 * filter, and bounds parse size, render time and memory. Filters for safe output: `hostname`,
 * `port`, `address` (a refused value throws RefusedValue).
 */
export function createEngine(): Liquid {
  const engine = new (liquidjs().Liquid)({
    templates: {},
    strictVariables: true,
    strictFilters: true,
    lenientIf: true,
    ownPropertyOnly: true,
    parseLimit: TEMPLATE_LIMITS.templateBytes,
    renderLimit: TEMPLATE_LIMITS.renderMs,
    memoryLimit: TEMPLATE_LIMITS.memory,
  });
  engine.registerFilter('hostname', hostnameFilter);
  engine.registerFilter('port', portFilter);
  engine.registerFilter('address', addressFilter);
  return engine;
}

/** A parsed template, or why it does not parse (line and column in the message). */
export function compile(engine: Liquid, text: string): { ok: true; template: Template[] } | { ok: false; message: string } {
  try {
    return { ok: true, template: engine.parse(text) };
  } catch (error) {
    return { ok: false, message: firstLine(error) };
  }
}

/** One render: the text, a refused value (the problem), or the template's own error. */
export function renderOnce(engine: Liquid, template: Template[], scope: object): { text: string } | { refused: string } | { error: string } {
  try {
    const out: unknown = engine.renderSync(template, scope);
    const text = String(out);
    if (Buffer.byteLength(text) > TEMPLATE_LIMITS.outputBytes) return { error: `the output is larger than ${TEMPLATE_LIMITS.outputBytes} bytes` };
    return { text };
  } catch (error) {
    const refused = refusalIn(error, 0);
    return refused ? { refused: refused.problem } : { error: firstLine(error) };
  }
}

/** The RefusedValue inside liquidjs's wrappers (`originalError`, `cause`, `errors`), if any. */
function refusalIn(error: unknown, depth: number): RefusedValue | null {
  if (error instanceof RefusedValue) return error;
  if (depth > 6 || typeof error !== 'object' || error === null) return null;
  const e = error as { originalError?: unknown; cause?: unknown; errors?: unknown };
  const inner = [e.originalError, e.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  for (const candidate of inner) {
    const found = refusalIn(candidate, depth + 1);
    if (found) return found;
  }
  return null;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? message).slice(0, 500);
}
