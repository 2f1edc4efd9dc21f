import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { findCulprits } from '../../src/controller/find-culprits';
import { PendingCommands } from '../../src/controller/pending-commands';
import { runPass, type PassOptions } from '../../src/controller/run-pass';
import type { ResourceOutcome } from '../../src/controller/outcome';
import type { ListedContainer } from '../../src/host/container-listing';
import type { CommandResult } from '../../src/host/command-runner';
import { hostPath } from '../../src/host/file-system';
import { createEngine } from '../../src/resources/template/liquid-engine';
import { planTemplate, type TemplateState } from '../../src/resources/template/plan-template';
import { Template } from '../../src/resources/template/template';
import type { TemplateSpec } from '../../src/config/kind-specs';
import { containerSet, listed } from '../support/listed-containers';
import { MemoryHost } from '../support/memory-host';
import { passDeps, valueSource } from '../support/pass-fakes';

const SEED = Number(process.env.FC_SEED ?? 42);
const TEMPLATE = '/etc/reconciler/vhosts.conf.liquid';
const TARGET = '/etc/nginx/conf.d/vhosts.conf';
/** No safe-output filter on the name: the check has to catch `x; }`. */
const RAW = '{% for c in containers %}server { server_name {{ c.labels["reconcile.vhost"] }}; location / { proxy_pass http://{{ c.ip | address }}:80; } }\n{% endfor %}';
const RELOAD = 'run nsenter -t 1 -- systemctl reload nginx';
const CHECK = 'run nsenter -t 1 -- nginx -t';
const PASS: PassOptions = { dryRun: false, triggers: ['test'] };

const spec = (extra: Partial<TemplateSpec> = {}): TemplateSpec => ({
  name: 'vhosts',
  kind: 'Template',
  source: 'web',
  template: TEMPLATE,
  path: TARGET,
  mode: 0o644,
  afterChange: { systemctl: ['reload', 'nginx'], check: { command: ['nginx', '-t'] } },
  ...extra,
});

const vhost = (name: string, host: string, ip = '172.17.0.2'): ListedContainer => listed(name, { 'reconcile.vhost': host }, ip);

/** A host whose `nginx -t` refuses a file holding `x; }` (as nginx does: an unexpected `}`). */
function setup(containers: ListedContainer[], template = RAW) {
  const host = new MemoryHost();
  host.files.set(TEMPLATE, Buffer.from(template));
  const source = valueSource(containerSet(containers), 'web');
  const resource = new Template(spec(), host.fs);
  const deps = passDeps(host, [resource], [source]);
  const check = async (argv: readonly string[]): Promise<CommandResult> => {
    const line = `run ${argv.join(' ')}`;
    host.log.push(line);
    const bad = line === CHECK && (host.files.get(TARGET)?.toString() ?? '').includes('x; }');
    return bad ? { kind: 'exited', exitCode: 1, stdout: '', stderr: 'nginx: [emerg] unexpected "}" in /etc/nginx/conf.d/vhosts.conf:2' } : { kind: 'exited', exitCode: 0, stdout: '', stderr: '' };
  };
  const run = async (options: PassOptions = PASS): Promise<ResourceOutcome> => {
    const result = await runPass({ ...deps, runner: { run: check } }, options);
    return result.resources[0] as ResourceOutcome;
  };
  const count = (line: string): number => host.log.filter((l) => l === line).length;
  const file = (): string => host.files.get(TARGET)?.toString() ?? '';
  return { host, source, run, count, file, setContainers: (list: ListedContainer[]) => (source.read = async () => ({ kind: 'value', value: containerSet(list), origin: 'test' })) };
}

