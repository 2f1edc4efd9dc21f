import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { docker } from '../../harness/docker-cli';
import { assertDocker } from '../support/docker-required';
import { createEmulatedHost, type EmulatedHost } from '../../harness/websoft9-host';
import { runCli } from '../../harness/run-cli';
import { readStatusJson, readyOf } from '../../harness/status';

/**
 * afterChange.check against a real container (the busybox apphub stand-in plays the proxy):
 * the check fails while /tmp/broken exists in it (its lines on stderr, exit 1), and the
 * afterChange command counts its runs in /tmp/reloads.
 */
describe('afterChange.check with a real container', () => {
  let host: EmulatedHost;
  let varConf: string;
  let sslConf: string;
  const VAR_BEFORE = '# custom variables\nset $cockpit_port 9090;\n';
  // No final newline, as Websoft9 ships it.
  const SSL_BEFORE = 'ssl_certificate /data/custom_ssl/old.crt;';
  const inContainer = async (script: string): Promise<string> => (await docker(['exec', host.containerName, 'sh', '-c', script])).stdout;
  const reloads = async (): Promise<number> => Number((await inContainer('cat /tmp/reloads 2>/dev/null | wc -l')).trim());

  before(async () => {
    await assertDocker();
    host = await createEmulatedHost({ port: 9000 });
    const dir = join(host.root, 'proxy');
    await mkdir(dir);
    varConf = join(dir, 'custom_var.conf');
    sslConf = join(dir, 'custom_ssl.conf');
    const afterChange = {
      exec: { container: host.containerName, command: ['sh', '-c', 'echo reload >> /tmp/reloads'] },
      check: {
        exec: {
          container: host.containerName,
          command: ['sh', '-c', 'if [ -e /tmp/broken ]; then cat /tmp/broken >&2; exit 1; fi'],
        },
      },
    };
    await host.writeConfig({
      resources: [
        { name: 'proxy-port', kind: 'FileLine', source: 'apphub', path: varConf, match: '^\\s*set\\s+\\$cockpit_port\\s', template: 'set $cockpit_port {value};', afterChange },
        { name: 'proxy-cert', kind: 'FileLine', source: 'apphub', path: sslConf, match: '^\\s*ssl_certificate\\s', template: 'ssl_certificate /data/custom_ssl/{value}.crt;', afterChange },
      ],
    });
  });
  after(async () => host?.cleanup());

  it('a failing check puts back the exact bytes, reloads nothing, and reports CheckFailed with the first line', async () => {
    await writeFile(varConf, VAR_BEFORE);
    await writeFile(sslConf, SSL_BEFORE);
    const modeBefore = (await stat(varConf)).mode;
    await inContainer(`printf 'nginx: [emerg] cannot load certificate /data/x.crt\\nnginx: configuration file test failed\\n' > /tmp/broken; rm -f /tmp/reloads`);
    const run = await runCli(['--once', '--config', host.configPath]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.equal(await readFile(varConf, 'utf8'), VAR_BEFORE);
    assert.equal(await readFile(sslConf, 'utf8'), SSL_BEFORE);
    assert.equal((await stat(varConf)).mode, modeBefore);
    assert.equal(await reloads(), 0, 'not reloaded');
    const status = await readStatusJson(host.statusPath);
    for (const name of ['proxy-port', 'proxy-cert']) {
      const ready = readyOf(status, name);
      assert.equal(ready?.reason, 'CheckFailed', name);
      assert.equal(ready?.status, 'False');
      assert.match(ready?.message ?? '', /exited with code 1: nginx: \[emerg\] cannot load certificate \/data\/x\.crt/);
      assert.doesNotMatch(ready?.message ?? '', /configuration file test failed/);
    }
    assert.equal(status?.lastPass?.result, 'failed');
    await assert.rejects(stat(`${host.statusPath}.pending.json`), { code: 'ENOENT' }, 'put back: nothing owed');
  });

  it('once the check passes: both files written, then one check and one reload for both resources', async () => {
    await inContainer('rm -f /tmp/broken /tmp/reloads');
    const run = await runCli(['--once', '--config', host.configPath]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(await readFile(varConf, 'utf8'), '# custom variables\nset $cockpit_port 9000;\n');
    assert.equal(await readFile(sslConf, 'utf8'), 'ssl_certificate /data/custom_ssl/9000.crt;');
    assert.equal(await reloads(), 1, 'identical afterChange commands run once');
    assert.equal(readyOf(await readStatusJson(host.statusPath), 'proxy-cert')?.reason, 'Applied');
  });
});
