import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** The compiled command (`npm test` builds before testing; production runs dist/). */
export const CLI = join(__dirname, '..', 'dist', 'cli.js');

export interface CliRun {
  /** The exit code; -1 when a signal ended the process. */
  code: number;
  /** The signal that ended the process: SIGKILL when `timeoutMs` ran out (the program itself never uses SIGKILL). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run `node dist/cli.js …args` to completion. */
export function runCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { encoding: 'utf8', timeout: options.timeoutMs ?? 60_000, killSignal: 'SIGKILL', env: { ...process.env, ...options.env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, signal: error?.signal ?? null, stdout, stderr });
      },
    );
  });
}
