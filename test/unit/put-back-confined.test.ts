import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { RaceHook } from '../../src/adapters/confined-files';
import { NodeFileSystem } from '../../src/adapters/node-file-system';
import { PendingCommands } from '../../src/controller/pending-commands';
import { runPass } from '../../src/controller/run-pass';
import type { PassResult } from '../../src/controller/outcome';
import type { CommandResult } from '../../src/host/command-runner';
import { ConfinedPath } from '../../src/host/file-system';
import { FileLine } from '../../src/resources/file-line/file-line';
import type { Resource } from '../../src/resources/resource';
import { MemoryHost } from '../support/memory-host';
import { passDeps } from '../support/pass-fakes';

/**
 * Attack class 1 of issue 15: the container answers the check (`nginx -t`); while it runs, it
 * swaps a directory of its volume for a link to a host directory. The put-back of the previous
 * bytes must go through the confined layer like the write did: refused (UnsafePath), host untouched.
 */
let base = '';
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'put-back-'));
});
after(() => rm(base, { recursive: true, force: true }));
let runs = 0;

interface World {
  /** Holds the volume, the host directory and the record: everything here but the volume and the record is "outside". */
  dir: string;
  vol: string;
  host: string;
  record: string;
  hostFiles: Map<string, string>;
}

async function world(): Promise<World> {
  const dir = join(base, `w${runs++}`);
  const vol = join(dir, 'vol');
  const host = join(dir, 'host');
  await mkdir(join(vol, 'conf'), { recursive: true });
  await mkdir(host, { recursive: true });
  await writeFile(join(vol, 'conf', 'app.conf'), 'set $port 9090;\n');
  // Host files named like the volume's: what the old put-back overwrote or deleted.
  const hostFiles = new Map([['app.conf', 'HOST app\n'], ['new.conf', 'HOST new\n'], ['cert.pem', 'HOST cert\n']]);
  for (const [name, text] of hostFiles) await writeFile(join(host, name), text);
  return { dir, vol, host, record: join(dir, 'status.json.pending.json'), hostFiles };
}

/** The ways a container can rearrange its volume at a given moment. */
type Swap = 'none' | 'dir-to-host' | 'dir-to-outside' | 'file-to-host-file' | 'restore';

async function swap(w: World, kind: Swap): Promise<void> {
  const conf = join(w.vol, 'conf');
  if (kind === 'none') return;
  await rm(`${conf}.real`, { recursive: true, force: true }).catch(() => undefined);
  if (kind === 'restore') {
    await rm(conf, { recursive: true, force: true });
    await mkdir(conf, { recursive: true });
    await writeFile(join(conf, 'app.conf'), 'set $port 9090;\n');
    return;
  }
  if (kind === 'dir-to-host' || kind === 'dir-to-outside') {
    await rename(conf, `${conf}.real`).catch(() => rm(conf, { force: true }));
    // To the host directory, or to the directory that holds the volume itself (and the record).
    await symlink(kind === 'dir-to-host' ? w.host : w.dir, conf);
    return;
  }
  await rm(conf, { recursive: true, force: true });
  await mkdir(conf, { recursive: true });
  await symlink(join(w.host, 'app.conf'), join(conf, 'app.conf'));
}

function resources(host: MemoryHost, files: NodeFileSystem, file = 'conf/app.conf', vol = ''): Resource[] {
  if (file === 'conf/new.conf') return [creates(ConfinedPath.inside(vol, join(vol, file)))];
  const afterChange = { exec: { container: 'proxy', command: ['nginx', '-s', 'reload'] }, check: { exec: { container: 'proxy', command: ['nginx', '-t'] } } };
  return [new FileLine({ name: 'proxy-port', kind: 'FileLine', source: 'apphub', volume: 'v', file, match: '^set \\$port ', template: 'set $port {value};', afterChange }, files, host.docker)];
}

/** A resource that creates a file in the volume (as DirectoryMirror does) and has a check. */
function creates(path: ConfinedPath): Resource {
  const check = { exec: { container: 'proxy', argv: ['nginx', '-t'] } };
  return {
    name: 'creator', kind: 'Fake', source: null, containers: () => [],
    observe: async () => ({ state: null, watch: [], value: null, summary: '' }),
    plan: () => ({ changes: [{ path, before: null, after: 'NEW\n' }], commands: [{ exec: { container: 'proxy', argv: ['nginx', '-s', 'reload'] }, check }] }),
  };
}

