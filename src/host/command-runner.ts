/** What running a command produced. A non-zero exit is a result, not an exception. */
export type CommandResult =
  | { kind: 'exited'; exitCode: number; stdout: string; stderr: string }
  | { kind: 'not-found'; message: string }
  | { kind: 'timed-out'; timeoutMs: number; stderr: string }
  | { kind: 'failed'; message: string };

export interface RunOptions {
  timeoutMs: number;
  /** Kills the command when aborted (an abandoned pass, shutdown). */
  signal?: AbortSignal;
  /** Written to the command's standard input, which is then closed (none: stdin is closed at once). */
  input?: string;
}

/** Runs argv directly (never through a shell). Implemented by adapters/exec-command-runner. */
export interface CommandRunner {
  run(argv: readonly string[], options: RunOptions): Promise<CommandResult>;
}

/** One line describing a command's failure: exit code and the end of stderr. */
export function describeCommandFailure(argv: readonly string[], result: CommandResult): string {
  const name = argv.join(' ');
  switch (result.kind) {
    case 'exited': {
      const stderr = result.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300);
      return `\`${name}\` exited with code ${result.exitCode}${stderr ? `: ${stderr}` : ''}`;
    }
    case 'not-found':
      return `\`${name}\` could not be run: ${result.message}`;
    case 'timed-out':
      return `\`${name}\` timed out after ${result.timeoutMs}ms`;
    case 'failed':
      return `\`${name}\` failed: ${result.message}`;
  }
}
