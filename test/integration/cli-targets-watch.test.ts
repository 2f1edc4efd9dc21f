import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { CLI, runCli } from '../../harness/run-cli';
import { readStatusJson, waitFor } from '../../harness/status';
import { createEmulatedHost, type EmulatedHost } from '../../harness/websoft9-host';
import { assertDocker } from '../support/docker-required';

describe('--once --resource NAME: only the resources named (Terraform -target)', () => {
  let host: EmulatedHost;
  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000, vendorPort: 9090 });
  });
  after(async () => host?.cleanup());
  const once = (...extra: string[]) => runCli(['--once', '--config', host.configPath, ...extra]);

  it('an unknown name is exit 64 with a guess; nothing is run', async () => {
    const run = await once('--resource', 'cockpit-firewald');
    assert.equal(run.code, 64, run.stderr);
    assert.match(run.stderr, /--resource cockpit-firewald: no such resource \(did you mean "cockpit-firewalld"\?\)/);
    assert.deepEqual(await host.commands(), []);
  });

  it('a dry run plans the resource named and no other', async () => {
    const run = await once('--dry-run', '--resource', 'cockpit-firewalld');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stdout, /port="9000"/);
    assert.doesNotMatch(run.stdout, /ListenStream/);
  });

  it('a pass corrects the resource named only; the other stays drifted, then is corrected by its own run', async () => {
    const run = await once('--resource', 'cockpit-firewalld');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const file of host.firewalldFiles) assert.match(await readFile(file, 'utf8'), /port="9000"/);
    await assert.rejects(stat(host.dropInPath), { code: 'ENOENT' });
    assert.deepEqual((await readStatusJson(host.statusPath))?.resources.map((r) => r.name), ['cockpit-firewalld']);
    const rest = await once('--resource', 'cockpit-socket');
    assert.equal(rest.code, 0, rest.stdout + rest.stderr);
    assert.equal(await readFile(host.dropInPath, 'utf8'), '[Socket]\nListenStream=\nListenStream=9000\n');
    // The status file keeps the resource the first run reconciled.
    assert.deepEqual((await readStatusJson(host.statusPath))?.resources.map((r) => r.name), ['cockpit-socket', 'cockpit-firewalld']);
  });
});

describe('reconcile status --watch', () => {
  let host: EmulatedHost;
  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000, vendorPort: 9090 });
  });
  after(async () => host?.cleanup());

  it('redraws when the status file changes and ends on Ctrl-C (SIGINT) with exit 0', async () => {
    const child = spawn(process.execPath, [CLI, 'status', '--watch', '--interval', '1h', '--status-file', host.statusPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor('the first drawing (no status file yet)', () => /does not exist/.test(out), 30_000);
      assert.equal((await runCli(['--once', '--config', host.configPath])).code, 0);
      await waitFor('a drawing of the new status', () => /cockpit-socket\s+9000\s+9000\s+True\s+Applied/.test(out), 30_000).catch((e: Error) => assert.fail(`${e.message}\n${out}`));
      const drawings = out.split(/^--- /m).length - 1;
      // Not a terminal: each drawing follows the last under a line with its time, none redrawn unchanged.
      assert.equal(drawings, 2, out);
      await writeFile(host.statusPath, '{');
      await waitFor('a drawing of the broken file', () => /not valid JSON/.test(out), 30_000);
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0);
  });
});
