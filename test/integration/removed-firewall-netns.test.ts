import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { docker } from '../../harness/docker-cli';
import { ensureBusyboxImage } from '../../harness/busybox-image';
import { runCli, type CliRun } from '../../harness/run-cli';
import { startDaemon } from '../../harness/daemon-process';
import { readStatusJson, waitFor } from '../../harness/status';
import { ExecCommandRunner } from '../../src/adapters/exec-command-runner';
import { configFiles } from '../support/config-files';
import { removeLabelled } from '../support/cleanup';
import { dockerSkip } from '../support/docker-required';

// A PublishedPortFirewall removed from the configuration: the next `--once` removes its chain,
// jump and nftables table (as `enabled: false` would), reports it and forgets it — against the
// real iptables-nft and nft, inside the network namespace of a throwaway container (every command
// goes through `commands.prefix` = nsenter into it), never the host's own. The controller is the
// compiled CLI; Docker's listing is the real one (containers of the host only give rules in here).

const RUN = randomUUID().slice(0, 8);
const runner = new ExecCommandRunner();
let pid = '';

/** What Docker sets up: DOCKER-USER, jumped to from FORWARD, ending in RETURN; plus a rule of the user's own. */
const DOCKER_SETUP = (source: string): string => `*filter\n:DOCKER-USER - [0:0]\n-A FORWARD -j DOCKER-USER\n-A DOCKER-USER -s ${source} -j DROP\n-A DOCKER-USER -j RETURN\nCOMMIT\n`;
/** A table of someone else's, which must survive every clean-up. */
const OTHER_TABLE = 'table inet other {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\ttcp dport 9 drop\n\t}\n}\n';

async function inNetns(argv: string[], input?: string): Promise<string> {
  const result = await runner.run(['nsenter', '-t', pid, '-n', '--', ...argv], { timeoutMs: 20_000, ...(input === undefined ? {} : { input }) });
  assert.ok(result.kind === 'exited' && result.exitCode === 0, `${argv.join(' ')}: ${JSON.stringify(result)}`);
  return result.stdout;
}

/** Everything in the filter table but our chain and our jump (and the generated-on comments). */
const foreign = (saved: string): string => saved.split('\n').filter((l) => !l.startsWith('#') && !l.includes('RECONCILE-PUBLISHED')).join('\n');

