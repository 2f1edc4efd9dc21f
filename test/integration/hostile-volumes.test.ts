import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureBusyboxImage } from '../../harness/busybox-image';
import { startDaemon } from '../../harness/daemon-process';
import { TEST_LABEL_PAIR, docker } from '../../harness/docker-cli';
import { assertDocker } from '../support/docker-required';
import { APPHUB_CONFIG_DIR, createEmulatedHost, HOST_LABEL, type EmulatedHost, type YamlMapping } from '../../harness/websoft9-host';
import { runCli, type CliRun } from '../../harness/run-cli';
import { readStatusJson, readyOf, waitFor } from '../../harness/status';
import { tree } from '../support/file-tree';

/**
 * Issue 12, as an attacker inside a container would try it: links, FIFOs and devices planted in
 * the container's own volumes (busybox `ln -s`, `mkfifo`, `mknod` through `docker exec`).
 */

const VAR_DIR = '/data/nginx/custom';
const DATA_DIR = '/data/nginx/data';

/**
 * `--once`, which must answer without waiting on what the container planted: a read that blocked
 * would hold the pass until `passTimeout` abandons it (or runCli's SIGKILL after a minute).
 */
async function onceUnblocked(host: EmulatedHost): Promise<CliRun> {
  const run = await runCli(['--once', '--config', host.configPath], { timeoutMs: 60_000 });
  assert.equal(run.signal, null, `--once ended by ${run.signal}`);
  assert.doesNotMatch(run.stdout + run.stderr, /pass abandoned/);
  return run;
}

