/**
 * `record[key]` when `key` is the record's own property; undefined otherwise — never a member of
 * Object.prototype (`constructor`, `toString`, `__proto__`) for a name the user chose. Lint
 * (house rule `proto/no-prototype-lookup`) sends string-keyed lookups here or to a Map.
 */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  // eslint-disable-next-line proto/no-prototype-lookup -- the one guarded read
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
