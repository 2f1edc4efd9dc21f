import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startDaemon } from '../../harness/daemon-process';
import { runCli } from '../../harness/run-cli';
import { readStatusJson, waitFor } from '../../harness/status';
import { createEmulatedHost, HostObjects, type EmulatedHost } from '../../harness/websoft9-host';
import { assertDocker } from '../support/docker-required';
import { freePort } from '../support/free-port';

/**
 * Issue 19: stderr of the controller and of `--once` is the log stream and nothing else, even
 * when Node itself warns; and a long run leaks no file descriptor.
 */

/** The lines of a stderr that are not one JSON log object each (pino: level, time, msg). */
function notLogLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => {
    if (line === '') return false;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      return !(typeof entry.level === 'number' && typeof entry.time === 'string' && typeof entry.msg === 'string');
    } catch {
      return true;
    }
  });
}

const processWarnings = (stderr: string): string[] => stderr.split('\n').filter((line) => line.includes('"msg":"process warning'));

/**
 * A natural Node warning: with NODE_TLS_REJECT_UNAUTHORIZED=0 (how people try a webhook behind a
 * self-signed certificate), Node warns once when the first TLS connection is made; here the
 * journal's webhook to an https address nobody listens on, after the first pass's corrections.
 */
const INSECURE_TLS = { NODE_TLS_REJECT_UNAUTHORIZED: '0' };

describe('Node\'s own warnings go through the log, never as plain text on stderr', () => {
  let host: EmulatedHost;

  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000, vendorPort: 9090 });
    await host.writeConfig({ journal: { webhook: `https://127.0.0.1:${await freePort()}/hook` } });
  });
  after(async () => host?.cleanup());

  it('--once: every stderr line is a JSON log line; the TLS warning is one of them', async () => {
    const run = await runCli(['--once', '--config', host.configPath], { env: INSECURE_TLS });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(notLogLines(run.stderr), [], 'plain text on stderr');
    assert.doesNotMatch(run.stderr, /^\(node:\d+\) /m);
    const warnings = processWarnings(run.stderr);
    assert.equal(warnings.length, 1, run.stderr);
    assert.match(warnings[0] ?? '', /NODE_TLS_REJECT_UNAUTHORIZED/);
    assert.match(run.stderr, /journal webhook: entry not delivered/, 'the webhook was tried (and refused)');
  });

  it('the daemon: the same, for a correction while it runs', async () => {
    await host.setPort(9001);
    const daemon = startDaemon(['--config', host.configPath], INSECURE_TLS);
    try {
      // The TLS connection (and with it the warning) comes before the webhook gives up.
      await waitFor('the webhook given up', () => /journal webhook: entry not delivered/.test(daemon.stderr()));
    } finally {
      assert.equal(await daemon.stop(), 0, daemon.stderr());
    }
    assert.deepEqual(notLogLines(daemon.stderr()), [], 'plain text on stderr');
    assert.doesNotMatch(daemon.stderr(), /^\(node:\d+\) /m);
    assert.match(processWarnings(daemon.stderr())[0] ?? '', /NODE_TLS_REJECT_UNAUTHORIZED/);
  });
});

describe('a FileLine on a missing path in a volume, resync 1 s: descriptors stay where they were', () => {
  let host: EmulatedHost;
  let stack: HostObjects;

  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000 });
    stack = new HostObjects(host);
    const volume = await stack.volume('nginx-var');
    await host.writeConfig({
      timing: { resyncInterval: '1s' },
      resources: [{ name: 'missing-sub', kind: 'FileLine', source: 'apphub', volume: volume.name, file: 'missing/sub/x.conf', match: '^x', template: 'x {value}' }],
    });
  });
  after(async () => {
    await stack?.cleanup();
    await host?.cleanup();
  });

  it('over 20 passes the daemon opens no descriptor it does not close, and Node never warns of one closed by the GC', async (t) => {
    const daemon = startDaemon(['--config', host.configPath]);
    const passes = async (): Promise<number> => (await readStatusJson(host.statusPath))?.stats.passes ?? 0;
    const fds = async (): Promise<number> => (await readdir(`/proc/${daemon.process.pid}/fd`)).length;
    try {
      // Warmed up: modules loaded, watches and the Docker connection made.
      await waitFor('3 passes', async () => (await passes()) >= 3);
      const [before, passesBefore] = [await fds(), await passes()];
      await waitFor('20 more passes', async () => (await passes()) >= passesBefore + 20, 120_000);
      const grown = (await fds()) - before;
      t.diagnostic(`descriptors: ${before} before 20 passes, ${before + grown} after`);
      // Each pass leaked at least one directory before the fix (unless the GC closed it, with a warning).
      assert.ok(grown <= 3, `descriptors ${before} → ${before + grown} over 20 passes`);
      const status = await readStatusJson(host.statusPath);
      assert.equal(status?.resources[0]?.conditions.find((c) => c.type === 'Ready')?.reason, 'TargetAbsent');
    } finally {
      assert.equal(await daemon.stop(), 0, daemon.stderr());
    }
    assert.deepEqual(processWarnings(daemon.stderr()), [], 'a process warning (a descriptor closed on garbage collection?)');
    assert.doesNotMatch(daemon.stderr(), /Closing file descriptor|DEP0137/);
    assert.deepEqual(notLogLines(daemon.stderr()), []);
  });
});
