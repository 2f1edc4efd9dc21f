import type { Logger } from '../core/logger';
import type { PassResult } from '../controller/outcome';
import { PendingCommands, pendingPath } from '../controller/pending-commands';
import type { PassRequest } from '../controller/reconcile-loop';
import { runPass } from '../controller/run-pass';
import { applyFailedNames, iso } from '../status/build-status';
import type { Metrics } from '../status/metrics';
import type { ResourceStatus, StatusFile } from '../status/status-file';
import type { Runtime } from './create-runtime';

export interface DaemonPassHooks {
  /** The resource statuses so far (their ApplyFailed reasons make commands run again). */
  statuses: () => Iterable<ResourceStatus>;
  statusFile: string;
  /** When the pass started, null when it ended (the watchdog's measure of a hung pass). */
  running: (startedAt: number | null) => void;
}

/**
 * The daemon's pass for a loop request: its triggers, retries, held resources and abort signal,
 * with the pending-commands record read afresh (an abandoned pass cannot share it).
 */
export function daemonPass(runtime: Runtime, hooks: DaemonPassHooks): (request: PassRequest) => Promise<PassResult> {
  return async (request) => {
    hooks.running(runtime.clock.now());
    try {
      return await runPass(runtime, {
        dryRun: false,
        triggers: request.triggers,
        signal: request.signal,
        ...(request.only ? { only: request.only } : {}),
        ...(request.skip ? { skip: request.skip } : {}),
        retryCommands: applyFailedNames(hooks.statuses()),
        pending: new PendingCommands(runtime.files, pendingPath(hooks.statusFile)),
      });
    } finally {
      hooks.running(null);
    }
  };
}

/** A pass ran longer than timing.passTimeout: logged and counted; returns the status's lastPass for it. */
export function reportAbandoned(triggers: string[], timeoutMs: number, now: number, logger: Logger, metrics: Metrics): NonNullable<StatusFile['lastPass']> {
  logger.error({ timeoutMs, triggers }, `pass abandoned: still running after ${timeoutMs}ms (a read or command that hangs); retrying`);
  metrics.abandonedPass();
  return { startedAt: iso(now - timeoutMs), finishedAt: iso(now), durationMs: timeoutMs, triggers, result: 'abandoned' };
}
