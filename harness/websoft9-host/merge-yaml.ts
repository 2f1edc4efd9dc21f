import type { YamlMapping, YamlValue } from './emulated-host';

function isMapping(value: YamlValue | undefined): value is YamlMapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge: mappings merge key by key, anything else (lists included) replaces; undefined deletes. */
export function mergeYaml(base: YamlMapping, overrides: YamlMapping): YamlMapping {
  const result: { [key: string]: YamlValue | undefined } = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) {
      delete result[key];
      continue;
    }
    const current = result[key];
    result[key] = isMapping(current) && isMapping(value) ? mergeYaml(current, value) : value;
  }
  return result;
}
