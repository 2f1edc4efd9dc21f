import { docker } from '../../harness/docker-cli';

/** The part of node:test's TestContext that {@link requireDocker} uses. */
export interface SkippableContext {
  skip(message?: string): void;
}

let probe: Promise<string | null> | undefined;

/** Resolves to null when `docker info` works, else to a one-line reason. Probed once per process. */
export async function dockerUnavailableReason(): Promise<string | null> {
  probe ??= docker(['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 60_000 }).then(
    () => null,
    (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'docker info failed',
  );
  return probe;
}

/**
 * Checks that a Docker daemon answers (`docker info`). Resolves true when it does. When it does
 * not: with `CI=true` it throws, so integration tests fail rather than skip in CI; otherwise it
 * calls `t.skip(reason)` when a test context is given and resolves false.
 */
export async function requireDocker(t?: SkippableContext): Promise<boolean> {
  const reason = await dockerUnavailableReason();
  if (reason === null) return true;
  const message = `Docker daemon unavailable: ${reason}`;
  if (process.env.CI === 'true') {
    throw new Error(`${message} (CI=true: integration tests must not be skipped)`);
  }
  t?.skip(`${message} (skipping; set CI=true to make this a failure)`);
  return false;
}

/**
 * For a test's or suite's `skip` option: false when Docker answers, else the skip message.
 * Throws under `CI=true` like {@link requireDocker}. Example: `describe('x', { skip: await dockerSkip() }, …)`.
 */
export async function dockerSkip(): Promise<false | string> {
  let message: string | false = false;
  const available = await requireDocker({ skip: (reason) => (message = reason ?? 'Docker daemon unavailable') });
  return available ? false : message;
}

/**
 * For a suite's `before` hook: resolves when Docker answers, else throws a clear error (in CI and
 * out of it): the integration suites test against a real daemon or not at all.
 */
export async function assertDocker(): Promise<void> {
  const reason = await dockerUnavailableReason();
  if (reason !== null) throw new Error(`these tests need a running Docker daemon (try .ci/run): ${reason}`);
}
