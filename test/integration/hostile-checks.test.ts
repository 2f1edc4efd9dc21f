import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ensureBusyboxImage } from '../../harness/busybox-image';
import { TEST_LABEL_PAIR, docker } from '../../harness/docker-cli';
import { startDaemon } from '../../harness/daemon-process';
import { printFigure, sampledRun, type SampledRun } from '../../harness/sampled-run';
import { readStatusJson, readyOf, waitFor } from '../../harness/status';
import { createEmulatedHost, HOST_LABEL, type EmulatedHost, type YamlMapping } from '../../harness/websoft9-host';
import { assertDocker } from '../support/docker-required';
import { tree } from '../support/file-tree';

/**
 * Issue 15, classes 1 and 2, with a real container doing the attacking:
 * 1. the afterChange check runs in the proxy container (`docker exec`) and, while it runs, swaps
 *    the directories of its volume for links to host directories (stand-ins for /etc and Cockpit's
 *    certificates), then fails (or passes) the check: the put-back must not follow the links;
 * 2. a tampered `<status>.pending.json` names host paths, with bytes, as undo images of a
 *    resource whose check the container fails: the put-back must use none of them.
 * The host directories are compared byte for byte with their snapshot after every run.
 */

const DATA = '/data';
/** The check: whatever the container put in /tmp/check.sh (nothing: it passes). */
const CHECK = ['sh', '-c', 'if [ -f /tmp/check.sh ]; then . /tmp/check.sh; fi'];

