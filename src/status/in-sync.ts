/**
 * The one "in sync" rule: every configured resource's latest known state is in sync. A resource
 * with no state yet (never reported: a pass has not reached it) is not in sync. Used for the
 * status file's `lastSuccessAt` (daemon and `--once`), `reconciler_last_success_timestamp_seconds`
 * and the exit code of `--once`; a retry pass reports only some resources, so the rule looks at
 * the latest state of each, never at one pass alone.
 */
export function everyInSync(configured: Iterable<string>, latest: (name: string) => { inSync: boolean } | undefined): boolean {
  for (const name of configured) if (latest(name)?.inSync !== true) return false;
  return true;
}
