import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ensureBusyboxImage } from '../../harness/busybox-image';
import { startDaemon, type DaemonProcess } from '../../harness/daemon-process';
import { printFigure, rssSampler, sampledRun, type SampledRun as Run } from '../../harness/sampled-run';
import { TEST_LABEL_PAIR, docker } from '../../harness/docker-cli';
import { assertDocker } from '../support/docker-required';
import { createEmulatedHost, HOST_LABEL, type EmulatedHost, type YamlMapping } from '../../harness/websoft9-host';
import { readStatusJson, readyOf, waitFor } from '../../harness/status';

/**
 * Issue 15, classes 3 to 7, as a container (or a webhook peer) would attack: a check that prints
 * endlessly or hangs (`docker exec` of afterChange.check), an endless or silent webhook, a proxy
 * file of 20,000 matching lines, thousands of junk and huge files in a mirror's target. Each
 * asserts behaviour: bounded memory, an exit within the documented bound, a clear reason.
 */

const VAR_DIR = '/data/nginx/custom';
const DATA_DIR = '/data/nginx/data';
/** A generous cap on the agent's resident memory (a one-off pass peaks at about 120 MB here). */
const RSS_CAP_MB = 300;

/** A local webhook: `endless` answers 200 with a body that never ends, `silent` never answers. */
class HookServer {
  mode: 'endless' | 'silent' | 'ok' = 'ok';
  sent = 0;
  requests = 0;
  private readonly server: Server;
  private readonly open = new Set<ServerResponse>();