describe('a container cannot turn the controller against its host', () => {
  let host: EmulatedHost;
  let proxy: string;
  let hostDir: string;
  let hostSnapshot: Record<string, string>;
  const volumes: string[] = [];
  const labels = (): string[] => ['--label', TEST_LABEL_PAIR, '--label', `${HOST_LABEL}=${host.id}`];
  const inProxy = (script: string): Promise<unknown> => docker(['exec', proxy, 'sh', '-c', script]);
  const inApphub = (script: string): Promise<unknown> => docker(['exec', host.containerName, 'sh', '-c', script]);
  const reasonOf = async (name: string): Promise<{ reason: string; message: string; status: string } | undefined> => readyOf(await readStatusJson(host.statusPath), name);

  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000 });
    for (const suffix of ['nginx-var', 'nginx-data']) {
      const name = `${host.volumeName}-${suffix}`;
      await docker(['volume', 'create', ...labels(), name]);
      volumes.push(name);
    }
    proxy = `${host.containerName}-proxy`;
    await docker(['run', '-d', '--name', proxy, ...labels(), '-v', `${volumes[0]}:${VAR_DIR}`, '-v', `${volumes[1]}:${DATA_DIR}`, await ensureBusyboxImage()]);
    // What the attacker aims at: host files and a host directory outside every volume.
    hostDir = join(host.root, 'host');
    await mkdir(join(hostDir, 'certs'), { recursive: true });
    await writeFile(join(hostDir, 'victim.conf'), 'HOST FILE: must stay as it is\n');
    await writeFile(join(hostDir, 'certs', 'keep.cert'), 'HOST CERT: must never be deleted\n');
    hostSnapshot = await tree(hostDir);
    const certs = join(host.root, 'etc', 'cockpit', 'ws-certs.d');
    await mkdir(certs, { recursive: true });
    await writeFile(join(certs, '0-self-signed.cert'), 'CERT\n');
    await inProxy(`printf 'set $cockpit_port 9090;\\n' > ${VAR_DIR}/custom_var.conf && mkdir -p ${DATA_DIR}/custom_ssl`);
    const base = host.baseConfig();
    await host.writeConfig({
      timing: { resyncInterval: '2s', debounce: '50ms' },
      resources: [
        ...(base.resources as YamlMapping[]).slice(0, 1),
        { name: 'proxy-cockpit-port', kind: 'FileLine', source: 'apphub', volume: volumes[0] as string, file: 'custom_var.conf', match: '^\\s*set\\s+\\$cockpit_port\\s', template: 'set $cockpit_port {value};' },
        { name: 'cockpit-certs', kind: 'DirectoryMirror', from: { path: certs }, to: { volume: volumes[1] as string, subPath: 'custom_ssl' }, include: ['*.cert'], prune: true },
      ],
    });
    const first = await onceUnblocked(host);
    assert.equal(first.code, 0, first.stdout + first.stderr);
  });

  after(async () => {
    if (proxy) await docker(['rm', '-f', proxy]).catch(() => undefined);
    for (const name of volumes) await docker(['volume', 'rm', '-f', name]).catch(() => undefined);
    await host?.cleanup();
  });

  const assertHostUntouched = async (): Promise<void> => assert.deepEqual(await tree(hostDir), hostSnapshot, 'the host directory outside the volumes changed');

  it('custom_var.conf made a symlink to a host file: UnsafePath naming the link, the host file byte-identical, other resources served', async () => {
    await host.setPort(9001);
    await inProxy(`rm ${VAR_DIR}/custom_var.conf && ln -s ${join(hostDir, 'victim.conf')} ${VAR_DIR}/custom_var.conf`);
    const run = await onceUnblocked(host);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const refused = await reasonOf('proxy-cockpit-port');
    assert.equal(refused?.reason, 'UnsafePath');
    assert.match(refused?.message ?? '', /custom_var\.conf is a symlink/);
    await assertHostUntouched();
    assert.equal((await reasonOf('cockpit-socket'))?.reason, 'Applied', 'the other resources are still reconciled');
    assert.match(await readFile(host.dropInPath, 'utf8'), /ListenStream=9001/);
  });

  it('custom_ssl made a symlink to a host directory, with prune: nothing written there, nothing deleted', async () => {
    await inProxy(`rm -r ${DATA_DIR}/custom_ssl && ln -s ${join(hostDir, 'certs')} ${DATA_DIR}/custom_ssl`);
    const run = await onceUnblocked(host);
    assert.equal(run.code, 1);
    const refused = await reasonOf('cockpit-certs');
    assert.equal(refused?.reason, 'UnsafePath');
    assert.match(refused?.message ?? '', /custom_ssl is a symlink/);
    await assertHostUntouched();
  });

  it('custom_var.conf made a FIFO or a device: refused at once as not a regular file', async () => {
    for (const [make, kind] of [[`mkfifo ${VAR_DIR}/custom_var.conf`, 'fifo'], [`mknod ${VAR_DIR}/custom_var.conf c 1 5`, 'character device']] as const) {
      await inProxy(`rm -f ${VAR_DIR}/custom_var.conf && ${make}`);
      const run = await onceUnblocked(host);
      assert.equal(run.code, 1);
      const refused = await reasonOf('proxy-cockpit-port');
      assert.equal(refused?.reason, 'TargetAbsent');
      assert.match(refused?.message ?? '', new RegExp(`not a regular file \\(${kind}\\)`));
    }
    await assertHostUntouched();
  });

  it('config.ini made a FIFO, or a symlink to /dev/zero: --once returns at once, nothing written', async () => {
    const before = await host.snapshot();
    await inApphub(`cd ${APPHUB_CONFIG_DIR} && rm config.ini && mkfifo config.ini`);
    let run = await onceUnblocked(host);
    assert.equal(run.code, 1);
    let refused = await reasonOf('cockpit-socket');
    assert.equal(refused?.reason, 'DesiredStateUnavailable');
    assert.match(refused?.message ?? '', /config\.ini is not a regular file \(fifo\)/);
    await inApphub(`cd ${APPHUB_CONFIG_DIR} && rm config.ini && ln -s /dev/zero config.ini`);
    run = await onceUnblocked(host);
    assert.equal(run.code, 1);
    refused = await reasonOf('cockpit-socket');
    assert.equal(refused?.reason, 'UnsafePath');
    assert.match(refused?.message ?? '', /config\.ini is a symlink to \/dev\/zero, outside/);
    assert.deepEqual(await host.snapshot(), before, 'nothing written on the host');
    await inApphub(`rm ${APPHUB_CONFIG_DIR}/config.ini`);
    await host.setPort(9001);
  });

  it('the daemon keeps serving its other resources, and a container swapping links in a loop never wins the race', async () => {
    // The attacker flips custom_ssl between a real directory and a link to the host, as fast as it can.
    await inProxy(`rm -rf ${DATA_DIR}/custom_ssl; mkdir ${DATA_DIR}/custom_ssl`);
    await inProxy(`rm -f ${VAR_DIR}/custom_var.conf; mkfifo ${VAR_DIR}/custom_var.conf`);
    // It also deletes the mirrored certificate each time, so that the controller keeps writing (and
    // with prune, listing) while the links come and go.
    await docker(['exec', '-d', proxy, 'sh', '-c', `cd ${DATA_DIR}; while :; do mv custom_ssl d; ln -s ${join(hostDir, 'certs')} custom_ssl; rm -f d/0-self-signed.cert; rm custom_ssl; mv d custom_ssl; done`]);
    await waitFor('the attacker loop runs', async () => ((await docker(['exec', proxy, 'ps'])).stdout.match(/while :/g) ?? []).length > 0);
    const daemon = startDaemon(['--config', host.configPath]);
    try {
      await waitFor('daemon pass', async () => (await readStatusJson(host.statusPath))?.controller.mode === 'daemon');
      const changesBefore = (await readStatusJson(host.statusPath))?.stats.changes ?? 0;
      await host.setPort(9444);
      await waitFor('socket follows apphub', async () => /ListenStream=9444/.test(await readFile(host.dropInPath, 'utf8').catch(() => '')));
      // Beside the daemon, `--once` passes one after another: each must write the certificate again.
      const seen: Record<string, number> = {};
      const messages = new Set<string>();
      const started = Date.now();
      const wroteSoFar = (): number => Object.entries(seen).filter(([k]) => k.endsWith('+wrote')).reduce((n, [, v]) => n + v, 0);
      // At least 6 s of racing; on a loaded machine (few passes in 6 s) on until one pass won a write
      // into the real directory, so the race was really run both ways (at most 90 s).
      while (Date.now() - started < 6000 || (wroteSoFar() === 0 && Date.now() - started < 90_000)) {
        const run = await runCli(['--once', '--json', '--config', host.configPath], { timeoutMs: 60_000 });
        const result = JSON.parse(run.stdout) as { resources: { name: string; reason: string; message: string; actions: { result: string }[] }[] };
        const certs = result.resources.find((r) => r.name === 'cockpit-certs');
        const key = `${certs?.reason ?? '?'}${certs?.actions.some((a) => a.result === 'updated') ? '+wrote' : ''}`;
        if (certs && certs.reason !== 'UnsafePath' && !certs.reason.startsWith('Applied')) messages.add(certs.message.replace(/\/tmp\/\S+|\/var\/lib\/docker\/\S+/g, '<path>'));
        seen[key] = (seen[key] ?? 0) + 1;
        await assertHostUntouched();
      }
      assert.ok(wroteSoFar() >= 1, `the controller wrote while the links were swapped: ${JSON.stringify(seen)}`);
      const status = await readStatusJson(host.statusPath);
      assert.ok((status?.stats.passes ?? 0) >= 2, `passes: ${status?.stats.passes}`);
      console.log(`race outcomes of --once (reason of cockpit-certs): ${JSON.stringify(seen)}; daemon changes ${changesBefore} → ${status?.stats.changes}; other messages: ${[...messages].join(' | ')}`);
      assert.equal(readyOf(status, 'proxy-cockpit-port')?.reason, 'TargetAbsent');
      assert.equal(readyOf(status, 'cockpit-socket')?.status, 'True');
    } finally {
      await inProxy("kill $(ps | grep 'while :' | grep -v grep | awk '{print $1}')").catch(() => undefined);
      assert.equal(await daemon.stop(), 0, daemon.stderr());
    }
    await assertHostUntouched();
  });
});

