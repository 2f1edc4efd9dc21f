import { EXIT } from '../cli/exit-codes';
import { formatPlanDiff, formatSummary, passToJson } from '../cli/format-pass';
import { describeError } from '../core/errors';
import { VERSION } from '../core/version';
import type { PassResult } from '../controller/outcome';
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
}

export interface OnceResult {
  exitCode: number;
  stdout: string;
}

/** `reconcile --once [--dry-run]`: one pass, the status file (not in a dry run), a summary. */
export async function runOnce(rt: Runtime, options: OnceOptions): Promise<OnceResult> {
  const previousRead = await readStatusFile(rt.files, options.statusFile);
  const previous = previousRead.ok ? previousRead.status : null;
  const retryCommands = applyFailedNames(previous?.resources ?? []);
  const pass = await runPass(rt, { dryRun: options.dryRun, triggers: ['once'], retryCommands });
  logPass(rt.logger, pass);

  let exitCode = exitCodeOf(pass);
  // A running controller owns the status file (monitoring reads its mode and stats): a one-off
  // pass beside it changes the host like the controller would, but leaves the file alone.
  const controller = options.dryRun ? null : lockHolder(`${options.statusFile}.lock`);
  if (controller !== null) rt.logger.warn({ pid: controller, file: options.statusFile }, 'a controller is running; the status file is left to it');
  else if (!options.dryRun) {
    try {
      await writeStatusFile(rt.files, options.statusFile, statusAfterOnce(pass, previous, rt));
    } catch (error) {
      rt.logger.error({ err: describeError(error), file: options.statusFile }, 'cannot write the status file');
      exitCode = EXIT.notConverged;
    }
  }
  if (options.json) return { exitCode, stdout: `${JSON.stringify(passToJson(pass, rt.commands, exitCode), null, 2)}\n` };
  const diff = options.dryRun ? formatPlanDiff(pass, rt.commands) : '';
  return { exitCode, stdout: diff + formatSummary(pass, rt.commands) };
}

/** Exit code of a one-off pass (docs/design.md §4). */
export function exitCodeOf(pass: PassResult): number {
  const failed = pass.resources.some((r) => r.failed);
  if (pass.dryRun) {
    if (failed) return EXIT.notConverged;
    return pass.resources.some((r) => r.reason === 'DriftDetected') ? EXIT.drift : EXIT.ok;
  }
  return failed || !passSucceeded(pass) ? EXIT.notConverged : EXIT.ok;
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
