import { execFile } from 'node:child_process';
import type { CommandResult, CommandRunner, RunOptions } from '../host/command-runner';

const MAX_OUTPUT = 1024 * 1024;

/** CommandRunner on child_process.execFile: argv only, no shell, bounded time and output. */
export class ExecCommandRunner implements CommandRunner {
  run(argv: readonly string[], options: RunOptions): Promise<CommandResult> {
    const [file, ...args] = argv;
    if (!file) return Promise.resolve({ kind: 'failed', message: 'empty command' });
    return new Promise((resolve) => {
      const child = execFile(
        file,
        args,
        { timeout: options.timeoutMs, maxBuffer: MAX_OUTPUT, killSignal: 'SIGKILL', encoding: 'utf8', ...(options.signal ? { signal: options.signal } : {}) },
        (error, stdout, stderr) => {
          if (!error) return resolve({ kind: 'exited', exitCode: 0, stdout, stderr });
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT' || code === 'EACCES') {
            return resolve({ kind: 'not-found', message: `${file}: ${code}` });
          }
          if (options.signal?.aborted) return resolve({ kind: 'failed', message: 'killed: the pass was abandoned' });
          if (error.killed) return resolve({ kind: 'timed-out', timeoutMs: options.timeoutMs, stderr });
          if (typeof code === 'number') return resolve({ kind: 'exited', exitCode: code, stdout, stderr });
          resolve({ kind: 'failed', message: error.message.split('\n')[0] ?? String(code) });
        },
      );
      // A command that exits without reading its input must not fail the write (EPIPE).
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.input ?? '');
    });
  }
}
