import { ownValue } from '../core/own';

/** Plain YAML data. */
export type Yaml = null | boolean | number | string | Yaml[] | { [key: string]: Yaml };

function isMapping(value: unknown): value is { [key: string]: Yaml } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merge `over` onto `base`: mappings key by key (recursively), everything else (lists too) replaced. */
export function mergeConfig(base: Yaml, over: Yaml | undefined): Yaml {
  if (over === undefined) return base;
  // `docker:` with nothing under it is YAML null: it means "no change", not "delete".
  if (isMapping(base) && over === null) return base;
  if (!isMapping(base) || !isMapping(over)) return over;
  // Built from entries, never `out[key] = …`: a key named `__proto__` stays a key.
  const merged = new Map(Object.entries(base));
  for (const [key, value] of Object.entries(over)) merged.set(key, mergeConfig(ownValue(base, key) ?? null, value));
  return Object.fromEntries(merged);
}
