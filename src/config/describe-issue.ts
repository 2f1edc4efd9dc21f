import type { z } from 'zod';
import { didYouMean } from '../core/closest';
import { knownKeys } from './known-keys';
import type { Yaml } from './merge-config';

/** How the user wrote the file: `resources:` as a mapping by name, or as a list. */
export interface Wording {
  resourcesByName: boolean;
}

/** YAML 1.1 booleans that YAML 1.2 (and so this parser) reads as strings. */
const YAML11_BOOLEAN = /^(?:(y|yes|on)|(n|no|off))$/i;

function valueAt(data: Yaml | undefined, path: readonly PropertyKey[]): Yaml | undefined {
  let value: Yaml | undefined = data;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, Yaml | undefined>)[key]; // eslint-disable-line proto/no-prototype-lookup -- own property checked
  }
  return value;
}

/**
 * A key path as the user wrote it: `resources.cockpit-socket.mode` when resources were given by
 * name, `resources.0.mode (resource "cockpit-socket")` for a list.
 */
export function userKey(path: readonly PropertyKey[], data: Yaml, wording: Wording): string {
  const key = path.map(String).join('.') || '(top level)';
  if (path[0] !== 'resources' || typeof path[1] !== 'number') return key;
  const name = valueAt(data, ['resources', path[1], 'name']);
  if (typeof name !== 'string') return key;
  if (wording.resourcesByName) return ['resources', name, ...path.slice(2)].map(String).join('.');
  return `${key} (resource "${name}")`;
}

/** Keys named inside a message (`resources.3.to`), in the user's words too. */
export function inUserWords(message: string, data: Yaml, wording: Wording): string {
  if (!wording.resourcesByName) return message;
  return message.replace(/\bresources\.(\d+)((?:\.[A-Za-z0-9_]+)*)/g, (whole, index: string, rest: string) => {
    const name = valueAt(data, ['resources', Number(index), 'name']);
    return typeof name === 'string' ? `resources.${name}${rest}` : whole;
  });
}

/**
 * A value that fits none of a union's forms: which key each form needs when each misses only one
 * (`needs one of: exec, systemctl`), else the problems of the form it comes closest to.
 */
function unionHint(forms: readonly (readonly z.core.$ZodIssue[])[]): string {
  const missing = forms.map((errors) => {
    const only = errors.length === 1 ? errors[0] : undefined;
    return only?.code === 'invalid_type' && only.path.length === 1 && / received undefined$/.test(only.message) ? String(only.path[0]) : null;
  });
  if (missing.every((k) => k !== null)) return `needs one of: ${missing.join(', ')}`;
  const types = forms.map((errors) => (errors.length === 1 && errors[0]?.code === 'invalid_type' && errors[0].path.length === 0 ? errors[0].expected : null));
  if (types.every((t) => t !== null)) return `expected ${[...new Set(types)].join(' or ')}`;
  // The closest form: fewest problems, and not one that does not even know the keys given.
  const score = (errors: readonly z.core.$ZodIssue[]): number => errors.length + (errors.some((e) => e.code === 'unrecognized_keys' && e.path.length === 0) ? 100 : 0);
  const closest = [...forms].sort((a, b) => score(a) - score(b))[0] ?? [];
  return closest
    .map((e) => {
      const at = e.path.map(String).join('.');
      const what = e.code === 'invalid_union' && 'errors' in e && !('discriminator' in e) ? unionHint(e.errors) : e.message;
      return at === '' ? what : `${at}: ${what}`;
    })
    .join('; ');
}

function hint(issue: z.core.$ZodIssue, value: Yaml | undefined): string {
  if (issue.code === 'invalid_type' && issue.expected === 'boolean' && typeof value === 'string') {
    const match = YAML11_BOOLEAN.exec(value);
    if (match) return `expected true or false, got the text "${value}" (yes/no/on/off are text in YAML 1.2: write ${match[1] ? 'true' : 'false'})`;
  }
  if (issue.code === 'invalid_value' && typeof value === 'string') {
    const allowed = issue.values.filter((v): v is string => typeof v === 'string');
    return `${issue.message}${didYouMean(value, allowed)}`;
  }
  const options: unknown = (issue as { options?: unknown }).options;
  if (issue.code === 'invalid_union' && 'discriminator' in issue && Array.isArray(options)) {
    const kinds = options.filter((v): v is string => typeof v === 'string');
    const got = value === undefined ? 'missing' : `unknown ${issue.discriminator} ${JSON.stringify(value)}`;
    return `${got}${typeof value === 'string' ? didYouMean(value, kinds) : ''}; one of ${kinds.join(', ')}`;
  }
  if (issue.code === 'invalid_union' && !('discriminator' in issue) && issue.errors.length > 0) return unionHint(issue.errors);
  return issue.message;
}

/** One line per problem of a zod issue, each naming its key in the user's words, with a hint. */
export function describeIssue(schema: z.core.$ZodType, issue: z.core.$ZodIssue, data: Yaml, wording: Wording): string[] {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(schema, issue.path, data);
    return issue.keys.map((k) => `${userKey([...issue.path, k], data, wording)}: unknown key${didYouMean(k, known)}`);
  }
  return [`${userKey(issue.path, data, wording)}: ${inUserWords(hint(issue, valueAt(data, issue.path)), data, wording)}`];
}