/** One pass whose check (run in the "container") performs `atCheck` and exits `checkCode`. */
async function pass(w: World, o: { atCheck: Swap; checkCode: number; race?: Swap; file?: string; value?: number }): Promise<PassResult> {
  const host = new MemoryHost();
  let raced = false;
  const race: RaceHook = async () => {
    if (raced || !o.race) return;
    raced = true;
    await swap(w, o.race);
  };
  const files = new NodeFileSystem(race);
  host.docker.volumeMountpoint = async () => w.vol;
  host.docker.exec = async (_c: string, argv: readonly string[]): Promise<CommandResult> => {
    if (argv.join(' ') === 'nginx -t') {
      await swap(w, o.atCheck);
      return { kind: 'exited', exitCode: o.checkCode, stdout: '', stderr: o.checkCode === 0 ? '' : 'nginx: [emerg] test failed\n' };
    }
    return { kind: 'exited', exitCode: 0, stdout: '', stderr: '' };
  };
  const deps = { ...passDeps(host, resources(host, files, o.file, w.vol), o.value ?? 9000), files };
  return runPass(deps, { dryRun: false, triggers: ['test'], pending: new PendingCommands(files, w.record) });
}

async function assertHostUntouched(w: World, context: string): Promise<void> {
  assert.deepEqual((await readdir(w.host)).sort(), [...w.hostFiles.keys()].sort(), `no host file added or removed (${context})`);
  for (const [name, text] of w.hostFiles) assert.equal(await readFile(join(w.host, name), 'utf8'), text, `${name} (${context})`);
  // Nothing else outside the volume either: beside it only the host directory and the agent's own record.
  const outside = (await readdir(w.dir)).filter((name) => name !== 'vol' && name !== 'host' && join(w.dir, name) !== w.record);
  assert.deepEqual(outside, [], `no byte lands outside the volume (${context})`);
}

describe('the put-back after a failed check goes through the confined layer', () => {
  it('a directory swapped for a link to a host directory during the check: refused (UnsafePath), the host file keeps its bytes', async () => {
    const w = await world();
    const result = await pass(w, { atCheck: 'dir-to-host', checkCode: 1 });
    const o = result.resources[0];
    assert.equal(o?.reason, 'UnsafePath', o?.message);
    assert.match(o?.message ?? '', /could not put back .*conf\/app\.conf: .*symlink/);
    await assertHostUntouched(w, 'dir swapped');
  });

  it('a file the pass created, put back by deleting it: a link swapped in never deletes the host file of that name', async () => {
    const w = await world();
    const result = await pass(w, { atCheck: 'dir-to-host', checkCode: 1, file: 'conf/new.conf' });
    assert.equal(result.resources[0]?.reason, 'UnsafePath', result.resources[0]?.message);
    await assertHostUntouched(w, 'created file');
  });

  it('a directory swapped for a link to the directory that holds the volume: nothing lands beside the volume', async () => {
    const w = await world();
    const result = await pass(w, { atCheck: 'dir-to-outside', checkCode: 1 });
    assert.equal(result.resources[0]?.reason, 'UnsafePath', result.resources[0]?.message);
    await assertHostUntouched(w, 'dir swapped for its grandparent');
  });

  it('without a swap the put-back restores the exact bytes (CheckFailed)', async () => {
    const w = await world();
    const result = await pass(w, { atCheck: 'none', checkCode: 1 });
    assert.equal(result.resources[0]?.reason, 'CheckFailed');
    assert.equal(await readFile(join(w.vol, 'conf', 'app.conf'), 'utf8'), 'set $port 9090;\n');
  });
});

