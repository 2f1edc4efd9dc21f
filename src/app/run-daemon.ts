import { merge } from 'rxjs';
import type { CliArgs } from '../cli/parse-args';
import type { Config } from '../config/schema';
import { LockedError } from '../core/errors';
import type { Logger } from '../core/logger';
import { acquirePidLock } from '../adapters/pid-lock';
import { signals } from '../triggers/signal-source';
import { createHostDeps, createNotifier } from './create-runtime';
import { Daemon, SHUTDOWN_TIMEOUT_MS } from './daemon';
import { endProcessNow } from './end-process';

/** SIGTERM ends the process within this long, even when a pass or the status write hangs. */
export const SHUTDOWN_BOUND_MS = SHUTDOWN_TIMEOUT_MS + 5_000;

export interface RunDaemonOptions {
  args: CliArgs;
  config: Config;
  statusFile: string;
  logger: Logger;
}

/** `reconcile`: run the controller until SIGTERM/SIGINT; SIGHUP reloads the configuration. */
export async function runDaemon(options: RunDaemonOptions): Promise<number> {
  const { args, config, statusFile, logger } = options;
  let lock;
  try {
    lock = acquirePidLock(`${statusFile}.lock`);
  } catch (error) {
    if (!(error instanceof LockedError)) throw error;
    process.stderr.write(`reconcile: ${error.message}\n`);
    return 1;
  }
  const notify = createNotifier(process.env, process.pid);
  const daemon = new Daemon({
    config,
    statusFile,
    host: createHostDeps(config),
    logger,
    ...(args.config !== undefined ? { configPath: args.config } : {}),
    ...(args.metricsAddr ? { metricsAddr: args.metricsAddr } : {}),
    ...(notify ? { notify } : {}),
  });
  // Stop signals are handled from before the start until the exit: a second Ctrl-C during
  // shutdown is logged, not fatal (it must not kill a pass mid-write).
  let stopping = false;
  let onStop: (signal: NodeJS.Signals) => void = () => undefined;
  const stopped = new Promise<NodeJS.Signals>((resolve) => (onStop = resolve));
  const stopSignals = merge(signals('SIGTERM'), signals('SIGINT')).subscribe((signal) => {
    if (stopping) return logger.warn({ signal }, 'already shutting down');
    stopping = true;
    onStop(signal);
  });
  try {
    await daemon.start();
  } catch (error) {
    stopSignals.unsubscribe();
    lock.release();
    throw error;
  }
  const hup = signals('SIGHUP').subscribe(() => void daemon.reload());
  const stopSignal = await stopped;
  logger.info({ signal: stopSignal }, 'shutting down');
  // The bound holds whatever hangs (a read stuck in the thread pool, a status write that never
  // returns): the process ends, and the next start takes the lock over.
  setTimeout(() => {
    logger.error({ boundMs: SHUTDOWN_BOUND_MS }, 'shutdown did not finish in time; ending the process');
    lock.release();
    endProcessNow();
  }, SHUTDOWN_BOUND_MS).unref();
  hup.unsubscribe();
  const settled = await daemon.stop();
  lock.release();
  stopSignals.unsubscribe();
  if (!settled) {
    logger.warn('a pass is stuck where nothing can interrupt it; ending the process');
    endProcessNow();
  }
  // Everything is closed; idle keep-alive sockets of the Docker client must not delay the exit.
  setTimeout(() => process.exit(0), 100).unref();
  return 0;
}
