import type { PassResult } from '../controller/outcome';
import { everyInSync } from '../status/in-sync';

/** A one-off pass reports every configured resource: in sync when each of them is. */
const passSucceeded = (pass: PassResult): boolean => everyInSync(pass.resources.map((r) => r.name), (name) => pass.resources.find((r) => r.name === name));

/** Exit codes (docs/design.md §4, README "Command line"). */
export const EXIT = {
  ok: 0,
  notConverged: 1,
  drift: 2,
  usage: 64,
} as const;

/**
 * `--detailed-exitcodes` (Puppet's convention): bit 2 = something changed (or, in a dry run,
 * would change), bit 4 = not converged. 0 in sync and nothing changed, 2 changed and in sync,
 * 4 not converged, 6 changed but not converged.
 */
const DETAILED_EXIT = { inSync: 0, changed: 2, notConverged: 4, changedNotConverged: 6 } as const;

/**
 * Exit code of a one-off pass. Default codes: 0 converged (dry run: in sync), 1 not converged
 * (dry run: an error), 2 drift in a dry run. `statusWritten: false` (the status file could not
 * be written) counts as not converged.
 */
export function onceExitCode(pass: PassResult, options: { detailed: boolean; statusWritten: boolean }): number {
  const failed = pass.resources.some((r) => r.failed) || !options.statusWritten;
  const drift = pass.resources.some((r) => r.reason === 'DriftDetected');
  if (options.detailed) {
    const changed = pass.dryRun ? drift : pass.resources.some((r) => r.changed);
    const notConverged = pass.dryRun ? failed : failed || !passSucceeded(pass);
    return (changed ? DETAILED_EXIT.changed : 0) | (notConverged ? DETAILED_EXIT.notConverged : 0);
  }
  if (pass.dryRun) return failed ? EXIT.notConverged : drift ? EXIT.drift : EXIT.ok;
  return failed || !passSucceeded(pass) ? EXIT.notConverged : EXIT.ok;
}
