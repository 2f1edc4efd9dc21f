import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDaemon, type DaemonProcess } from '../../harness/daemon-process';
import { readStatusJson, readyOf, waitFor } from '../../harness/status';
import { assertDocker } from '../support/docker-required';

/**
 * A change whose check fails is put back; the put-back is a change the file watch reports. That
 * event must not start the same write, the same failing check and the same put-back again: the
 * same change waits for its retry (the backoff), while a different one is tried at once. Seen
 * before the fix: 79 passes in 12 s, each running the check.
 */
describe('a failed check is retried at the backoff’s pace, not the file watch’s', () => {
  let dir: string;
  let daemon: DaemonProcess | null = null;
  const checks = (): number => (existsSync(join(dir, 'checks.log')) ? readFileSync(join(dir, 'checks.log'), 'utf8').split('\n').filter(Boolean).length : 0);

  before(async () => {
    await assertDocker();
    dir = mkdtempSync(join(tmpdir(), 'reconciler-failed-check-'));
    writeFileSync(join(dir, 'site.liquid'), 'server_name bad.test;\n');
    // The check counts its runs and refuses any file that says "bad" (as nginx -t refuses a broken line).
    writeFileSync(join(dir, 'check.sh'), `#!/bin/sh\necho run >> ${dir}/checks.log\nif grep -q bad ${dir}/out/site.conf; then echo 'emerg: bad line' >&2; exit 1; fi\n`, { mode: 0o755 });
    writeFileSync(
      join(dir, 'config.yaml'),
      [
        'sources:',
        '  web: { kind: Containers, labels: [reconciler.failed-check.none] }',
        'resources:',
        '  - name: site',
        '    kind: Template',
        '    source: web',
        `    template: ${dir}/site.liquid`,
        `    path: ${dir}/out/site.conf`,
        '    afterChange:',
        '      systemctl: [reload, nginx]',
        `      check: { command: [${dir}/check.sh] }`,
        `commands: { systemctl: [/bin/echo, systemctl] }`,
        `status: { file: ${dir}/status.json, claimsDir: ${dir}/claims }`,
        "timing: { debounce: '50ms' }",
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    if (daemon && daemon.process.exitCode === null) await daemon.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('the same failing change: a few checks in 12 s (the retries), none of it left on disk; a new rendering is applied', async () => {
    daemon = startDaemon(['--config', join(dir, 'config.yaml')]);
    await waitFor('the first CheckFailed', async () => readyOf(await readStatusJson(join(dir, 'status.json')), 'site')?.reason === 'CheckFailed');
    const first = checks();
    await new Promise((r) => setTimeout(r, 12_000));
    const runs = checks() - first;
    // The backoff (1 s, 2 s, 4 s, 8 s, ...) allows about four tries in 12 s; the loop this guards
    // against ran the check at the debounce's pace (dozens). A slower machine only runs fewer.
    assert.ok(runs <= 8, `${runs} check runs in 12 s after the first failure`);
    assert.ok(!existsSync(join(dir, 'out/site.conf')), 'the refused change is not left in place');
    const status = readyOf(await readStatusJson(join(dir, 'status.json')), 'site');
    assert.equal(status?.reason, 'CheckFailed');
    assert.match(status?.message ?? '', /emerg: bad line/);
    // A different change (the template edited) is tried at once, not at the next retry.
    writeFileSync(join(dir, 'site.liquid'), 'server_name good.test;\n');
    await waitFor('the new rendering applied', async () => existsSync(join(dir, 'out/site.conf')) && readFileSync(join(dir, 'out/site.conf'), 'utf8') === 'server_name good.test;\n');
    await waitFor('in sync', async () => readyOf(await readStatusJson(join(dir, 'status.json')), 'site')?.status === 'True');
    assert.equal(await daemon.stop('SIGTERM'), 0, daemon.stderr().slice(-2000));
  });
});