describe('a PublishedPortFirewall removed from the configuration, in a test network namespace', async () => {
  const skip = await dockerSkip();
  const files = configFiles('reconcile-removed-fw-');
  const statusFile = join(files.dir, 'status.json');
  /** `restore`: the restore commands (`false`: a clean-up that cannot write). */
  const config = (resources: string[], restore = 'nft-restore'): string =>
    files.file(
      [
        `status: { file: ${statusFile}, claimsDir: ${join(files.dir, 'claims')} }`,
        'commands:',
        `  prefix: [nsenter, -t, "${pid}", -n, --]`,
        '  iptablesSave: [iptables-nft-save]',
        `  iptablesRestore: [${restore === 'false' ? '"false"' : `iptables-${restore}`}]`,
        '  ip6tablesSave: [ip6tables-nft-save]',
        '  firewallMonitor: []',
        '  netfilterMonitor: []',
        `  ip6tablesRestore: [${restore === 'false' ? '"false"' : `ip6tables-${restore}`}]`,
        resources.length === 0 ? 'resources: []' : 'resources:',
        ...resources.map((r) => `  - ${r}`),
        '',
      ].join('\n'),
    );
  const once = async (path: string, ...extra: string[]): Promise<CliRun> => runCli(['--once', '--config', path, ...extra], { timeoutMs: 120_000 });
  const names = async (): Promise<string[]> => ((await readStatusJson(statusFile))?.resources ?? []).map((r) => `${r.kind}/${r.name}`);
  const v4 = (): Promise<string> => inNetns(['iptables-nft-save', '-t', 'filter']);
  const v6 = (): Promise<string> => inNetns(['ip6tables-nft-save', '-t', 'filter']);
  const tables = async (): Promise<string> => inNetns(['nft', 'list', 'tables']);

  before(async () => {
    if (skip !== false) return;
    const image = await ensureBusyboxImage();
    const id = (await docker(['run', '-d', '--network', 'none', '--label', 'reconciler.test=true', '--label', `reconciler.test.fw-removed=${RUN}`, image])).stdout.trim();
    pid = (await docker(['inspect', '-f', '{{.State.Pid}}', id])).stdout.trim();
    assert.match(pid, /^[1-9][0-9]*$/);
    await inNetns(['iptables-nft-restore', '--noflush'], DOCKER_SETUP('10.99.0.0/16'));
    await inNetns(['ip6tables-nft-restore', '--noflush'], DOCKER_SETUP('fd99::/16'));
    await inNetns(['nft', '-f', '-'], OTHER_TABLE);
  });
  after(async () => {
    await removeLabelled({ labels: { 'reconciler.test.fw-removed': RUN } });
  });

  const guard = '{ name: guard, kind: PublishedPortFirewall, default: deny, allowFrom: [198.18.9.0/24] }';

  it('iptables: a clean-up that fails stays in the status; the next run removes chain and jump, touching nothing else, and forgets it', { skip }, async () => {
    const before4 = await v4();
    const before6 = await v6();
    const first = await once(config([guard]));
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(await v4(), /-A DOCKER-USER -j RECONCILE-PUBLISHED\n/);
    assert.match(await v6(), /:RECONCILE-PUBLISHED/);
    assert.deepEqual(await names(), ['PublishedPortFirewall/guard']);

    // Removed, but the clean-up cannot write (iptables-restore fails): nothing removed, still remembered.
    const failing = await once(config([], 'false'));
    assert.equal(failing.code, 1, failing.stdout + failing.stderr);
    assert.match(failing.stdout + failing.stderr, /guard/);
    assert.match(await v4(), /:RECONCILE-PUBLISHED/);
    assert.deepEqual(await names(), ['PublishedPortFirewall/guard']);

    // A dry run says what it would remove, and removes nothing.
    const dry = await once(config([]), '--dry-run');
    assert.equal(dry.code, 2, dry.stdout + dry.stderr);
    assert.match(dry.stdout + dry.stderr, /guard/);
    assert.match(dry.stdout + dry.stderr, /removed from the configuration/);
    assert.match(dry.stdout, /RECONCILE-PUBLISHED/);
    assert.match(await v4(), /:RECONCILE-PUBLISHED/);

    const cleaned = await once(config([]));
    assert.equal(cleaned.code, 0, cleaned.stdout + cleaned.stderr);
    assert.match(cleaned.stdout + cleaned.stderr, /removed from the configuration/);
    const after4 = await v4();
    assert.ok(!after4.includes('RECONCILE-PUBLISHED'), after4);
    assert.ok(!(await v6()).includes('RECONCILE-PUBLISHED'));
    assert.equal(foreign(after4), foreign(before4), 'nothing outside the chain and the jump changed');
    assert.equal(foreign(await v6()), foreign(before6));
    assert.match(await tables(), /table inet other/);
    assert.deepEqual(await names(), [], 'forgotten once cleaned up');

    // Forgotten: a chain of that name made later (by someone else) is left alone.
    await inNetns(['iptables-nft', '-N', 'RECONCILE-PUBLISHED']);
    const again = await once(config([]));
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(await v4(), /:RECONCILE-PUBLISHED/);
    await inNetns(['iptables-nft', '-X', 'RECONCILE-PUBLISHED']);
  });

  it('nftables: the table inet reconcile goes, the other table stays', { skip }, async () => {
    const first = await once(config([guard.replace(' }', ', backend: nftables }')]));
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(await tables(), /table inet reconcile/);
    const cleaned = await once(config([]));
    assert.equal(cleaned.code, 0, cleaned.stdout + cleaned.stderr);
    const left = await tables();
    assert.ok(!left.includes('table inet reconcile'), left);
    assert.match(left, /table inet other/);
    assert.match(await inNetns(['nft', 'list', 'table', 'inet', 'other']), /tcp dport 9 drop/);
    assert.deepEqual(await names(), []);
  });

  it('renamed: the PublishedPortFirewall now configured owns the chain; the old name is forgotten without a clean-up', { skip }, async () => {
    assert.equal((await once(config([guard]))).code, 0);
    const renamed = await once(config([guard.replace('name: guard', 'name: guard2')]));
    assert.equal(renamed.code, 0, renamed.stdout + renamed.stderr);
    assert.match(renamed.stdout + renamed.stderr, /not cleaned up/);
    assert.match(await v4(), /-A DOCKER-USER -j RECONCILE-PUBLISHED\n/);
    assert.deepEqual(await names(), ['PublishedPortFirewall/guard2']);
    assert.equal((await once(config([]))).code, 0);
    assert.ok(!(await v4()).includes('RECONCILE-PUBLISHED'));
  });

  it('daemon: a SIGHUP without it removes chain and jump; at its start, one removed while it was stopped is removed too', { skip }, async () => {
    const path = config([guard]);
    const daemon = startDaemon(['--config', path]);
    try {
      await waitFor('the chain', async () => (await v4()).includes('-A DOCKER-USER -j RECONCILE-PUBLISHED'), 60_000);
      await waitFor('guard in the status', async () => (await names()).includes('PublishedPortFirewall/guard'), 60_000);
      writeFileSync(path, readFileSync(config([]), 'utf8'));
      daemon.process.kill('SIGHUP');
      await waitFor('the chain gone', async () => !(await v4()).includes('RECONCILE-PUBLISHED'), 60_000);
      await waitFor('guard forgotten', async () => (await names()).length === 0, 60_000);
      assert.match(daemon.stderr(), /removed from the configuration/);
      assert.ok(!(await v6()).includes('RECONCILE-PUBLISHED'));
    } finally {
      assert.equal(await daemon.stop(), 0, daemon.stderr());
    }

    assert.equal((await once(config([guard]))).code, 0);
    assert.match(await v4(), /:RECONCILE-PUBLISHED/);
    const restarted = startDaemon(['--config', config([])]);
    try {
      await waitFor('the chain gone after the start', async () => !(await v4()).includes('RECONCILE-PUBLISHED'), 60_000);
      await waitFor('guard forgotten after the start', async () => (await names()).length === 0, 60_000);
    } finally {
      assert.equal(await restarted.stop(), 0, restarted.stderr());
    }
  });
});