describe('Template in a pass: render, check, reload only on change', () => {
  it('renders, checks, reloads once; a resync reloads nothing', async () => {
    const t = setup([vhost('b', 'b.test', '172.17.0.3'), vhost('a', 'a.test')]);
    const first = await t.run();
    assert.equal(first.reason, 'Applied', first.message);
    assert.equal(t.file(), 'server { server_name a.test; location / { proxy_pass http://172.17.0.2:80; } }\nserver { server_name b.test; location / { proxy_pass http://172.17.0.3:80; } }\n');
    assert.equal(t.count(RELOAD), 1);
    const again = await t.run();
    assert.equal(again.reason, 'InSync');
    assert.equal(t.count(RELOAD), 1);
    assert.equal(t.count(CHECK), 1);
  });

  it('a container that breaks the check is found and left out; the others are applied, reloaded, and later changes still apply', async () => {
    const good = Array.from({ length: 7 }, (_, i) => vhost(`site${i}`, `s${i}.test`, `172.17.0.${10 + i}`));
    const t = setup([...good, vhost('bad', 'x; }')]);
    const first = await t.run();
    assert.equal(first.reason, 'CheckFailed');
    assert.match(first.message, /check failed with container bad \(left out\): `nsenter -t 1 -- nginx -t` exited with code 1: nginx: \[emerg\] unexpected "}"/);
    assert.doesNotMatch(t.file(), /x; }/);
    for (let i = 0; i < 7; i++) assert.match(t.file(), new RegExp(`server_name s${i}\\.test;`));
    assert.equal(t.count(RELOAD), 1);
    // 1 full + everything out + at most 2 per halving (8 suspects: 3 levels) + the final file.
    assert.ok(t.count(CHECK) <= 1 + 1 + 2 * 3 + 1, `${t.count(CHECK)} check runs`);
    const checks = t.count(CHECK);

    const resync = await t.run();
    assert.equal(resync.reason, 'CheckFailed', 'still named while it is left out');
    assert.equal(t.count(RELOAD), 1, 'a resync does not reload');
    assert.equal(t.count(CHECK), checks, 'nor re-run the search');

    const moved = [...good.slice(1), vhost('site0', 's0.test', '172.17.0.99'), vhost('bad', 'x; }')];
    t.setContainers(moved);
    const changed = await t.run();
    assert.equal(changed.reason, 'CheckFailed');
    assert.match(t.file(), /proxy_pass http:\/\/172\.17\.0\.99:80/);
    assert.equal(t.count(RELOAD), 2);
    assert.equal(t.count(CHECK), checks + 1, 'the known culprit stays out: one check');

    t.setContainers([...moved.slice(0, -1), listed('bad', { 'reconcile.vhost': 'bad.test' }, '172.17.0.50', { id: 'id-bad-2' })]);
    const fixed = await t.run();
    assert.equal(fixed.reason, 'Applied', fixed.message);
    assert.match(t.file(), /server_name bad\.test;/);
    assert.equal(t.count(RELOAD), 3);
  });

  it('a culprit added to a file in sync is left out with no reload: the file ends as it was', async () => {
    const good = [vhost('a', 'a.test'), vhost('b', 'b.test', '172.17.0.3')];
    const t = setup(good);
    assert.equal((await t.run()).reason, 'Applied');
    const before = t.file();
    t.setContainers([...good, vhost('bad', 'x; }', '172.17.0.9')]);
    const added = await t.run();
    assert.equal(added.reason, 'CheckFailed');
    assert.match(added.message, /container bad \(left out\)/);
    assert.equal(t.file(), before);
    assert.equal(t.count(RELOAD), 1, 'only the first render reloaded');
    t.setContainers([...good, vhost('bad', 'x; }', '172.17.0.9'), vhost('c', 'c.test', '172.17.0.4')]);
    await t.run();
    assert.match(t.file(), /server_name c\.test;/);
    assert.equal(t.count(RELOAD), 2, 'a real change beside the culprit reloads');
  });

  it('a template syntax error leaves the file untouched and is reported; fixing the template applies', async () => {
    const t = setup([vhost('a', 'a.test')]);
    await t.run();
    const before = t.file();
    t.host.files.set(TEMPLATE, Buffer.from('{% for c in containers %}{{ c.name }'));
    const broken = await t.run();
    assert.equal(broken.reason, 'CannotConverge');
    assert.match(broken.message, /template \/etc\/reconciler\/vhosts\.conf\.liquid: /);
    assert.equal(t.file(), before);
    t.host.files.set(TEMPLATE, Buffer.from('{% for c in containers %}{{ c.name }}\n{% endfor %}'));
    assert.equal((await t.run()).reason, 'Applied');
    assert.equal(t.file(), 'a\n');
    assert.equal(t.count(RELOAD), 2);
  });

  it('an empty template (truncated by its writer, the content not there yet) renders nothing: the file stays, no reload', async () => {
    const t = setup([vhost('a', 'a.test')]);
    await t.run();
    const before = t.file();
    for (const empty of ['', '\n  \n']) {
      t.host.files.set(TEMPLATE, Buffer.from(empty));
      const outcome = await t.run();
      assert.equal(outcome.reason, 'CannotConverge');
      assert.match(outcome.message, /is empty \(being written\?\)/);
      assert.equal(t.file(), before);
    }
    assert.equal(t.count(RELOAD), 1);
  });

  it('when the check fails with no container to blame, the previous bytes come back and nothing reloads', async () => {
    const t = setup([vhost('a', 'a.test')], 'x; }\n{% for c in containers %}{{ c.name }}{% endfor %}');
    t.host.files.set(TARGET, Buffer.from('old\n'));
    const o = await t.run();
    assert.equal(o.reason, 'CheckFailed');
    assert.equal(t.file(), 'old\n');
    assert.equal(t.count(RELOAD), 0);
  });
});

