import type { PassResult } from './outcome';

/**
 * Watch paths by owner (`resource <name>`, `source <name>`): what each one's latest observation
 * (`Observation.watch`) or read (`Desired.watch`) named. A pass lists only the owners it
 * observed or read without an exception.
 */
export type WatchPaths = ReadonlyMap<string, readonly string[]>;

/**
 * What to call after every pass: hands `watch` (the file trigger's) the union of every owner's
 * latest paths, sorted, once each: this pass's where it observed or read the owner, the
 * previous ones otherwise (a retry of other resources, an observe that threw).
 */
export function watchAfterPasses(watch: (paths: readonly string[]) => void): (pass: PassResult) => void {
  let latest: WatchPaths = new Map();
  return (pass) => {
    latest = new Map([...latest, ...(pass.watch ?? [])]);
    watch([...new Set([...latest.values()].flat())].sort());
  };
}