  constructor() {
    this.server = createServer((req, res) => {
      this.requests++;
      req.resume();
      if (this.mode === 'ok') return void res.end('ok');
      if (this.mode === 'silent') return void this.open.add(res);
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = (): void => {
        while (!res.destroyed) {
          this.sent += chunk.length;
          if (!res.write(chunk)) break;
        }
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('a container or a peer cannot exhaust the controller (bounds)', () => {
  let host: EmulatedHost;
  let proxy: string;
  let hook: HookServer;
  let certs: string;
  const volumes: string[] = [];
  const labels = (): string[] => ['--label', TEST_LABEL_PAIR, '--label', `${HOST_LABEL}=${host.id}`];
  const inProxy = async (script: string): Promise<string> => (await docker(['exec', proxy, 'sh', '-c', script], { timeoutMs: 60_000 })).stdout;
  const reasonOf = async (name: string): Promise<{ reason: string; message: string; status: string } | undefined> => readyOf(await readStatusJson(host.statusPath), name);
  const once = (extra: string[] = [], boundMs = 120_000): Promise<Run> => sampledRun(['--once', '--config', host.configPath, ...extra], boundMs, 2 * RSS_CAP_MB);
  /** The proxy's custom_var.conf with `lines` lines `set $cockpit_port 9090;`: each pass has it to correct. */
  const proxyFile = (lines: number): Promise<string> =>
    inProxy(`i=0; while [ $i -lt ${lines} ]; do echo 'set $cockpit_port 9090;'; i=$((i+1)); done > ${VAR_DIR}/custom_var.conf`);
  let port = 9100;

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
    await inProxy(`mkdir -p ${DATA_DIR}/custom_ssl`);
    await proxyFile(1);
    certs = join(host.root, 'certs');
    await mkdir(certs);
    await writeFile(join(certs, 'cockpit.cert'), 'CERT\n');
    hook = new HookServer();
    const url = await hook.start();
    // The check is whatever the container put in /tmp/check.sh (nothing: it passes).
    const check = { exec: { container: proxy, command: ['sh', '-c', 'if [ -f /tmp/check.sh ]; then . /tmp/check.sh; fi'] } };
    const base = host.baseConfig();
    await host.writeConfig({
      timing: { resyncInterval: '1m', debounce: '50ms', passTimeout: '30s' },
      commands: { timeout: '5s' },
      journal: { webhook: url },
      resources: [
        ...(base.resources as YamlMapping[]).slice(0, 1),
        { name: 'proxy-cockpit-port', kind: 'FileLine', source: 'apphub', volume: volumes[0] as string, file: 'custom_var.conf', match: '^\\s*set\\s+\\$cockpit_port\\s', template: 'set $cockpit_port {value};', afterChange: { exec: { container: proxy, command: ['true'] }, check } },
        { name: 'cockpit-certs', kind: 'DirectoryMirror', from: { path: certs }, to: { volume: volumes[1] as string, subPath: 'custom_ssl' }, include: ['*.cert'], prune: false },
      ],
    });
  });
  beforeEach(async () => {
    hook.mode = 'ok';
    await inProxy('rm -f /tmp/check.sh');
    // A new port each time: every run has changes to make, journal entries to send.
    await host.setPort(++port);
  });
  after(async () => {
    if (proxy) await docker(['rm', '-f', proxy]).catch(() => undefined);
    for (const name of volumes) await docker(['volume', 'rm', '-f', name]).catch(() => undefined);
    await hook?.close();
    await host?.cleanup();
  });

  const leftInProxy = async (): Promise<string> => (await inProxy('ps')).split('\n').filter((l) => /check\.sh|sleep 300/.test(l)).join('\n');

  it('class 3: a check printing endlessly is cut at 1 MiB and killed; the agent stays small', async () => {
    await proxyFile(1);
    await inProxy(`printf 'while :; do echo nginx: this line never ends, nor does the output; done\\n' > /tmp/check.sh`);
    const run = await once();
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.ok(run.peakRssMb < RSS_CAP_MB, `peak RSS ${run.peakRssMb} MB`);
    const check = await reasonOf('proxy-cockpit-port');
    assert.equal(check?.reason, 'CheckFailed', check?.message);
    assert.match(check?.message ?? '', /output of docker exec in \S+: more than 1048576 bytes; killed/);
    await waitFor('no check left running in the container', async () => (await leftInProxy()) === '');
    assert.equal((await reasonOf('cockpit-socket'))?.status, 'True', 'the other resources are served');
    printFigure(3, 'a check printing endlessly', run);
  });

  it('class 3: a check that hangs without printing fails at the command timeout, and --once exits (no exec left)', async () => {
    await proxyFile(1);
    await inProxy(`printf 'sleep 300\\n' > /tmp/check.sh`);
    // commands.timeout is 5 s; the bound is that plus generous slack, far below the 300 s sleep.
    const run = await once();
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match((await reasonOf('proxy-cockpit-port'))?.message ?? '', /timed out after 5000ms/);
    await waitFor('the hanging check killed in the container', async () => (await leftInProxy()) === '');
    printFigure(3, 'a check that hangs (sleep 300, commands.timeout 5 s)', run);
  });

  it('class 4: an endless 200 webhook answer is read a few KB deep, then cancelled', async () => {
    hook.mode = 'endless';
    hook.sent = 0;
    const run = await once();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(run.peakRssMb < RSS_CAP_MB, `peak RSS ${run.peakRssMb} MB`);
    assert.ok(hook.requests >= 1);
    // What socket buffers take before the cancel, never the endless rest.
    assert.ok(hook.sent < 64 * 1024 * 1024, `the webhook sent ${hook.sent} bytes`);
    printFigure(4, 'an endless 200 webhook body', run, `${hook.sent} bytes sent by the server`);
  });

  it('class 4: a webhook that never answers: --once exits within its documented 15 s wait', async () => {
    hook.mode = 'silent';
    const run = await once();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // The 15 s wait for the webhook ended the run (before the bound it was every entry's four
    // attempts, 27 s each); how long it took is printed, not asserted (the machine may be busy).
    assert.match(run.stderr, /journal webhook: entries still pending at exit/);
    printFigure(4, 'a webhook that never answers', run);
  });

  it('class 5: a proxy file of 20,000 matching lines: dry run and pass end within passTimeout, the diff summarised', async () => {
    await proxyFile(20_000);
    const dry = await once(['--dry-run']);
    assert.equal(dry.code, 2, dry.stdout.slice(0, 2000) + dry.stderr);
    // Exit 2, not 1: the pass ended, it was not abandoned at passTimeout (30 s).
    assert.doesNotMatch(dry.stdout, /pass abandoned/);
    assert.match(dry.stdout, /custom_var\.conf: \+20000 -20000 lines, diff omitted: too large/);
    const run = await once();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.doesNotMatch(run.stdout, /pass abandoned/);
    const journal = (await readFile(join(host.root, 'status', 'journal.jsonl'), 'utf8')).trim().split('\n');
    const entry = journal.map((l) => JSON.parse(l) as { resource: string; files: { omitted?: string; lines?: string[] }[] }).reverse().find((e) => e.resource === 'proxy-cockpit-port');
    assert.equal(entry?.files[0]?.omitted, '+20000 -20000 lines, diff omitted: too large');
    assert.equal(entry?.files[0]?.lines, undefined);
    printFigure(5, '20,000 matching lines, --dry-run', dry);
    printFigure(5, '20,000 matching lines', run);
  });

  it('class 5: the daemon answers /healthz while it corrects the 20,000-line file', async () => {
    await proxyFile(20_000);
    const metricsPort = 19_400 + (process.pid % 500);
    const daemon = startDaemon(['--config', host.configPath, '--metrics-addr', `127.0.0.1:${metricsPort}`]);
    const rss = rssSampler(daemon.process.pid ?? 0);
    let answered = 0;
    let code: number | null;
    try {
      await waitFor('the metrics endpoint', async () => (await fetch(`http://127.0.0.1:${metricsPort}/healthz`).catch(() => null))?.status === 200);
      // Asked again and again while the passes run: each must answer before a generous deadline.
      const deadline = Date.now() + 30_000;
      let corrected = false;
      while (Date.now() < deadline && !(corrected && answered >= 5)) {
        const res = await fetch(`http://127.0.0.1:${metricsPort}/healthz`, { signal: AbortSignal.timeout(10_000) });
        assert.equal(res.status, 200);
        answered++;
        corrected ||= !(await inProxy(`grep -c 'port 9090' ${VAR_DIR}/custom_var.conf || true`)).trim().match(/^[1-9]/);
      }
      assert.ok(corrected, 'the file was corrected');
    } finally {
      rss.stop();
      code = await daemon.stop();
    }
    assert.equal(code, 0, daemon.stderr());
    console.log(`figure: class 5, the daemon correcting 20,000 lines: /healthz answered ${answered} times, peak RSS ${rss.peakMb()} MB`);
  });

  it('class 6: junk a container drops in the mirror target is never read; past 10,000 entries the listing is refused', async () => {
    await proxyFile(1);
    // Under the cap: 3 huge sparse files and 5,000 small ones matching `include`, prune off.
    await inProxy(`cd ${DATA_DIR}/custom_ssl && for i in 1 2 3; do dd if=/dev/zero of=huge$i.cert bs=1 count=0 seek=20M 2>/dev/null; done && i=0; while [ $i -lt 5000 ]; do : > junk$i.cert; i=$((i+1)); done`);
    let run = await once();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal((await reasonOf('cockpit-certs'))?.status, 'True', JSON.stringify(await reasonOf('cockpit-certs')));
    printFigure(6, '5,000 junk and 3 sparse 20 MiB files in the mirror target', run);
    assert.equal((await inProxy(`cat ${DATA_DIR}/custom_ssl/cockpit.cert`)).trim(), 'CERT');
    // Over the cap: refused with a reason naming the directory and the limit; the rest is served.
    await inProxy(`cd ${DATA_DIR}/custom_ssl && i=5000; while [ $i -lt 12000 ]; do : > junk$i.cert; i=$((i+1)); done`);
    await host.setPort(++port);
    run = await once();
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.doesNotMatch(run.stdout, /pass abandoned/);
    const refused = await reasonOf('cockpit-certs');
    assert.equal(refused?.reason, 'CannotConverge', refused?.message);
    assert.match(refused?.message ?? '', /custom_ssl: more than 10000 entries; nothing mirrored/);
    printFigure(6, '12,000 junk files in the mirror target (listing refused)', run);
    assert.equal((await reasonOf('cockpit-socket'))?.reason, 'Applied');
    await inProxy(`rm -f ${DATA_DIR}/custom_ssl/junk* ${DATA_DIR}/custom_ssl/huge*`);
  });
});

describe('class 7: a burst of SIGHUPs is coalesced into fewer reloads, never two loops', () => {
  let host: EmulatedHost;
  let daemon: DaemonProcess | null = null;

  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000 });
    await host.writeConfig({ timing: { resyncInterval: '1s', debounce: '50ms' } });
  });
  after(async () => {
    if (daemon && daemon.process.exitCode === null) await daemon.stop('SIGKILL');
    await host?.cleanup();
  });