describe('secrets: a CLI that echoes its argument in other encodings', () => {
  const PASSWORD = 'pa"ss\\wo+rd/S3cret-never-shown';
  let host: EmulatedHost;
  let git: string;
  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000 });
    git = `${host.containerName}-git`;
    await docker(['run', '-d', '--name', git, '--label', TEST_LABEL_PAIR, '--label', `${HOST_LABEL}=${host.id}`, await ensureBusyboxImage()]);
    const dir = await mkdtemp(join(tmpdir(), 'reconciler-cred-'));
    await writeFile(join(dir, 'credential'), JSON.stringify({ username: 'websoft9', password: PASSWORD }));
    await docker(['cp', join(dir, 'credential'), `${git}:/credential`]);
    await rm(dir, { recursive: true });
    // argv: sh -c SCRIPT sh --section S --key K --value V: prints V as base64, JSON-escaped and URL-ish, then fails.
    const script = `v=$6; printf '%s' "$v" | base64; printf '{"value":"%s"}\\n' "$(printf '%s' "$v" | sed 's/\\\\/\\\\\\\\/g; s/"/\\\\"/g')" >&2; printf '%s\\n' "$v" | sed 's|/|%2F|g; s|+|%2B|g' >&2; exit 3`;
    await host.writeConfig({
      sources: { 'gitea-credential': { kind: 'ContainerFile', container: git, path: '/credential', format: 'json' } },
      resources: [{ name: 'gitea-credentials', kind: 'ContainerCredentials', source: 'gitea-credential', container: host.containerName, volume: host.volumeName, section: 'gitea', cli: ['sh', '-c', script, 'sh'] }],
    });
  });
  after(async () => {
    if (git) await docker(['rm', '-f', git]).catch(() => undefined);
    await host?.cleanup();
  });

  it('its output is never shown; the status file is mode 0640', async () => {
    const run = await runCli(['--once', '--json', '--config', host.configPath]);
    assert.equal(run.code, 1, run.stderr);
    const shown = `${run.stdout}\n${run.stderr}\n${await readFile(host.statusPath, 'utf8')}`;
    assert.match(shown, /exited with code 3: \(output hidden: the command carries a secret\)/);
    const forms = [PASSWORD, JSON.stringify(PASSWORD).slice(1, -1), encodeURIComponent(PASSWORD), Buffer.from(PASSWORD).toString('base64').slice(0, 24), 'S3cret-never-shown'];
    for (const form of forms) assert.ok(!shown.includes(form), `the secret leaked as ${form}`);
    assert.equal((await stat(host.statusPath)).mode & 0o777, 0o640);
  });
});
