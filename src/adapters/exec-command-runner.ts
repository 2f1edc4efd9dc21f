import { spawn } from 'node:child_process';
import type { TooLargeError } from '../core/budget';
import type { CommandResult, CommandRunner, RunOptions } from '../host/command-runner';
import { OutputCollector } from './bounded-stream';

/** Why a command was ended before it finished by itself. */
type Ended = { why: 'timeout' } | { why: 'aborted' } | { why: 'too-large'; error: TooLargeError };

/**
 * CommandRunner on child_process.spawn: argv only, no shell, bounded time and output (the same
 * OutputCollector as Docker exec: past the cap the command is killed and the pass told why).
 */
export class ExecCommandRunner implements CommandRunner {
  run(argv: readonly string[], options: RunOptions): Promise<CommandResult> {
    const [file, ...args] = argv;
    if (!file) return Promise.resolve({ kind: 'failed', message: 'empty command' });
    if (options.signal?.aborted) return Promise.resolve({ kind: 'failed', message: 'killed: the pass was abandoned' });
    return new Promise((resolve) => {
      const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      // `input` (an iptables-restore transaction), then end of input; a command that exits without reading it must not fail the write (EPIPE).
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input ?? '');
      let ended: Ended | null = null;
      // Killed, and its pipes closed: a grandchild holding them open must not keep us waiting.
      const end = (why: Ended): void => {
        if (ended) return;
        ended = why;
        child.kill('SIGKILL');
        child.stdout.destroy();
        child.stderr.destroy();
      };
      const output = new OutputCollector(`output of ${file}`, (error) => end({ why: 'too-large', error }));
      output.attach(child.stdout, child.stderr);
      const timer = setTimeout(() => end({ why: 'timeout' }), options.timeoutMs);
      const onAbort = (): void => end({ why: 'aborted' });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const finish = (result: CommandResult): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'EACCES') return finish({ kind: 'not-found', message: `${file}: ${error.code}` });
        finish({ kind: 'failed', message: error.message.split('\n')[0] ?? String(error.code) });
      });
      child.on('close', (code, signal) => {
        const why = ended as Ended | null;
        if (why?.why === 'aborted') return finish({ kind: 'failed', message: 'killed: the pass was abandoned' });
        if (why?.why === 'timeout') return finish({ kind: 'timed-out', timeoutMs: options.timeoutMs, stderr: output.stderr() });
        if (why?.why === 'too-large') return finish({ kind: 'failed', message: `${why.error.message}; killed` });
        if (code !== null) return finish({ kind: 'exited', exitCode: code, stdout: output.stdout(), stderr: output.stderr() });
        finish({ kind: 'failed', message: `killed by ${signal ?? 'a signal'}` });
      });
    });
  }
}
