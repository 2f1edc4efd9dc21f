import { didYouMean } from '../core/closest';
import { mergeConfig, type Yaml } from './merge-config';

type Mapping = { [key: string]: Yaml };

const isMapping = (value: Yaml | undefined): value is Mapping => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The mapping form of `resources:`: each key names a default resource, its value the keys to
 * change (merged like the rest of the file: mappings key by key, lists replaced), so one line
 * changes one field or switches a resource off:
 *
 *     resources: { cockpit-socket: { mode: inplace }, cockpit-firewalld: { enabled: false } }
 *
 * A name the defaults do not have adds a resource when its `kind` is given, and is refused
 * otherwise (a typo must not pass silently). The list form still replaces the default list.
 * Returns the resulting list and the problems, each naming its key; what is refused is left out
 * and the rest applied, so that the rest of the file is still checked.
 */
export function applyResourceOverrides(defaults: Yaml | undefined, overrides: Mapping): { resources: Yaml[]; problems: string[] } {
  const base = Array.isArray(defaults) ? defaults : [];
  const nameOf = (r: Yaml): string | undefined => (isMapping(r) && typeof r.name === 'string' ? r.name : undefined);
  const known = base.map(nameOf).filter((n): n is string => n !== undefined);
  const resources = [...base];
  const problems: string[] = [];
  for (const [name, given] of Object.entries(overrides)) {
    const key = `resources.${name}`;
    const at = known.indexOf(name);
    if (given !== null && !isMapping(given)) {
      problems.push(`${key}: must be a mapping of the keys to change, e.g. { enabled: false }`);
      continue;
    }
    // A refused name or kind is reported and left out; the rest of the change is still checked.
    const { name: givenName, kind, ...rest } = given ?? {};
    if (givenName !== undefined && givenName !== name) problems.push(`${key}.name: the key of the mapping is the name ("${name}"); leave name out`);
    const current = resources[at];
    if (at < 0 || !isMapping(current)) {
      if (kind !== undefined) resources.push({ name, kind, ...rest });
      else problems.push(`${key}: no resource "${name}" in the defaults ${didYouMean(name, known).trim() || `(${known.join(', ')})`}; to add a resource, give its kind`);
      continue;
    }
    if (kind !== undefined && kind !== current.kind) problems.push(`${key}.kind: a default resource keeps its kind (${String(current.kind)}); to replace it, list resources: in full`);
    resources[at] = mergeConfig(current, rest);
  }
  return { resources, problems };
}