  it('20 HUPs: coalesced reloads, one session after them, and SIGTERM exits 0', async () => {
    daemon = startDaemon(['--config', host.configPath]);
    const rss = rssSampler(daemon.process.pid ?? 0);
    await waitFor('the first pass', async () => (await readStatusJson(host.statusPath))?.resources.every((r) => r.inSync));
    const burst = Date.now();
    for (let i = 0; i < 20; i++) {
      daemon.process.kill('SIGHUP');
      await new Promise((r) => setImmediate(r));
    }
    await waitFor('a reload', () => /configuration reloaded/.test(daemon?.stderr() ?? ''));
    const reloadedMs = Date.now() - burst;
    await new Promise((r) => setTimeout(r, 3000));
    const reloads = (daemon.stderr().match(/configuration reloaded/g) ?? []).length;
    // Serialized and coalesced: HUPs during a reload make one more. How many arrive during one
    // depends on the machine's speed (3 were seen under load), so only "fewer than the signals" is
    // asserted here; the property that matters, one session, is the pass count below.
    assert.ok(reloads >= 1 && reloads < 20, `${reloads} reloads`);
    // One session: one resync timer. Count passes over 5 s of a 1 s resync: one loop makes about
    // five, leaked ones would add five each.
    const before = (await readStatusJson(host.statusPath))?.stats.passes ?? 0;
    await new Promise((r) => setTimeout(r, 5000));
    const passes = ((await readStatusJson(host.statusPath))?.stats.passes ?? 0) - before;
    assert.ok(passes <= 7, `${passes} passes in 5 s with a 1 s resync`);
    // Exit 0: it ended by itself (its shutdown bound would end it by a signal, the driver's SIGKILL comes after a minute).
    const stopping = Date.now();
    const code = await daemon.stop('SIGTERM');
    rss.stop();
    assert.equal(code, 0, daemon.stderr().slice(-3000));
    console.log(`figure: class 7, 20 SIGHUPs: first reload ${reloadedMs} ms after the burst, ${reloads} reloads, ${passes} passes in 5 s, SIGTERM exit in ${Date.now() - stopping} ms, daemon peak RSS ${rss.peakMb()} MB`);
  });
});