describe('classes 1 and 2: a container that answers the check cannot make the put-back reach the host', () => {
  let host: EmulatedHost;
  let proxy: string;
  let volume: string;
  let mountpoint: string;
  /** Stand-ins for /etc (a file named like the volume's) and /etc/cockpit/ws-certs.d (a certificate named like the mirrored one). */
  let hostEtc: string;
  let hostCerts: string;
  let snapshot: Record<string, string>;
  let port = 9200;
  const inProxy = async (script: string): Promise<string> => (await docker(['exec', proxy, 'sh', '-c', script], { timeoutMs: 60_000 })).stdout;
  const reasonOf = async (name: string): Promise<{ reason: string; message: string; status: string } | undefined> => readyOf(await readStatusJson(host.statusPath), name);
  const once = (): Promise<SampledRun> => sampledRun(['--once', '--config', host.configPath], 120_000);
  const hostFiles = async (): Promise<void> => {
    await writeFile(join(hostEtc, 'custom_var.conf'), 'HOST /etc FILE: must keep these bytes\n');
    await writeFile(join(hostEtc, 'shadow'), 'root:HOST-SECRET:19000::::::\n');
    await writeFile(join(hostCerts, 'cockpit.cert'), 'HOST CERTIFICATE: must never be deleted\n');
  };
  const assertHostUntouched = async (context: string): Promise<void> => {
    assert.deepEqual({ ...(await tree(hostEtc)), ...(await tree(hostCerts)) }, snapshot, `a host file was written, added or removed (${context})`);
  };

  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000 });
    volume = `${host.volumeName}-proxy`;
    const labels = ['--label', TEST_LABEL_PAIR, '--label', `${HOST_LABEL}=${host.id}`];
    await docker(['volume', 'create', ...labels, volume]);
    mountpoint = (await docker(['volume', 'inspect', '--format', '{{.Mountpoint}}', volume])).stdout.trim();
    proxy = `${host.containerName}-proxy`;
    await docker(['run', '-d', '--name', proxy, ...labels, '-v', `${volume}:${DATA}`, await ensureBusyboxImage()]);
    hostEtc = join(host.root, 'host-etc');
    hostCerts = join(host.root, 'host-certs');
    await mkdir(hostEtc);
    await mkdir(hostCerts);
    await hostFiles();
    snapshot = { ...(await tree(hostEtc)), ...(await tree(hostCerts)) };
    const certs = join(host.root, 'certs');
    await mkdir(certs);
    await writeFile(join(certs, 'cockpit.cert'), 'MIRRORED CERT\n');
    const afterChange = { exec: { container: proxy, command: ['sh', '-c', 'echo reload >> /tmp/reloads'] }, check: { exec: { container: proxy, command: CHECK } } };
    await host.writeConfig({
      timing: { resyncInterval: '1h', debounce: '50ms' },
      resources: [
        ...(host.baseConfig().resources as YamlMapping[]).slice(0, 1),
        { name: 'proxy-port', kind: 'FileLine', source: 'apphub', volume, file: 'conf/custom_var.conf', match: '^set \\$cockpit_port ', template: 'set $cockpit_port {value};', afterChange },
        { name: 'proxy-certs', kind: 'DirectoryMirror', from: { path: certs }, to: { volume, subPath: 'ssl' }, include: ['*.cert'], afterChange },
      ],
    });
  });
  beforeEach(async () => {
    // Each test starts from the same host files (so that a failure of one does not fail the next).
    await hostFiles();
    // The volume as the proxy had it: real directories, the certificate not mirrored yet, no check script.
    await inProxy(`rm -f /tmp/check.sh; cd ${DATA} && for d in conf ssl; do if [ -L $d ]; then rm $d; fi; if [ -d $d.real ]; then rm -rf $d && mv $d.real $d; fi; mkdir -p $d; done; rm -f ssl/cockpit.cert; printf 'set $cockpit_port 9090;\\n' > conf/custom_var.conf`);
    await rm(`${host.statusPath}.pending.json`, { force: true });
    // A new port each time: every run has a file to change (and one to create) before the check.
    await host.setPort(++port);
  });
  after(async () => {
    if (proxy) await docker(['rm', '-f', proxy]).catch(() => undefined);
    if (volume) await docker(['volume', 'rm', '-f', volume]).catch(() => undefined);
    await host?.cleanup();
  });

  /** The check script: swap conf/ and ssl/ for links to the host directories, then exit `code`. */
  const swapDuringCheck = (code: number): Promise<string> =>
    inProxy(`printf '%s\\n' 'cd ${DATA} && mv conf conf.real && ln -s ${hostEtc} conf && mv ssl ssl.real && ln -s ${hostCerts} ssl' 'echo "nginx: [emerg] attacked" >&2' 'exit ${code}' > /tmp/check.sh`);

  it('class 1: the check swaps both directories for links to host directories and fails: the put-back is refused (UnsafePath), the host untouched', async () => {
    await swapDuringCheck(1);
    const run = await once();
    assert.equal(run.code, 1, run.stdout + run.stderr);
    await assertHostUntouched('check failed after the swap');
    for (const name of ['proxy-port', 'proxy-certs']) {
      const ready = await reasonOf(name);
      assert.equal(ready?.reason, 'UnsafePath', `${name}: ${ready?.message}`);
      assert.match(ready?.message ?? '', /could not put back .*(custom_var\.conf|cockpit\.cert): .*symlink/, name);
    }
    assert.equal((await reasonOf('cockpit-socket'))?.status, 'True', 'the other resources are served');
    assert.equal(await inProxy('cat /tmp/reloads 2>/dev/null || true'), '', 'nothing reloaded after a failed check');
    // The bytes written before the swap stayed in the volume's real directory, which the container moved.
    assert.match(await inProxy(`cat ${DATA}/conf.real/custom_var.conf`), new RegExp(`set \\$cockpit_port ${port};`));
    printFigure(1, 'check swaps links and fails', run);
  });

  it('class 1: the same swap with a passing check: the reload runs, nothing lands on the host, not in sync, the next pass refuses the link (UnsafePath)', async () => {
    await swapDuringCheck(0);
    const first = await once();
    // The check passed, so the reload ran; the verification after it sees the links: not in sync.
    assert.equal(first.code, 1, first.stdout + first.stderr);
    await assertHostUntouched('check passed after the swap');
    assert.match(await inProxy('cat /tmp/reloads'), /reload/);
    for (const name of ['proxy-port', 'proxy-certs']) assert.notEqual((await readStatusJson(host.statusPath))?.resources.find((r) => r.name === name)?.inSync, true, name);
    // The links stay: the next pass must refuse to write or read through them.
    await inProxy('rm -f /tmp/check.sh');
    await host.setPort(++port);
    const second = await once();
    assert.equal(second.code, 1, second.stdout + second.stderr);
    await assertHostUntouched('next pass through the links');
    for (const name of ['proxy-port', 'proxy-certs']) {
      const ready = await reasonOf(name);
      assert.ok(['UnsafePath', 'TargetAbsent'].includes(ready?.reason ?? ''), `${name}: ${ready?.reason} ${ready?.message}`);
      assert.match(ready?.message ?? '', /(conf|ssl) is a symlink/, name);
    }
    printFigure(1, 'check swaps links and passes', first);
  });

  /** A record naming, for proxy-port, host paths outside its plan: bytes to write, a file to delete, a root of its own. */
  const tamperedRecord = (): string =>
    JSON.stringify({
      version: 1,
      resources: {
        'proxy-port': {
          since: new Date().toISOString(),
          commands: [],
          undo: [
            { path: join(hostEtc, 'shadow'), root: null, before: Buffer.from('root::0::::::\n').toString('base64') },
            { path: join(hostCerts, 'cockpit.cert'), root: null, before: null },
            { path: join(hostEtc, 'custom_var.conf'), root: '/', before: Buffer.from('ATTACKER\n').toString('base64') },
            { path: `${mountpoint}/../../../${hostEtc.slice(1)}/shadow`, root: mountpoint, before: Buffer.from('ESCAPE\n').toString('base64') },
          ],
        },
      },
    });

  it('class 2: a tampered pending record naming host paths, with a failing check: no image used, reported as a damaged record', async () => {
    await writeFile(`${host.statusPath}.pending.json`, tamperedRecord(), { mode: 0o600 });
    await inProxy(`printf 'echo "nginx: [emerg] bad" >&2; exit 1\\n' > /tmp/check.sh`);
    const run = await once();
    assert.equal(run.code, 1, run.stdout + run.stderr);
    await assertHostUntouched('tampered record, --once');
    const ready = await reasonOf('proxy-port');
    assert.equal(ready?.reason, 'CheckFailed', ready?.message);
    assert.match(ready?.message ?? '', /damaged record: an undo image names .*shadow.*not acted on/);
    assert.match(ready?.message ?? '', /damaged record: an undo image names .*cockpit\.cert.*not acted on/);
    // The resource's own file got its own previous bytes back.
    assert.equal(await inProxy(`cat ${DATA}/conf/custom_var.conf`), 'set $cockpit_port 9090;\n');
    printFigure(2, 'tampered record, failing check', run);
  });

  it('class 2: the same record with a passing check: reported on the resource (PendingRecord DamagedRecord), none of it used', async () => {
    await writeFile(`${host.statusPath}.pending.json`, tamperedRecord(), { mode: 0o600 });
    const run = await once();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    await assertHostUntouched('tampered record, passing check');
    const resource = (await readStatusJson(host.statusPath))?.resources.find((r) => r.name === 'proxy-port');
    const condition = resource?.conditions.find((c) => c.type === 'PendingRecord');
    assert.equal(condition?.reason, 'DamagedRecord', JSON.stringify(resource?.conditions));
    assert.match(condition?.message ?? '', /undo images of proxy-port name .*shadow.*cockpit\.cert.*not acted on/);
    printFigure(2, 'tampered record, passing check', run);
  });

  it('class 2: a record naming an unconfigured resource with host images: the daemon reports DamagedRecord and acts on none of it', async () => {
    const record = JSON.parse(tamperedRecord()) as { resources: Record<string, unknown> };
    record.resources = { ...record.resources, 'not-configured': record.resources['proxy-port'] };
    await writeFile(`${host.statusPath}.pending.json`, JSON.stringify(record), { mode: 0o600 });
    await inProxy(`printf 'exit 1\\n' > /tmp/check.sh`);
    const daemon = startDaemon(['--config', host.configPath]);
    try {
      const status = await waitFor('a daemon pass reporting the record', async () => {
        const s = await readStatusJson(host.statusPath);
        return s?.controller.mode === 'daemon' && s.resources.some((r) => r.conditions.some((c) => c.type === 'PendingRecord')) ? s : undefined;
      });
      assert.ok(status);
      const condition = status.resources.find((r) => r.name === 'proxy-port')?.conditions.find((c) => c.type === 'PendingRecord');
      assert.equal(condition?.reason, 'DamagedRecord', JSON.stringify(condition));
      assert.match(condition?.message ?? '', /names resources that are not configured: not-configured; not acted on/);
      await assertHostUntouched('tampered record, daemon');
      // A second pass (a new port): still nothing on the host.
      const passes = status.stats.passes;
      await host.setPort(++port);
      await waitFor('another pass', async () => ((await readStatusJson(host.statusPath))?.stats.passes ?? 0) > passes);
      await assertHostUntouched('tampered record, daemon, second pass');
    } finally {
      assert.equal(await daemon.stop(), 0, daemon.stderr().slice(-3000));
    }
  });
});