describe('a tampered pending record is never acted on', () => {
  it('an undo image naming a host path is not put back; the record is reported damaged; the pass still runs', async () => {
    const w = await world();
    const victim = join(w.host, 'cert.pem');
    const undo = [{ path: victim, root: null, before: Buffer.from('ATTACK\n').toString('base64') }];
    await writeFile(w.record, JSON.stringify({ version: 1, resources: { 'proxy-port': { since: '', commands: [], undo } } }));
    const result = await pass(w, { atCheck: 'none', checkCode: 1 });
    const o = result.resources[0];
    assert.equal(o?.reason, 'CheckFailed');
    assert.match(o?.message ?? '', /damaged record: an undo image names .*cert\.pem.*not acted on/);
    await assertHostUntouched(w, 'tampered image');
  });

  it('with a passing check the tampered image is still reported (PendingRecord DamagedRecord on that resource), never used, then dropped', async () => {
    const w = await world();
    const undo = [{ path: join(w.host, 'cert.pem'), root: null, before: null }];
    await writeFile(w.record, JSON.stringify({ version: 1, resources: { 'proxy-port': { since: '', commands: [], undo } } }));
    const result = await pass(w, { atCheck: 'none', checkCode: 0 });
    const o = result.resources[0];
    assert.equal(o?.reason, 'Applied', o?.message);
    const condition = o?.conditions?.find((c) => c.type === 'PendingRecord');
    assert.equal(condition?.reason, 'DamagedRecord', JSON.stringify(o));
    assert.match(condition?.message ?? '', /undo images of proxy-port name .*cert\.pem, not its files; not acted on/);
    await assertHostUntouched(w, 'tampered image, passing check');
    await assert.rejects(readFile(w.record), /ENOENT/, 'the entry is done with: the record is replaced');
  });

  it('an image with a root of its own choosing (`/`) is refused as well', async () => {
    const w = await world();
    const undo = [{ path: join(w.host, 'cert.pem'), root: '/', before: Buffer.from('ATTACK\n').toString('base64') }];
    await writeFile(w.record, JSON.stringify({ version: 1, resources: { 'proxy-port': { since: '', commands: [], undo } } }));
    const result = await pass(w, { atCheck: 'none', checkCode: 1 });
    assert.match(result.resources[0]?.message ?? '', /damaged record/);
    await assertHostUntouched(w, 'tampered root');
  });

  for (const [what, record] of [
    ['malformed JSON', '{"version": 1, "resour'],
    ['an unknown resource name', JSON.stringify({ version: 1, resources: { 'not-configured': { since: '', commands: [], undo: [] } } })],
    ['an undo image that is not base64', JSON.stringify({ version: 1, resources: { 'proxy-port': { since: '', commands: [], undo: [{ path: '/etc/x', root: null, before: '!!' }] } } })],
    ['a relative path', JSON.stringify({ version: 1, resources: { 'proxy-port': { since: '', commands: [], undo: [{ path: 'etc/x', root: null, before: null }] } } })],
  ] as const) {
    it(`${what}: condition PendingRecord=False DamagedRecord on the pass, and the record is replaced`, async () => {
      const w = await world();
      await writeFile(w.record, record);
      const result = await pass(w, { atCheck: 'none', checkCode: 0 });
      const condition = result.resources[0]?.conditions?.find((c) => c.type === 'PendingRecord');
      assert.equal(condition?.reason, 'DamagedRecord', JSON.stringify(result.resources[0]));
      assert.match(condition?.message ?? '', /damaged record .*not acted on/);
      await assertHostUntouched(w, what);
      await assert.rejects(readFile(w.record), /ENOENT/, 'replaced (here: nothing owed any more)');
    });
  }
});

/**
 * Property: whatever the container does to its volume — at the check, or between a confined
 * walk's check and its use (RaceHook) — and whatever the check answers, over a sequence of
 * passes: no byte lands outside the volume and no host file is removed or changed.
 */
describe('property: link swaps and check outcomes never reach the host', () => {
  const seed = Number(process.env.FC_SEED ?? 42);
  const swaps = fc.constantFrom<Swap>('none', 'dir-to-host', 'dir-to-outside', 'file-to-host-file', 'restore');
  const step = fc.record({ atCheck: swaps, race: swaps, checkCode: fc.constantFrom(0, 1), file: fc.constantFrom('conf/app.conf', 'conf/new.conf', 'conf/cert.pem'), value: fc.constantFrom(9000, 9001) });
  it('holds for sequences of passes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 5 }), async (steps) => {
        const w = await world();
        for (const [i, s] of steps.entries()) {
          await pass(w, s);
          await assertHostUntouched(w, `step ${i}: ${JSON.stringify(s)}`);
        }
      }),
      { seed, numRuns: 60, verbose: true },
    ).catch((error: unknown) => {
      throw new Error(`FC_SEED=${seed}: ${String(error)}`);
    });
  });
});
