import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { docker } from '../../harness/docker-cli';
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

/** The demo's own label: not the tests' `reconciler.test=true`, which CI's clean-up removes. */
const DEMO_LABEL = 'reconciler.demo=true';

/** Containers and volumes of this demo run (its label and its host id), e.g. the proxy and Gitea stand-ins. */
async function demoObjects(container: string): Promise<string[]> {
  const id = /-apphub-([0-9a-f]+)$/.exec(container)?.[1];
  assert.ok(id, `no host id in ${container}`);
  const filters = ['--filter', `label=${DEMO_LABEL}`, '--filter', `label=reconciler.test.host=${id}`];
  const lines = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');
  return [...lines((await docker(['ps', '-aq', ...filters])).stdout), ...lines((await docker(['volume', 'ls', '-q', ...filters])).stdout)];
}

async function assertCleanedUp(output: string): Promise<void> {
  const { container, volume, root } = createdBy(output);
  const containers = (await docker(['ps', '-aq', '--filter', `name=^/${container}$`])).stdout.trim();
  assert.equal(containers, '', `container ${container} left behind`);
  const volumes = (await docker(['volume', 'ls', '-q', '--filter', `name=^${volume}$`])).stdout.trim();
  assert.equal(volumes, '', `volume ${volume} left behind`);
  assert.deepEqual(await demoObjects(container), [], 'objects labelled for this demo run left behind');
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

  it('plays one round with --once-round: every scene is corrected, then everything is removed', { timeout: 300_000 }, async () => {
    const run = startDemo(['--once-round']);
    runs.push(run);
    const { code, signal } = await run.exited;
    const output = run.stdout();
    assert.equal(code, 0, `exit ${String(code)} (signal ${String(signal)}):\n${output}\n${run.stderr()}`);
    assert.match(output, /first convergence \d+ ms after start/);
    for (const scene of [1, 2, 3, 4, 5, 6]) assert.match(output, new RegExp(`scene ${scene}: corrected in \\d+ ms`), `scene ${scene}:\n${output}`);
    // Every resource of the profile (config/default.yaml), read from the profile itself, is in sync in the demo's status.
    const profile = parse(readFileSync(join(REPO_ROOT, 'config', 'default.yaml'), 'utf8')) as { resources: { name: string }[] };
    const names = profile.resources.map((r) => r.name);
    assert.ok(names.length >= 10, `the profile's resources: ${names.join(', ')}`);
    const last = output.lastIndexOf('status: in sync');
    assert.ok(last >= 0, `no status in sync:\n${output}`);
    const lastStatus = output.slice(last);
    // Applied: in sync after the pass's own change (Ready True), e.g. Gitea's credential in scene 6.
    for (const name of names) assert.match(lastStatus, new RegExp(`^\\s+${name} \\S+.* (InSync|Applied)$`, 'm'), `${name} in sync:\n${output}`);
    assert.doesNotMatch(output, /demo-password/, 'a password was printed');
    // Scene 2: apphub down, nothing written, and `reconcile status` says why.
    assert.match(output, /nothing was written and no command ran/);
    assert.match(output, /cockpit-socket\s+\(9000\)\s+9090\s+Unknown\s+DesiredStateUnavailable/);
    assert.match(output, /controller stopped \(exit code 0\)/);
    await assertCleanedUp(output);
  });

  it('SIGINT (Ctrl-C) in the middle of a round stops the controller and removes everything', { timeout: 300_000 }, async () => {
    const run = startDemo([]);
    runs.push(run);
    await run.printed(/Scene 2 ·/, 240_000);
    // While it runs, its containers carry the demo's label, not the tests' (CI's clean-up must not take them).
    const { container } = createdBy(run.stdout());
    const labels = JSON.parse((await docker(['container', 'inspect', '--format', '{{json .Config.Labels}}', container])).stdout) as Record<string, string>;
    assert.equal(labels['reconciler.demo'], 'true');
    assert.notEqual(labels['reconciler.test'], 'true', 'the image\'s reconciler.test=true must be overridden');
    assert.ok((await demoObjects(container)).length >= 6, 'apphub, proxy, git and deployment stand-ins and their volumes');
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    const output = run.stdout();
    assert.equal(code, 0, `${output}\n${run.stderr()}`);
    assert.match(output, /Cleaning up \(SIGINT received\)/);
    assert.match(output, /controller stopped \(exit code 0\)/);
    await assertCleanedUp(output);
  });
});
