import { EXIT, onceExitCode } from '../cli/exit-codes';
import { formatPlanDiff, formatSummary, passToJson } from '../cli/format-pass';
import { describeError } from '../core/errors';
import { VERSION } from '../core/version';
import { PassAbandonedError, type PassResult } from '../controller/outcome';
import { PendingCommands, pendingPath } from '../controller/pending-commands';
import type { Journal } from '../status/journal/journal';
import { runPass } from '../controller/run-pass';
import { applyFailedNames, failuresAfter, iso, lastPassOf, passSucceeded, resourceStatus } from '../status/build-status';
import { readStatusFile, writeStatusFile, type StatusFile } from '../status/status-file';
import type { Runtime } from './create-runtime';
import { logPass } from './log-pass';
import { lockHolder } from '../adapters/pid-lock';

export interface OnceOptions {
  dryRun: boolean;
  json: boolean;
  statusFile: string;
  /** --detailed-exitcodes: 0/2/4/6 instead of 0/1 (see onceExitCode). */
  detailedExitCodes?: boolean;
  /** Where applied changes and failed applies are recorded (not in a dry run). */
  journal?: Journal;
  /** Log each changed or failed resource (default true; off when the summary goes to the same terminal). */
  logOutcomes?: boolean;
}

/** How long a one-off pass waits, after it is done, for the journal's webhook before it exits. */
const WEBHOOK_FLUSH_MS = 15_000;

export interface OnceResult {
  exitCode: number;
  stdout: string;
  /** The pass ran longer than timing.passTimeout and was abandoned; `stuck` when it did not stop when told to. */
  abandoned?: 'stopped' | 'stuck';
}

/** `reconcile --once [--dry-run]`: one pass, the status file (not in a dry run), a summary. */
export async function runOnce(rt: Runtime, options: OnceOptions): Promise<OnceResult> {
  const previousRead = await readStatusFile(rt.files, options.statusFile);
  const previous = previousRead.ok ? previousRead.status : null;
  const retryCommands = applyFailedNames(previous?.resources ?? []);
  const pending = new PendingCommands(rt.files, pendingPath(options.statusFile));
  const limit = rt.config.timing.passTimeout;
  const abort = new AbortController();
  let cancel: () => void = () => undefined;
  const timedOut = new Promise<null>((resolve) => {
    cancel = rt.clock.setTimer(() => {
      abort.abort(new PassAbandonedError('timeout', limit));
      resolve(null);
    }, limit);
  });
  const running = runPass(rt, { dryRun: options.dryRun, triggers: ['once'], retryCommands, pending, signal: abort.signal });
  running.catch(() => undefined); // abandoned: it rejects when it notices the signal
  const pass = await Promise.race([running, timedOut]);
  cancel();
  if (pass === null) {
    // Nothing more is started; the follow-up commands stay recorded for the next pass. A pass
    // that does not even stop at its next step is stuck in the kernel (see end-process).
    const stuck = !(await settledWithin(running, 1000, rt));
    const message = `pass abandoned: still running after ${limit}ms (a read or command that hangs)`;
    rt.logger.error({ timeoutMs: limit, stuck }, message);
    // Not converged (4 with --detailed-exitcodes).
    const exitCode = options.detailedExitCodes ? 4 : EXIT.notConverged;
    const stdout = options.json ? `${JSON.stringify({ result: 'abandoned', exitCode, message }, null, 2)}\n` : `${message}\n`;
    return { exitCode, stdout, abandoned: stuck ? 'stuck' : 'stopped' };
  }
  if (options.logOutcomes ?? true) logPass(rt.logger, pass);
  if (!options.dryRun) await options.journal?.record(pass);

  let statusWritten = true;
  // A running controller owns the status file (monitoring reads its mode and stats): a one-off
  // pass beside it changes the host like the controller would, but leaves the file alone.
  const controller = options.dryRun ? null : lockHolder(`${options.statusFile}.lock`);
  if (controller !== null) rt.logger.warn({ pid: controller, file: options.statusFile }, 'a controller is running; the status file is left to it');
  else if (!options.dryRun) {
    try {
      await writeStatusFile(rt.files, options.statusFile, statusAfterOnce(pass, previous, rt));
    } catch (error) {
      rt.logger.error({ err: describeError(error), file: options.statusFile }, 'cannot write the status file');
      statusWritten = false;
    }
  }
  const exitCode = onceExitCode(pass, { detailed: options.detailedExitCodes ?? false, statusWritten });
  // The pass is over; delivering its journal entries may take a little longer, within a bound.
  if (options.journal && !(await options.journal.flush(WEBHOOK_FLUSH_MS))) rt.logger.warn('journal webhook: entries still pending at exit');
  if (options.json) return { exitCode, stdout: `${JSON.stringify(passToJson(pass, rt.commands, exitCode), null, 2)}\n` };
  const diff = options.dryRun ? formatPlanDiff(pass, rt.commands) : '';
  return { exitCode, stdout: diff + formatSummary(pass, rt.commands) };
}

function statusAfterOnce(pass: PassResult, previous: StatusFile | null, rt: Runtime): StatusFile {
  const now = pass.finishedAt;
  const before = new Map((previous?.resources ?? []).map((r) => [r.name, r]));
  const changes = pass.resources.filter((r) => r.changed).length;
  return {
    schemaVersion: 1,
    controller: {
      version: VERSION,
      pid: process.pid,
      mode: 'once',
      startedAt: iso(pass.startedAt),
      resyncIntervalMs: rt.config.timing.resyncInterval,
    },
    lastPass: lastPassOf(pass),
    lastSuccessAt: passSucceeded(pass) ? iso(now) : (previous?.lastSuccessAt ?? null),
    stats: { passes: 1, changes, failures: pass.resources.some((r) => r.failed) ? 1 : 0 },
    resources: pass.resources.map((o) =>
      resourceStatus(o, before.get(o.name), now, { consecutiveFailures: failuresAfter(o, before.get(o.name)), nextRetryAt: null }),
    ),
  };
}

function settledWithin(running: Promise<unknown>, ms: number, rt: Runtime): Promise<boolean> {
  let cancel: () => void = () => undefined;
  const late = new Promise<boolean>((resolve) => (cancel = rt.clock.setTimer(() => resolve(false), ms)));
  return Promise.race([running.then(() => true, () => true), late]).finally(() => cancel());
}
