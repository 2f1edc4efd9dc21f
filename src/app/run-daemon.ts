import { merge } from 'rxjs';
import type { Config } from '../config/schema';
import { LockedError } from '../core/errors';
import type { Logger } from '../core/logger';
import { signals } from '../triggers/signal-source';
import { createHostDeps, createNotifier } from './create-runtime';
import { Daemon, SHUTDOWN_TIMEOUT_MS } from './daemon';
import { endProcessNow } from './end-process';

/** SIGTERM ends the process within this long, even when a pass or the status write hangs. */
export const SHUTDOWN_BOUND_MS = SHUTDOWN_TIMEOUT_MS + 5_000;

export interface RunDaemonOptions {
  config: Config;
  /** --config: re-read on SIGHUP. */
  configPath?: string;
  /** --metrics-addr */
  metricsAddr?: { host: string; port: number };
  statusFile: string;
  logger: Logger;
}

/** How the controller ended: stopped by a signal, or never started because another one holds the lock. */
export type DaemonExit = { kind: 'stopped' } | { kind: 'locked'; message: string };

/** `reconcile`: run the controller until SIGTERM/SIGINT; SIGHUP reloads the configuration. */
export async function runDaemon(options: RunDaemonOptions): Promise<DaemonExit> {
  const { config, statusFile, logger } = options;
  const host = createHostDeps(config, statusFile);
  let lock;
  try {
    lock = host.locks.acquire(`${statusFile}.lock`);
  } catch (error) {
    if (!(error instanceof LockedError)) throw error;
    return { kind: 'locked', message: error.message };
  }
  const notify = createNotifier(process.env, process.pid);
  const daemon = new Daemon({
    config,
    statusFile,
    host,
    logger,
    ...(options.configPath !== undefined ? { configPath: options.configPath } : {}),
    ...(options.metricsAddr ? { metricsAddr: options.metricsAddr } : {}),
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
    host.claims?.releaseAll();
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
    host.claims?.releaseAll();
    lock.release();
    endProcessNow();
  }, SHUTDOWN_BOUND_MS).unref();
  hup.unsubscribe();
  const settled = await daemon.stop();
  // After the last pass: another controller on the same files may take them over from now on.
  host.claims?.releaseAll();
  lock.release();
  stopSignals.unsubscribe();
  if (!settled) {
    logger.warn('a pass is stuck where nothing can interrupt it; ending the process');
    endProcessNow();
  }
  return { kind: 'stopped' };
}
