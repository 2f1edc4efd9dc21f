import type { PassResult } from '../controller/outcome';
import { PendingCommands, pendingPath } from '../controller/pending-commands';
import { FailedChecks } from '../controller/failed-checks';
import type { PassRequest } from '../controller/reconcile-loop';
import type { RetryState } from '../controller/retry-state';
import { runPass } from '../controller/run-pass';
import type { Resource } from '../resources/resource';
import type { Runtime } from './create-runtime';

export interface DaemonPassHooks {
  /** Resources whose last apply failed (their commands run again). */
  applyFailed: () => ReadonlySet<string>;
  statusFile: string;
  /** When the pass started, null when it ended (the watchdog's measure of a hung pass). */
  running: (startedAt: number | null) => void;
  /** The resources this pass runs (a removed PublishedPortFirewall's clean-up, once done, no longer); all when absent. */
  active?: (resources: readonly Resource[]) => readonly Resource[];
}

/**
 * The daemon's pass for a loop request: its triggers, retries, held resources and abort signal,
 * with the pending-commands record read afresh (an abandoned pass cannot share it). A change
 * whose check failed is not tried again before its retry (see FailedChecks).
 */
export function daemonPass(runtime: Runtime, hooks: DaemonPassHooks): (request: PassRequest, retry: ReadonlyMap<string, RetryState>) => Promise<PassResult> {
  // Of this loop session: a reload starts with every change worth a try.
  const failedChecks = new FailedChecks();
  return async (request, retry) => {
    hooks.running(runtime.clock.now());
    const pending = new PendingCommands(runtime.files, pendingPath(hooks.statusFile));
    try {
      return await runPass(hooks.active ? { ...runtime, resources: hooks.active(runtime.resources) } : runtime, {
        dryRun: false,
        triggers: request.triggers,
        signal: request.signal,
        ...(request.only ? { only: request.only } : {}),
        ...(request.skip ? { skip: request.skip } : {}),
        retryCommands: hooks.applyFailed(),
        pending,
        failedChecks: failedChecks.view(retry),
      });
    } finally {
      if (pending.problem !== null) runtime.logger.warn({ record: pendingPath(hooks.statusFile) }, pending.problem);
      hooks.running(null);
    }
  };
}
