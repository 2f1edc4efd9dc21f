import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { VERSION } from '../../src/core/version';

const execFileAsync = promisify(execFile);
const REPO = join(__dirname, '..', '..');

/** deploy/install.sh into an empty staging root, from the `npm pack` tarball of this build. */
describe('deploy/install.sh on a clean directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reconciler-install-'));
  const root = join(dir, 'root');
  after(() => rmSync(dir, { recursive: true, force: true }));

  before(async () => {
    // `npm test` has built dist/; --ignore-scripts packs it as it is (prepack would rebuild).
    const packed = await execFileAsync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: REPO, encoding: 'utf8' });
    const tarball = join(dir, packed.stdout.trim().split('\n').at(-1) ?? '');
    // install.sh's own `npm ci --omit=dev` is what is tested here, so it runs; prefer-offline lets it
    // take the packages from npm's cache, which the work tree's `npm ci` filled (no second download).
    const env = { ...process.env, npm_config_prefer_offline: 'true' };
    await execFileAsync(join(REPO, 'deploy', 'install.sh'), ['--root', root, '--tarball', tarball], { encoding: 'utf8', timeout: 300_000, env });
  });

  it('puts reconcile on the PATH: `reconcile --version` from the installed location', async () => {
    const bin = join(root, 'usr', 'local', 'bin', 'reconcile');
    assert.ok(lstatSync(bin).isSymbolicLink());
    assert.equal(readlinkSync(bin), '../../../opt/reconciler/dist/cli.js');
    const { stdout } = await execFileAsync(bin, ['--version'], { encoding: 'utf8', env: { ...process.env, PATH: `${join(root, 'usr', 'local', 'bin')}:${process.env.PATH ?? ''}` } });
    assert.equal(stdout, `${VERSION}\n`);
  });

  it('installs the unit, the profile, a first config.yaml, and what Documentation= names', async () => {
    const unit = readFileSync(join(root, 'etc', 'systemd', 'system', 'reconciler.service'), 'utf8');
    assert.equal(unit, readFileSync(join(REPO, 'deploy', 'reconciler.service'), 'utf8'));
    const docs = (/^Documentation=(.*)$/m.exec(unit)?.[1] ?? '').split(/\s+/);
    assert.ok(docs.length > 0);
    for (const url of docs) assert.ok(existsSync(join(root, url.replace(/^file:\/\//, ''))), `${url} is installed`);
    // ExecStart's program is what the install put in /opt/reconciler.
    const program = /^ExecStart=\S+ (\S+)/m.exec(unit)?.[1] ?? '';
    assert.ok(existsSync(join(root, program)), program);
    for (const file of ['config/default.yaml', 'config/schema.json', 'LICENSE', 'CHANGELOG.md', 'node_modules/yaml/package.json']) {
      assert.ok(existsSync(join(root, 'opt', 'reconciler', file)), file);
    }
    assert.ok(!existsSync(join(root, 'opt', 'reconciler', 'node_modules', 'typescript')), 'no dev dependencies');
    const config = join(root, 'etc', 'reconciler', 'config.yaml');
    assert.equal(lstatSync(config).mode & 0o777, 0o640);
    const check = await execFileAsync(join(root, 'usr', 'local', 'bin', 'reconcile'), ['config', 'check', '--config', config], { encoding: 'utf8' });
    assert.match(check.stdout, /^configuration valid: /);
  });

  it('node at /usr/bin/node: no drop-in; node elsewhere on the PATH: a drop-in runs that node', async () => {
    const atUsrBin = existsSync('/usr/bin/node') && realpathSync('/usr/bin/node') === realpathSync(process.execPath);
    assert.equal(existsSync(join(root, 'etc', 'systemd', 'system', 'reconciler.service.d', 'node.conf')), !atUsrBin, 'a drop-in only for a node elsewhere');
    // A node found elsewhere (as nvm or /usr/local/bin would put it): a wrapper of this one.
    const bin = join(dir, 'other-node', 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'node'), `#!/bin/sh\nexec ${process.execPath} "$@"\n`);
    chmodSync(join(bin, 'node'), 0o755);
    const other = join(dir, 'other-root');
    const packed = await execFileAsync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: REPO, encoding: 'utf8' });
    const tarball = join(dir, packed.stdout.trim().split('\n').at(-1) ?? '');
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    const run = await execFileAsync(join(REPO, 'deploy', 'install.sh'), ['--root', other, '--tarball', tarball], { encoding: 'utf8', timeout: 300_000, env });
    assert.match(run.stdout, /node is .*other-node\/bin\/node: the unit runs it/);
    const dropIn = readFileSync(join(other, 'etc', 'systemd', 'system', 'reconciler.service.d', 'node.conf'), 'utf8');
    const unitStart = /^ExecStart=\/usr\/bin\/node (.*)$/m.exec(readFileSync(join(REPO, 'deploy', 'reconciler.service'), 'utf8'))?.[1];
    assert.ok(unitStart);
    assert.equal(dropIn, `# Written by deploy/install.sh: the node it found on the PATH.\n[Service]\nExecStart=\nExecStart=${join(bin, 'node')} ${unitStart}\n`);
  });
});
