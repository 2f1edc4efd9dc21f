import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { startDaemon, type DaemonProcess } from '../../harness/daemon-process';
import { runCli } from '../../harness/run-cli';
import { readStatusJson, readyOf, waitFor } from '../../harness/status';
import { apphubConfigIni, createEmulatedHost, mergeYaml, type EmulatedHost } from '../../harness/websoft9-host';
import { assertDocker } from '../support/docker-required';

// Finding 9 of issue 15: two controllers with different status files on the same files, each
// with its own desired port. Before claims they took turns rewriting the drop-in and restarting
// Cockpit's socket (14 restarts in 40 s), and neither said why. Now the second one finds the first
// one's claims: it writes nothing, says ConflictingController (naming the first), and takes the
// files over by itself once the first one stops.

const FAST = { resyncInterval: '10m', debounce: '100ms', maxDebounce: '1s', backoffInitial: '200ms', backoffMax: '1s' };
const dropIn = (port: number): string => `[Socket]\nListenStream=\nListenStream=${port}\n`;
const restarts = async (host: EmulatedHost): Promise<string[]> => (await host.commands()).filter((line) => /^systemctl .*\brestart\b/.test(line));

describe('two controllers with different status files on the same files', () => {
  let host: EmulatedHost;
  let first: DaemonProcess | undefined;
  let second: DaemonProcess | undefined;
  let secondConfig: string;
  let secondStatus: string;

  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000 });
    // Both share the emulated host's claims directory (<root>/run/claims, as both would share /run/reconciler/claims).
    await host.writeConfig({ timing: FAST });
    // The second controller reads its port (9100) from a config.ini of its own.
    const otherIni = join(host.root, 'other', 'config.ini');
    await mkdir(join(host.root, 'other'), { recursive: true });
    await writeFile(otherIni, apphubConfigIni(9100));
    secondStatus = join(host.root, 'status-b', 'status.json');
    secondConfig = join(host.root, 'config-b.yaml');
    await writeFile(secondConfig, stringify(mergeYaml(host.baseConfig(), { timing: FAST, status: { file: secondStatus }, sources: { apphub: { path: otherIni } } })));
  });

  after(async () => {
    const codes = [await first?.stop(), await second?.stop()];
    await host?.cleanup();
    assert.deepEqual(codes.filter((c) => c !== undefined && c !== 0), [], `${first?.stderr() ?? ''}\n${second?.stderr() ?? ''}`);
  });

  it('the second one writes nothing and reports ConflictingController naming the first; Cockpit is not restarted over and over', async (t) => {
    first = startDaemon(['--config', host.configPath]);
    await waitFor('the first controller to converge', async () => (await readStatusJson(host.statusPath))?.resources.every((r) => r.inSync));
    assert.equal(await readFile(host.dropInPath, 'utf8'), dropIn(9000));
    await host.clearCommands();

    second = startDaemon(['--config', secondConfig]);
    const conflict = await waitFor('the second controller to report ConflictingController', async () => {
      const ready = readyOf(await readStatusJson(secondStatus), 'cockpit-socket');
      return ready?.reason === 'ConflictingController' ? ready : null;
    });
    assert.ok(conflict);
    assert.equal(conflict.status, 'False');
    assert.match(conflict.message, new RegExp(`another controller \\(pid ${first.process.pid}, status file ${host.statusPath.replace(/[.]/g, '\\.')}\\) manages ${host.dropInPath.replace(/[.]/g, '\\.')}`));
    assert.equal(readyOf(await readStatusJson(secondStatus), 'cockpit-firewalld')?.reason, 'ConflictingController');

    // Long enough for the second one's hold (10 s) to end and its retry to meet the claim again.
    const second0 = (await readStatusJson(secondStatus))?.stats.passes ?? 0;
    await waitFor('a retry of the second controller', async () => ((await readStatusJson(secondStatus))?.stats.passes ?? 0) > second0);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(await readFile(host.dropInPath, 'utf8'), dropIn(9000), 'the first one keeps its file');
    const seen = await restarts(host);
    t.diagnostic(`restarts while both ran: ${seen.length}`);
    assert.ok(seen.length <= 2, `at most a couple of restarts, not a fight: ${JSON.stringify(seen)}`);
    assert.equal(readyOf(await readStatusJson(host.statusPath), 'cockpit-socket')?.status, 'True', 'the first one stays in sync');
  });

  it('a --once with the second configuration meets the same claim: ConflictingController, nothing written; a dry run says so and claims nothing', async () => {
    const claims = join(host.root, 'run', 'claims');
    const before = (await readdir(claims)).sort();
    const dry = await runCli(['--once', '--dry-run', '--config', secondConfig, '--json']);
    const planned = JSON.parse(dry.stdout) as { resources: { name: string; reason: string; message: string }[] };
    assert.match(planned.resources.find((r) => r.name === 'cockpit-socket')?.message ?? '', /would not be written/, dry.stdout);
    assert.deepEqual((await readdir(claims)).sort(), before, 'the dry run wrote no claim');
    const run = await runCli(['--once', '--config', secondConfig, '--json']);
    assert.notEqual(run.code, 0, run.stderr);
    const pass = JSON.parse(run.stdout) as { resources: { name: string; reason: string }[] };
    assert.equal(pass.resources.find((r) => r.name === 'cockpit-socket')?.reason, 'ConflictingController', run.stdout);
    assert.equal(await readFile(host.dropInPath, 'utf8'), dropIn(9000));
  });

  it('after the first one stops (SIGTERM), the second one takes the files over by itself', async () => {
    assert.equal(await first?.stop('SIGTERM'), 0, first?.stderr());
    first = undefined;
    await waitFor('the second controller to converge', async () => (await readStatusJson(secondStatus))?.resources.every((r) => r.inSync), 90_000);
    assert.equal(await readFile(host.dropInPath, 'utf8'), dropIn(9100));
    assert.equal(readyOf(await readStatusJson(secondStatus), 'cockpit-socket')?.status, 'True');
  });
});
