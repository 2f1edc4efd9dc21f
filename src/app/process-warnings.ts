import type { Logger } from '../core/logger';

/** What Node passes to `process.on('warning')`: an Error, with a code for deprecations (`DEP0137`). */
type NodeWarning = Error & { code?: string; detail?: string };

/**
 * Node's own warnings (`(node:PID) Warning: …`, deprecations such as `[DEP0137]`) become log
 * lines instead of Node's plain text on stderr, which would break the JSON log stream (and, on a
 * terminal, the pretty one). Node's writer is replaced only when it is there: with
 * `--no-warnings` Node installs none, and nothing is logged either; `--no-deprecation` is kept.
 */
export function logProcessWarnings(logger: Logger, proc: NodeJS.Process = process): void {
  if (proc.listenerCount('warning') === 0) return;
  proc.removeAllListeners('warning');
  proc.on('warning', (warning: NodeWarning) => {
    if (warning.name === 'DeprecationWarning' && proc.noDeprecation) return;
    const fields = {
      warning: {
        name: warning.name,
        ...(warning.code !== undefined ? { code: warning.code } : {}),
        ...(typeof warning.detail === 'string' ? { detail: warning.detail } : {}),
      },
    };
    logger.warn(fields, `process warning${warning.code !== undefined ? ` [${warning.code}]` : ''}: ${warning.message}`);
  });
}
