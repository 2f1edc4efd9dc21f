import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  RECONCILER_UNIT,
  VHOSTS_CONF,
  boxStatus,
  conditionOf,
  eventually,
  installProject,
  nginxReloads,
  prepareTemplateBox,
  runSite,
  servedFor,
  templateBoxConfig,
  unfilteredVhostsTemplate,
  writeVhostsTemplate,
} from '../../harness/box';
import { bootedBox } from '../support/booted-box';

/**
 * Containers → Template → the box's real nginx, under the shipped unit (deploy/install.sh) and the
 * drop-in the kind needs: sites in the box's own dockerd labelled `reconcile.vhost`, reached
 * through nginx by their Host header; nginx's own log counts its reloads. The same controller
 * keeps an `/etc/hosts` block, which in the box is Docker's single-file bind mount (found in
 * mountinfo: written in place). Waits are generous; the speed figures are bench/box-template.ts's.
 */

const WAIT_MS = 90_000;
const KEPT = '# a line of the operator, kept by reconcile \u00e9\n';
const vhost = (host: string): string[] => [`reconcile.vhost=${host}`, 'reconcile.hosts=yes'];

describe('Template and Containers in the real-host box (its dockerd, its nginx)', { timeout: 30 * 60_000 }, () => {
  let hostsBefore = '';
  const b = bootedBox(async (box) => {
    await prepareTemplateBox(box);
    await box.sh(`printf '%s' '${KEPT}' >> /etc/hosts`);
    hostsBefore = await box.run(['cat', '/etc/hosts']);
    await runSite(box, 'site-a', vhost('a.test'), 11);
    await runSite(box, 'site-b', vhost('b.test'), 12);
    await installProject(box, { config: templateBoxConfig('timing: { resyncInterval: 10s }') });
    await eventually('healthy', async () => (await boxStatus(box))?.healthy === true, WAIT_MS);
  });
  const serves = (host: string, name: string) => async (): Promise<boolean> => (await servedFor(b(), host)) === name;
  const vhostsReady = async (): Promise<{ status: string; reason: string; message: string } | undefined> => conditionOf(await boxStatus(b()), 'vhosts', 'Ready');
  const conf = (): Promise<string> => b().run(['cat', VHOSTS_CONF]);

  it('each Host reaches its container; a site added, one removed, one re-created at a new address are followed, each with a reload', async () => {
    await eventually('a.test → site-a', serves('a.test', 'site-a'), WAIT_MS);
    await eventually('b.test → site-b', serves('b.test', 'site-b'), WAIT_MS);
    let reloads = await nginxReloads(b());
    assert.ok(reloads >= 1, 'the first render reloaded nginx');
    const reloaded = async (): Promise<void> => {
      const now = await nginxReloads(b());
      assert.ok(now > reloads, `nginx reloaded (${reloads} → ${now})`);
      reloads = now;
    };

    await runSite(b(), 'site-c', vhost('c.test'), 13);
    await eventually('c.test → site-c', serves('c.test', 'site-c'), WAIT_MS);
    await reloaded();

    await b().run(['docker', 'rm', '-f', 'site-b']);
    await eventually('b.test gone from the file', async () => !(await conf()).includes('b.test'), WAIT_MS);
    assert.notEqual(await servedFor(b(), 'b.test'), 'site-b');
    await reloaded();

    await b().run(['docker', 'rm', '-f', 'site-a']);
    await runSite(b(), 'site-a', vhost('a.test'), 21);
    await eventually('site-a at its new address in the file', async () => (await conf()).includes('198.18.45.21:80'), WAIT_MS);
    await eventually('a.test → site-a (new address)', serves('a.test', 'site-a'), WAIT_MS);
    assert.doesNotMatch(await conf(), /198\.18\.45\.11:/);
    await reloaded();
    assert.equal((await vhostsReady())?.reason, 'InSync');
  });

  it('resyncs and 100 unrelated containers (start, die, destroy) cause passes and 0 reloads', async () => {
    const reloads = await nginxReloads(b());
    const bytes = await conf();
    const passes = (await boxStatus(b()))?.status.stats.passes ?? 0;
    // Created 8 at a time, then started and removed in one call each (the daemon's events, few CLI runs).
    const others = '$(seq -f other-%g 1 100)';
    await b().sh(`seq -f other-%g 1 100 | xargs -P 8 -I{} docker create --name {} reconciler-test/busybox:1 true >/dev/null; docker start ${others} >/dev/null; docker rm -f ${others} >/dev/null`, { timeoutMs: 600_000 });
    const since = Date.now();
    await eventually(
      'a resync pass after the containers',
      async () => {
        const report = await boxStatus(b());
        const last = report?.status.lastPass as { triggers?: string[]; finishedAt: string } | undefined;
        return last?.triggers?.includes('resync') === true && Date.parse(last.finishedAt) > since;
      },
      WAIT_MS,
    );
    const after = (await boxStatus(b()))?.status.stats.passes ?? 0;
    assert.ok(after >= passes + 2, `passes ran (${passes} → ${after})`);
    assert.equal(await nginxReloads(b()), reloads, 'no reload');
    assert.equal(await conf(), bytes);
  });

  it('a label that breaks `nginx -t` (x; }): its container is named and left out (no reload), the others keep serving, later changes still apply; once fixed it is served', async () => {
    const before = await conf();
    const reloads = await nginxReloads(b());
    await runSite(b(), 'site-bad', vhost('x; }'), 30);
    await eventually('CheckFailed naming site-bad', async () => {
      const ready = await vhostsReady();
      return ready?.reason === 'CheckFailed' && ready.message.includes('site-bad') && /nginx -t/.test(ready.message);
    }, WAIT_MS);
    assert.equal(await conf(), before, 'the file is the one without site-bad');
    assert.equal(await nginxReloads(b()), reloads, 'the file ends as it was: no reload');
    assert.equal(await servedFor(b(), 'a.test'), 'site-a');
    assert.equal(await servedFor(b(), 'c.test'), 'site-c');
    const nginxOk = await b().exec(['nginx', '-t']);
    assert.equal(nginxOk.code, 0, nginxOk.stderr);

    await runSite(b(), 'site-d', vhost('d.test'), 14);
    await eventually('d.test → site-d while site-bad is there', serves('d.test', 'site-d'), WAIT_MS);
    assert.match((await vhostsReady())?.message ?? '', /site-bad/);

    await b().run(['docker', 'rm', '-f', 'site-bad']);
    await runSite(b(), 'site-bad', vhost('bad.test'), 31);
    await eventually('bad.test → site-bad once its label is fixed', serves('bad.test', 'site-bad'), WAIT_MS);
    await eventually('InSync', async () => (await vhostsReady())?.reason === 'InSync', WAIT_MS);
  });

  it('a template syntax error leaves the live file untouched and is reported; editing the template (watched) fixes it', async () => {
    const before = await conf();
    const reloads = await nginxReloads(b());
    await writeVhostsTemplate(b(), '{% for c in containers %}\nupstream {{ c.name \n');
    await eventually('CannotConverge naming the template', async () => {
      const ready = await vhostsReady();
      return ready?.reason === 'CannotConverge' && ready.message.includes('vhosts.conf.liquid') && /line:2/.test(ready.message);
    }, WAIT_MS);
    assert.equal(await conf(), before);
    assert.equal(await nginxReloads(b()), reloads);
    assert.equal(await servedFor(b(), 'a.test'), 'site-a');
    assert.equal((await b().unitProperties(RECONCILER_UNIT, ['ActiveState'])).ActiveState, 'active', 'the controller still runs');

    const cursor = await b().journalCursor();
    await writeVhostsTemplate(b(), `${unfilteredVhostsTemplate()}# template v2\n`);
    await eventually('the fixed template rendered', async () => (await conf()).includes('# template v2'), WAIT_MS);
    await eventually('InSync', async () => (await vhostsReady())?.reason === 'InSync', WAIT_MS);
    // The pass that applied it was started by the template file's change, not by a resync.
    const applied = (await b().journal(RECONCILER_UNIT, cursor)).map((l) => JSON.parse(l) as { resource?: string; reason?: string; triggers?: string[] });
    assert.ok(applied.some((l) => l.resource === 'vhosts' && l.reason === 'Applied' && l.triggers?.includes('file') === true), JSON.stringify(applied));
    assert.equal(await servedFor(b(), 'd.test'), 'site-d');
  });

  it('/etc/hosts block: the names resolve in the box (getent), every byte outside the block is kept', async () => {
    const resolved = async (name: string, ip: string): Promise<boolean> => (await b().exec(['getent', 'hosts', name])).stdout.startsWith(`${ip} `);
    await eventually('site-a → .21 (its new address)', () => resolved('site-a', '198.18.45.21'), WAIT_MS);
    await eventually('site-d → .14', () => resolved('site-d', '198.18.45.14'), WAIT_MS);
    assert.equal((await b().exec(['getent', 'hosts', 'site-b'])).code, 2, 'site-b (removed) no longer resolves');
    const hosts = await b().run(['cat', '/etc/hosts']);
    const outside = hosts.replace(/# BEGIN reconcile containers\n[\s\S]*?# END reconcile containers\n/, '');
    assert.equal(outside, hostsBefore);
    const ready = conditionOf(await boxStatus(b()), 'etc-hosts', 'Ready');
    assert.match(ready?.message ?? '', /written in place/, 'Docker bind-mounts /etc/hosts: found in mountinfo');
  });

  it('single-file bind mount: a container mounting the rendered file sees the new content', async () => {
    await b().run(['docker', 'run', '-d', '--name', 'reader', '-v', '/etc/hosts:/mnt/hosts:ro', 'reconciler-test/busybox:1', 'sleep', '600']);
    await runSite(b(), 'site-e', vhost('e.test'), 15);
    await eventually('the reader sees site-e', async () => (await b().exec(['docker', 'exec', 'reader', 'cat', '/mnt/hosts'])).stdout.includes('198.18.45.15 site-e'), WAIT_MS);
    await b().run(['docker', 'rm', '-f', 'site-e']);
    await eventually('the reader sees site-e gone', async () => !(await b().exec(['docker', 'exec', 'reader', 'cat', '/mnt/hosts'])).stdout.includes('site-e'), WAIT_MS);
  });
});
