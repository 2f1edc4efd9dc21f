import type { PassResult, ResourceOutcome } from '../controller/outcome';
import { describeError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { FileSystem } from '../host/file-system';
import type { ControllerStatus, RetryShown } from './controller-status';
import type { Journal } from './journal/journal';
import type { Metrics } from './metrics';
import { writeStatusFile, type ResourceStatus } from './status-file';

export interface PassRecorderOptions {
  status: ControllerStatus;
  files: FileSystem;
  /** Where the status document is written; null: never (a dry run, `--once` beside a running controller). */
  statusFile: string | null;
  logger: Logger;
  /** The daemon's metrics (`--once` has none). */
  metrics?: Metrics;
  /** Where applied changes and failed applies are recorded (none in a dry run). */
  journal?: Journal;
  /** A log line per changed or failed resource (default true). */
  logOutcomes?: boolean;
}

/**
 * The one place a finished pass's outcomes become status, metrics, journal entries and log lines
 * (as controller-runtime's reconcileHandler does), for the daemon and `--once` alike. Retries are
 * the loop's (controller/retry-state.ts); their state arrives here with each outcome.
 */
export class PassRecorder {
  constructor(private readonly options: PassRecorderOptions) {}

  /** A finished pass: the status (statuses, stats, lastSuccessAt), metrics, log lines, the journal's file. */
  async record(result: PassResult, retry: (outcome: ResourceOutcome, previous: ResourceStatus | undefined) => RetryShown): Promise<void> {
    const { status, metrics, journal, logger } = this.options;
    status.recordPass(result, retry);
    metrics?.pass(result);
    if (this.options.logOutcomes ?? true) logPass(logger, result);
    await journal?.record(result); // the file only: the webhook delivers in the background
  }

  /** A pass that ran longer than timing.passTimeout (daemon): logged, counted, in the status; the loop retries it. */
  abandoned(triggers: string[], timeoutMs: number, now: number): void {
    this.options.logger.error({ timeoutMs, triggers }, `pass abandoned: still running after ${timeoutMs}ms (a read or command that hangs); retrying`);
    this.options.metrics?.abandonedPass();
    this.options.status.recordAbandoned(triggers, timeoutMs, now);
  }

  /** Write the status document; false (and logged) when it could not be written. */
  async write(): Promise<boolean> {
    const { statusFile, files, logger } = this.options;
    if (statusFile === null) return true;
    try {
      await writeStatusFile(files, statusFile, this.options.status.document());
      return true;
    } catch (error) {
      logger.error({ err: describeError(error), file: statusFile }, 'cannot write the status file');
      return false;
    }
  }
}

/** A log line per resource that changed or failed; quiet when nothing happened. */
function logPass(logger: Logger, pass: PassResult): void {
  for (const o of pass.resources) {
    const fields = { resource: o.name, desired: o.desired, observed: o.observed, reason: o.reason, triggers: pass.triggers };
    if (o.failed) logger.warn(fields, o.message);
    else if (o.changed) logger.info({ ...fields, actions: o.actions.map((a) => a.action) }, 'applied');
  }
}
