import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDaemon, type DaemonProcess } from '../../harness/daemon-process';
import { runCli } from '../../harness/run-cli';
import { printFigure, rssSampler, sampledRun } from '../../harness/sampled-run';
import { readStatusJson, waitFor } from '../../harness/status';
import { apphubConfigIni, createEmulatedHost, type EmulatedHost, type YamlMapping } from '../../harness/websoft9-host';
import { assertDocker } from '../support/docker-required';

/**
 * Issue 15, class 8, in a real configuration: names that are also keys of Object.prototype
 * wherever the configuration or a container lets someone choose one — a source and a resource
 * named `constructor`, config.ini's section `__proto__` and key `toString` (apphub's file, in its
 * volume), a key file's group `hasOwnProperty` and key `__proto__`. Before the fix a resource named
 * `constructor` was "pending" on every pass and restarted Cockpit's socket each time. The daemon
 * runs several passes started by file edits; once in sync it must restart and reload nothing.
 */

/** Recorded calls that change something (`systemctl show` is left out by the recorder's reader). */
const ACTING = /\b(restart|try-restart|daemon-reload|reload|--reload|--permanent)\b/;

describe('class 8: prototype names in a real configuration restart nothing once in sync', () => {
  let host: EmulatedHost;
  let daemon: DaemonProcess | null = null;
  let cockpitConf: string;
  const ini = (port: number, comment: string): string => `${apphubConfigIni(9000)}\n# ${comment}\n[__proto__]\ntoString = ${port}\n\n[constructor]\nhasOwnProperty = 1\n`;
  const status = async () => readStatusJson(host.statusPath);
  const passes = async (): Promise<number> => (await status())?.stats.passes ?? 0;

  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000 });
    await host.setIni(ini(9311, 'first'));
    cockpitConf = join(host.root, 'etc', 'cockpit', 'cockpit.conf');
    await mkdir(dirname(cockpitConf), { recursive: true });
    await writeFile(cockpitConf, '[WebService]\nOrigins = https://example.test\n\n[hasOwnProperty]\n__proto__ = 1\n');
    const [socket, firewalld] = host.baseConfig().resources as YamlMapping[];
    await host.writeConfig({
      timing: { resyncInterval: '1h', debounce: '50ms' },
      sources: {
        apphub: undefined,
        constructor: { kind: 'ContainerIniValue', container: host.containerName, volume: host.volumeName, file: 'config.ini', section: '__proto__', key: 'toString' },
      },
      resources: [
        { ...socket, name: 'constructor', source: 'constructor' },
        { ...firewalld, source: 'constructor' },
        { name: 'cockpit-conf', kind: 'IniValue', source: 'constructor', path: cockpitConf, section: 'hasOwnProperty', key: '__proto__', afterChange: { systemctl: ['restart', 'cockpit.service'] } },
      ],
    });
  });
  after(async () => {
    if (daemon && daemon.process.exitCode === null) await daemon.stop('SIGKILL');
    await host?.cleanup();
  });

  it('`__proto__`, `toString`, `hasOwnProperty` as resource names are refused (exit 64, naming the key); `constructor` is a name like any other', async () => {
    const good = host.baseConfig();
    for (const name of ['__proto__', 'toString', 'hasOwnProperty']) {
      const path = join(host.root, `bad-${name}.yaml`);
      const resources = (good.resources as YamlMapping[]).map((r, i) => (i === 0 ? { ...r, name } : r));
      await writeFile(path, JSON.stringify({ ...good, resources }));
      const run = await runCli(['--once', '--config', path]);
      assert.equal(run.code, 64, `${name}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, /resources\[0\]\.name|resources\.0\.name/, name);
    }
  });

  it('the daemon converges, then over passes started by file edits restarts nothing', async () => {
    const once = await sampledRun(['--once', '--config', host.configPath], 120_000);
    assert.equal(once.code, 0, once.stdout + once.stderr);
    assert.match(once.stdout, /constructor\s+9311/);
    printFigure(8, 'prototype names, first pass', once);
    await host.clearCommands();
    daemon = startDaemon(['--config', host.configPath]);
    const rss = rssSampler(daemon.process.pid ?? 0);
    try {
      await waitFor('the daemon in sync', async () => {
        const s = await status();
        return s?.controller.mode === 'daemon' && s.resources.length === 3 && s.resources.every((r) => r.inSync);
      });
      // Several passes, each started by an edit that keeps every desired value: apphub rewrites
      // config.ini (a new comment), an operator adds a line to cockpit.conf.
      const edits = 4;
      for (let i = 0; i < edits; i++) {
        const before = await passes();
        if (i % 2 === 0) await host.setIni(ini(9311, `edit ${i}`));
        else await writeFile(cockpitConf, `[WebService]\nOrigins = https://example.test/${i}\n\n[hasOwnProperty]\n__proto__ = 9311\n`);
        await waitFor(`a pass after edit ${i}`, async () => (await passes()) > before);
      }
      const s = await status();
      assert.ok(s?.resources.every((r) => r.inSync), JSON.stringify(s?.resources.map((r) => [r.name, r.inSync])));
      const acted = (await host.commands()).filter((line) => ACTING.test(line));
      assert.deepEqual(acted, [], `commands once in sync, over ${s?.stats.passes} passes`);
      assert.ok((s?.stats.passes ?? 0) >= edits + 1, `passes: ${s?.stats.passes}`);
      console.log(`figure: class 8, daemon over ${s?.stats.passes} passes started by edits: ${acted.length} restarts, peak RSS ${rss.peakMb()} MB`);
    } finally {
      rss.stop();
      assert.equal(await daemon.stop(), 0, daemon.stderr().slice(-3000));
    }
  });
});
