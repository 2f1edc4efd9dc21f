import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureBusyboxImage } from '../../harness/busybox-image';
import { docker, TEST_LABEL_PAIR } from '../../harness/docker-cli';
import { runCli } from '../../harness/run-cli';
import { removeLabelled } from '../support/cleanup';
import { assertDocker } from '../support/docker-required';

// The built program against the real dockerd: a Containers source selecting this run's
// containers by label, a Template rendering an /etc/hosts-style block into a temp file, with a
// check and a reload that record their runs; a container bind-mounting the file sees the result.
const RUN = randomBytes(4).toString('hex');
const LABEL = `reconciler.test.template=${RUN}`;
const dir = mkdtempSync(join(tmpdir(), 'reconcile-template-'));
const hosts = join(dir, 'hosts');
const template = join(dir, 'hosts.liquid');
const reloads = join(dir, 'reloads');
const status = join(dir, 'status.json');

function config(inPlace: boolean): string {
  const path = join(dir, 'config.yaml');
  writeFileSync(path, [
    `status: { file: ${status} }`,
    'sources:',
    '  web:',
    '    kind: Containers',
    `    labels: ["${LABEL}", reconcile.vhost]`,
    'resources:',
    '  - name: hosts',
    '    kind: Template',
    '    source: web',
    `    template: ${template}`,
    `    path: ${hosts}`,
    `    inPlace: ${inPlace}`,
    '    block: { begin: "# BEGIN reconcile", end: "# END reconcile" }',
    '    afterChange:',
    '      systemctl: [reload]',
    `      check: { command: [sh, -c, "grep -q x-bad ${hosts} && exit 1; exit 0"] }`,
    // The reload records its runs: only changed bytes may reload.
    `commands: { systemctl: [sh, -c, 'echo reload >> ${reloads}', reload] }`,
    '',
  ].join('\n'));
  return path;
}

async function start(name: string, vhost: string): Promise<void> {
  await docker(['run', '-d', '--name', `${name}-${RUN}`, '--label', TEST_LABEL_PAIR, '--label', LABEL, '--label', `reconcile.vhost=${vhost}`, 'reconciler-test/busybox:1', 'sleep', '600']);
}

const reloadCount = (): number => (readFileSync(reloads, { encoding: 'utf8', flag: 'a+' }).match(/reload/g) ?? []).length;
const block = (): string => /# BEGIN reconcile\n([\s\S]*?)# END reconcile/.exec(readFileSync(hosts, 'utf8'))?.[1] ?? '<none>';

describe('Template over real containers (dockerd)', () => {
  before(async () => {
    await assertDocker();
    await ensureBusyboxImage();
    writeFileSync(template, '{% for c in containers %}{{ c.ip | address }} {{ c.labels["reconcile.vhost"] }}\n{% endfor %}');
    writeFileSync(hosts, '127.0.0.1 localhost\n# kept \xff\n', 'latin1');
    await start('tpl-a', 'a.test');
    await start('tpl-b', 'b.test');
  });
  after(async () => {
    await removeLabelled({ labels: { 'reconciler.test.template': RUN } });
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders the labelled containers into the block, reloads once, keeps the other bytes; a second pass reloads nothing', async () => {
    const once = await runCli(['--once', '--config', config(false)], { timeoutMs: 60_000 });
    assert.equal(once.code, 0, once.stderr + once.stdout);
    const lines = block().trim().split('\n');
    assert.deepEqual(lines.map((l) => l.split(' ')[1]), ['a.test', 'b.test']);
    for (const l of lines) assert.match(l, /^\d+\.\d+\.\d+\.\d+ /);
    assert.ok(readFileSync(hosts, 'latin1').startsWith('127.0.0.1 localhost\n# kept \xff\n'));
    assert.equal(reloadCount(), 1);
    const again = await runCli(['--once', '--config', config(false)], { timeoutMs: 60_000 });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(reloadCount(), 1);
  });

  it('a container whose label breaks the check is left out and named; the rest is applied', async () => {
    await start('tpl-bad', 'x-bad');
    await start('tpl-c', 'c.test');
    const once = await runCli(['--once', '--json', '--config', config(false)], { timeoutMs: 60_000 });
    assert.equal(once.code, 1);
    assert.match(once.stdout, /CheckFailed/);
    assert.match(once.stdout, new RegExp(`tpl-bad-${RUN}`));
    assert.match(block(), /c\.test/);
    assert.doesNotMatch(block(), /x-bad/);
    assert.equal(reloadCount(), 2);
  });

  it('in place: a container bind-mounting the file sees the new content (same inode)', async () => {
    const inode = statSync(hosts).ino;
    await docker(['run', '-d', '--name', `tpl-reader-${RUN}`, '--label', TEST_LABEL_PAIR, '--label', 'reconciler.test.template=' + RUN, '-v', `${hosts}:/etc/seen:ro`, 'reconciler-test/busybox:1', 'sleep', '600']);
    await docker(['rm', '-f', `tpl-a-${RUN}`]);
    const once = await runCli(['--once', '--config', config(true)], { timeoutMs: 60_000 });
    assert.ok(once.code === 0 || once.code === 1, once.stderr);
    assert.equal(statSync(hosts).ino, inode);
    const seen = (await docker(['exec', `tpl-reader-${RUN}`, 'cat', '/etc/seen'])).stdout;
    assert.doesNotMatch(seen, /a\.test/);
    assert.match(seen, /b\.test/);
  });
});