describe('findCulprits', () => {
  it('finds every culprit of a failing check with few runs, or says none is to blame', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 60 }), fc.array(fc.nat(), { maxLength: 4 }), async (suspects, picks) => {
        const culprits = new Set(picks.map((p) => suspects[p % suspects.length] as number));
        // Called only when the check failed with every suspect in: at least one culprit.
        fc.pre(culprits.size > 0);
        let runs = 0;
        const found = await findCulprits(suspects, async (excluded) => {
          runs++;
          return [...culprits].every((c) => excluded.includes(c));
        });
        assert.deepEqual(new Set(found), culprits);
        assert.ok(runs <= 1 + 2 * culprits.size * Math.ceil(Math.log2(suspects.length) + 1), `${runs} runs for ${suspects.length} suspects`);
      }),
      { seed: SEED, numRuns: 200 },
    );
    assert.equal(await findCulprits([1, 2], async () => false), null, 'still failing with every suspect out: none is to blame');
  });
});

// The reference: what the file must be, written independently of the implementation.
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const SAFE = '{% for c in containers %}server { server_name {{ c.labels["reconcile.vhost"] | hostname }}; listen {{ c.labels["reconcile.port"] | port }}; proxy_pass http://{{ c.ip | address }}; }\n{% endfor %}';

describe('Template rendering (property)', () => {
  it('the file equals a plain rendering of the valid containers, whatever the label values', () => {
    const value = fc.oneof(fc.constantFrom('a.test', 'b.example.org', 'x; }', '', '-a', 'a..b', '*.a', 'ok-1.test', '{{ x }}', '{% raw %}', 'a\nb', '80', '65536', '0', '443', '1.2.3.4'), fc.string({ maxLength: 12 }));
    const ip = fc.constantFrom('172.17.0.2', '198.18.0.9', '', '1.2.3', '::1', '10.0.0.256');
    const container = fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), host: value, port: value, ip });
    fc.assert(
      fc.property(fc.uniqueArray(container, { selector: (c) => c.name, maxLength: 12 }), (cs) => {
        const list = cs.map((c) => listed(c.name, { 'reconcile.vhost': c.host, 'reconcile.port': c.port }, c.ip));
        const set = containerSet(list);
        const state: TemplateState = { template: { ok: true, text: SAFE }, target: { exists: false }, inPlace: false };
        const plan = planTemplate(set, state, { templatePath: TEMPLATE, path: hostPath(TARGET), mode: 0o644, after: [], engine: createEngine() }, new Map(), { retryCommands: false });
        const valid = set.containers.filter((c) => {
          const port = c.labels['reconcile.port'] ?? '';
          return HOSTNAME.test(c.labels['reconcile.vhost'] ?? '') && /^[1-9]\d{0,4}$/.test(port) && Number(port) <= 65535 && (IPV4.test(c.networks[0]?.ip ?? '') || c.networks[0]?.ip === '::1');
        });
        const expected = valid.map((c) => `server { server_name ${c.labels['reconcile.vhost']}; listen ${Number(c.labels['reconcile.port'])}; proxy_pass http://${c.networks[0]?.ip}; }\n`).join('');
        assert.equal(plan.problem, undefined);
        assert.equal(plan.changes[0]?.after ?? '', expected);
        const invalid = set.containers.length - valid.length;
        assert.equal(plan.leftOut?.reason, invalid > 0 ? 'InvalidDesiredValue' : undefined);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('Template after a crash between its write and its check', () => {
  it('the next pass finds the file in sync, owes the check, and when it fails puts back the recorded bytes (its own file, not a damaged record)', async () => {
    const t = setup([vhost('bad', 'x; }')]);
    const record = '/status.json.pending.json';
    // What a process killed after writing and before checking leaves: the new file, the record of the old bytes.
    t.host.files.set(TARGET, Buffer.from('server { server_name x; }; location / { proxy_pass http://172.17.0.2:80; } }\n'));
    const undo = [{ path: TARGET, root: null, before: Buffer.from('OLD\n').toString('base64') }];
    t.host.files.set(record, Buffer.from(JSON.stringify({ version: 1, resources: { vhosts: { since: '', commands: [], undo } } })));
    const outcome = await t.run({ ...PASS, pending: new PendingCommands(t.host.fs, record) });
    assert.equal(outcome.reason, 'CheckFailed', outcome.message);
    assert.doesNotMatch(outcome.message, /damaged record/);
    assert.equal(t.file(), 'OLD\n');
    assert.equal(t.count(RELOAD), 0);
  });
});
