import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { docker } from '../support/docker-cli';
import { assertDocker } from '../support/docker-required';

/** The repository root: the demo is run from there, as `npm run demo` does. */
const REPO_ROOT = join(__dirname, '..', '..');

interface DemoRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout matches `pattern` (rejects if the demo exits first). */
  printed(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node --require ts-node/register demo/run-demo.ts …args` (dist/ is built by `npm test`). */
function startDemo(args: string[]): DemoRun {
  const child = spawn(process.execPath, ['--require', 'ts-node/register', 'demo/run-demo.ts', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of [...listeners]) listener();
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const listener of [...listeners]) listener();
    }),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    printed: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(stdout);
          if (match) {
            finish();
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            finish();
            reject(new Error(`the demo exited before printing ${pattern}:\n${stdout}\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`the demo did not print ${pattern} within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      }),
  };
}

/** What the demo says it created: container, volume and temporary root. */
function createdBy(output: string): { container: string; volume: string; root: string } {
  const container = /apphub container\s+(\S+)/.exec(output)?.[1];
  const volume = /busybox stand-in; volume (\S+)\)/.exec(output)?.[1];
  const root = /root directory\s+(\S+)/.exec(output)?.[1];
  assert.ok(container && volume && root, `the demo did not name its container, volume and directory:\n${output}`);
  return { container, volume, root };
}

async function assertCleanedUp(output: string): Promise<void> {
  const { container, volume, root } = createdBy(output);
  const containers = (await docker(['ps', '-aq', '--filter', `name=^/${container}$`])).stdout.trim();
  assert.equal(containers, '', `container ${container} left behind`);
  const volumes = (await docker(['volume', 'ls', '-q', '--filter', `name=^${volume}$`])).stdout.trim();
  assert.equal(volumes, '', `volume ${volume} left behind`);
  assert.equal(existsSync(root), false, `${root} left behind`);
}

describe('npm run demo', () => {
  const runs: DemoRun[] = [];
  before(async () => {
    await assertDocker();
  });
  after(async () => {
    // A failed assertion must not leave a demo (and its container) running.
    for (const run of runs) {
      if (run.child.exitCode === null && run.child.signalCode === null) {
        run.child.kill('SIGTERM');
        await run.exited;
      }
    }
  });

  it('plays one round with --once-round: every scene is corrected, then everything is removed', { timeout: 90_000 }, async () => {
    const run = startDemo(['--once-round']);
    runs.push(run);
    const { code, signal } = await run.exited;
    const output = run.stdout();
    assert.equal(code, 0, `exit ${String(code)} (signal ${String(signal)}):\n${output}\n${run.stderr()}`);
    assert.match(output, /first convergence \d+ ms after start/);
    for (const scene of [1, 2, 3, 4]) assert.match(output, new RegExp(`scene ${scene}: corrected in \\d+ ms`), `scene ${scene}:\n${output}`);
    // Scene 2: apphub down, nothing written, and `reconcile status` says why.
    assert.match(output, /nothing was written and no command ran/);
    assert.match(output, /cockpit-socket\s+\(9000\)\s+9090\s+Unknown\s+DesiredStateUnavailable/);
    assert.match(output, /controller stopped \(exit code 0\)/);
    await assertCleanedUp(output);
  });

  it('SIGINT (Ctrl-C) in the middle of a round stops the controller and removes everything', { timeout: 60_000 }, async () => {
    const run = startDemo([]);
    runs.push(run);
    await run.printed(/Scene 2 ·/, 45_000);
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    const output = run.stdout();
    assert.equal(code, 0, `${output}\n${run.stderr()}`);
    assert.match(output, /Cleaning up \(SIGINT received\)/);
    assert.match(output, /controller stopped \(exit code 0\)/);
    await assertCleanedUp(output);
  });
});
