import { PassAbandonedError, type PassResult } from '../controller/outcome';
import { PendingCommands, pendingPath } from '../controller/pending-commands';
import { runPass } from '../controller/run-pass';
import { applyFailedNames, failuresAfter } from '../status/build-status';
import { ControllerStatus } from '../status/controller-status';
import type { Journal } from '../status/journal/journal';
import { PassRecorder } from '../status/pass-recorder';
import { readStatusFile } from '../status/status-file';
import type { Runtime } from './create-runtime';
import { FirewallCleanUps } from './removed-firewalls';

export interface OnceOptions {
  dryRun: boolean;
  statusFile: string;
  /** Where applied changes and failed applies are recorded (not in a dry run). */
  journal?: Journal;
  /** Log each changed or failed resource (default true; off when the summary goes to the same terminal). */
  logOutcomes?: boolean;
}

/** How long a one-off pass waits, after it is done, for the journal's webhook before it exits. */
const WEBHOOK_FLUSH_MS = 15_000;

/**
 * What `--once` did: the pass and whether the status file could be written, or a pass abandoned
 * after timing.passTimeout (`stuck` when it did not even stop when told to). cli/ turns it into
 * output and an exit code.
 */
export type OnceResult =
  | { kind: 'done'; pass: PassResult; statusWritten: boolean }
  | { kind: 'abandoned'; message: string; stuck: boolean };

/** `reconcile --once [--dry-run]`: one pass, the status file (not in a dry run), the journal. */
export async function runOnce(configured: Runtime, options: OnceOptions): Promise<OnceResult> {
  const previousRead = await readStatusFile(configured.files, options.statusFile);
  const previous = previousRead.ok ? previousRead.status : null;
  // PublishedPortFirewall resources in the previous status but no longer configured: cleaned up.
  const cleanUps = new FirewallCleanUps(configured.logger);
  cleanUps.plan(previous?.resources ?? [], configured.config.resources);
  const rt = cleanUps.withCleanUps(configured);
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
  const running = runPass(rt, { dryRun: options.dryRun, triggers: ['once'], retryCommands: applyFailedNames(previous?.resources ?? []), pending, signal: abort.signal });
  running.catch(() => undefined); // abandoned: it rejects when it notices the signal
  const pass = await Promise.race([running, timedOut]);
  cancel();
  if (pending.problem !== null) rt.logger.warn({ record: pendingPath(options.statusFile) }, pending.problem);
  if (pass === null) {
    // Nothing more is started; the follow-up commands stay recorded for the next pass. A pass
    // that does not even stop at its next step is stuck in the kernel (see end-process).
    const stuck = !(await settledWithin(running, 1000, rt));
    const message = `pass abandoned: still running after ${limit}ms (a read or command that hangs)`;
    rt.logger.error({ timeoutMs: limit, stuck }, message);
    return { kind: 'abandoned', message, stuck };
  }

  // A running controller owns the status file (monitoring reads its mode and stats): a one-off
  // pass beside it changes the host like the controller would, but leaves the file alone.
  const controller = options.dryRun ? null : rt.locks.holder(`${options.statusFile}.lock`);
  const status = new ControllerStatus(
    { mode: 'once', pid: process.pid, startedAt: pass.startedAt, resyncIntervalMs: rt.config.timing.resyncInterval, maxAgeMs: rt.config.status.maxAge, resources: cleanUps.statusNames(rt.config) },
    previous,
  );
  const recorder = new PassRecorder({
    status,
    files: rt.files,
    statusFile: options.dryRun || controller !== null ? null : options.statusFile,
    logger: rt.logger,
    ...(options.journal && !options.dryRun ? { journal: options.journal } : {}),
    logOutcomes: options.logOutcomes ?? true,
  });
  await recorder.record(pass, (outcome, before) => ({ consecutiveFailures: failuresAfter(outcome, before), nextRetryAt: null }));
  // Only once what they created is gone do clean-ups leave the status (a dry run removed nothing).
  if (!options.dryRun && cleanUps.settle(pass)) status.configure(cleanUps.statusNames(rt.config), rt.config.timing.resyncInterval);
  if (controller !== null) rt.logger.warn({ pid: controller, file: options.statusFile }, 'a controller is running; the status file is left to it');
  const statusWritten = await recorder.write();
  // The pass is over; delivering its journal entries may take a little longer, within a bound.
  if (options.journal && !(await options.journal.flush(WEBHOOK_FLUSH_MS))) rt.logger.warn('journal webhook: entries still pending at exit');
  return { kind: 'done', pass, statusWritten };
}

function settledWithin(running: Promise<unknown>, ms: number, rt: Runtime): Promise<boolean> {
  let cancel: () => void = () => undefined;
  const late = new Promise<boolean>((resolve) => (cancel = rt.clock.setTimer(() => resolve(false), ms)));
  return Promise.race([running.then(() => true, () => true), late]).finally(() => cancel());
}
