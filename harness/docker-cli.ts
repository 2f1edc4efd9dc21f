import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Label carried by every container, volume and image the test support creates. */
export const TEST_LABEL = 'reconciler.test';

/** `--label`/`--filter` form of {@link TEST_LABEL}. */
export const TEST_LABEL_PAIR = `${TEST_LABEL}=true`;

/** Output of one `docker` CLI call. */
export interface DockerOutput {
  stdout: string;
  stderr: string;
}

/** A failed `docker` CLI call: the message names the arguments and carries stderr. */
export class DockerCliError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`docker ${args.join(' ')} failed (exit ${exitCode ?? 'unknown'}): ${stderr.trim() || '(no stderr)'}`);
    this.name = 'DockerCliError';
  }
}

interface ExecError extends Error {
  code?: number | string;
  stderr?: string;
}

function isExecError(error: unknown): error is ExecError {
  return error instanceof Error;
}

/** Runs the `docker` CLI with argv (no shell). Rejects with {@link DockerCliError} on a non-zero exit. */
export async function docker(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<DockerOutput> {
  try {
    const { stdout, stderr } = await execFileAsync('docker', [...args], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: options.timeoutMs ?? 120_000,
    });
    return { stdout, stderr };
  } catch (error: unknown) {
    if (isExecError(error)) {
      const code = typeof error.code === 'number' ? error.code : null;
      const stderr = typeof error.stderr === 'string' && error.stderr !== '' ? error.stderr : error.message;
      throw new DockerCliError(args, code, stderr);
    }
    throw error;
  }
}

/** Runs `docker` and ignores failures (for cleanup of things that may already be gone). */
export async function dockerQuiet(args: readonly string[]): Promise<void> {
  try {
    await docker(args);
  } catch {
    // Cleanup is best effort: the object may already be gone.
  }
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a local image with that tag exists. */
export async function imageExists(tag: string): Promise<boolean> {
  try {
    await docker(['image', 'inspect', '--format', '{{.Id}}', tag]);
    return true;
  } catch (error: unknown) {
    if (error instanceof DockerCliError && /no such image/i.test(error.stderr)) return false;
    throw error;
  }
}
