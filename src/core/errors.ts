/**
 * Typed errors. Adapters translate library errors into these; the controller decides what
 * an error means for retries and status. Messages never carry secrets.
 */
export class ReconcilerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command line or configuration file: exit code 64. `key` names the offending key. */
export class UsageError extends ReconcilerError {
  constructor(
    message: string,
    readonly key?: string,
  ) {
    super('USAGE', message);
  }
}

/** The Docker daemon could not be reached or answered with an unexpected error. */
export class DockerError extends ReconcilerError {}

/** A file could not be read or written for a reason other than "it does not exist". */
export class FileError extends ReconcilerError {
  constructor(
    code: string,
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** The controller cannot start for a reason outside the configuration file (e.g. a metrics address in use): exit 1, one line. */
export class StartupError extends ReconcilerError {}

/** Another controller already holds the lock on this status file. */
export class LockedError extends ReconcilerError {}

/** A short, single-line description of any thrown value, for status messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
