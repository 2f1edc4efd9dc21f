import { z } from 'zod';

type Data = unknown;

const child = (data: Data, key: PropertyKey): Data =>
  typeof data === 'object' && data !== null && Object.hasOwn(data, key) ? (data as Record<PropertyKey, unknown>)[key] : undefined; // eslint-disable-line proto/no-prototype-lookup -- own property checked

/** The schema under optional, nullable, default and codec wrappers. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return unwrap(schema.unwrap() as z.core.$ZodType);
  if (schema instanceof z.ZodDefault) return unwrap(schema.def.innerType);
  if (schema instanceof z.ZodPipe) return unwrap(schema.in);
  return schema;
}

/** A union's options; of a discriminated union, those whose `kind` the data names (all when none). */
function options(schema: z.ZodUnion, data: Data): z.core.$ZodType[] {
  const all = schema.options as readonly z.core.$ZodType[];
  const kind = child(data, 'kind');
  const named = all.filter((o) => {
    const literal = o instanceof z.ZodObject ? (o.shape as Record<string, unknown>).kind : undefined;
    return literal instanceof z.ZodLiteral && literal.values.has(kind as z.core.util.Literal);
  });
  return named.length > 0 ? named : [...all];
}

function objectsAt(schema: z.core.$ZodType, path: readonly PropertyKey[], data: Data): z.ZodObject[] {
  const s = unwrap(schema);
  if (s instanceof z.ZodUnion) return options(s, data).flatMap((o) => objectsAt(o, path, data));
  const [head, ...rest] = path;
  if (head === undefined) return s instanceof z.ZodObject ? [s] : [];
  const next = child(data, head);
  if (s instanceof z.ZodObject) {
    const field = Object.hasOwn(s.shape, head) ? (s.shape as Record<PropertyKey, z.core.$ZodType | undefined>)[head] : undefined; // eslint-disable-line proto/no-prototype-lookup -- own property checked
    return field ? objectsAt(field, rest, next) : [];
  }
  if (s instanceof z.ZodArray) return objectsAt(s.element as z.core.$ZodType, rest, next);
  if (s instanceof z.ZodRecord) return objectsAt(s.valueType as z.core.$ZodType, rest, next);
  return [];
}

/**
 * The keys a mapping at `path` of the configuration may hold, for "did you mean" on an
 * unknown key: the fields of the object schema there (of every union option that fits `data`).
 */
export function knownKeys(schema: z.core.$ZodType, path: readonly PropertyKey[], data: Data): string[] {
  return [...new Set(objectsAt(schema, path, data).flatMap((o) => Object.keys(o.shape)))];
}
