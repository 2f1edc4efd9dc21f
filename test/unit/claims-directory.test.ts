import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { ClaimsDirectory, MAX_CLAIM_BYTES } from '../../src/adapters/claims-directory';
import type { Owner } from '../../src/adapters/process-owner';
import { ConfinedPath, hostPath } from '../../src/host/file-system';

// The claims directory (adapters/claims-directory.ts) on real files, with fake owners whose
// liveness the test decides: another live controller's claim refuses, a stale one is taken over,
// one's own is re-entrant, a damaged entry is never followed nor trusted.

const base = mkdtempSync(join(tmpdir(), 'reconciler-claims-'));
let n = 0;
const fresh = (): string => join(base, `case-${n++}`);
const owner = (pid: number): Owner => ({ pid, start: `${pid}00`, boot: 'boot-1' });

/** Controllers on one claims directory; `alive` decides which owners still run. */
function world(dir = join(fresh(), 'claims')) {
  const alive = new Set<number>();
  const controller = (pid: number, statusFile = `/var/lib/c${pid}/status.json`): ClaimsDirectory => {
    alive.add(pid);
    return new ClaimsDirectory({ dir, statusFile, me: owner(pid), live: (o) => alive.has(o.pid) && o.start === `${o.pid}00` });
  };
  const files = (): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : []);
  const only = (): { pid: number; statusFile: string; path: string } => {
    const [file] = files();
    assert.ok(file, 'one claim file');
    return JSON.parse(readFileSync(join(dir, file), 'utf8')) as { pid: number; statusFile: string; path: string };
  };
  return { dir, alive, controller, files, only };
}

const target = (): ReturnType<typeof hostPath> => {
  const dir = fresh();
  mkdirSync(dir, { recursive: true });
  return hostPath(join(dir, 'listen.conf'));
};

describe('ClaimsDirectory: two controllers, one file', () => {
  after(() => rmSync(base, { recursive: true, force: true }));

  it("another live controller's claim refuses the write and names it; the claim stays its own", () => {
    const w = world();
    const path = target();
    assert.deepEqual(w.controller(101).claim([path]), { kind: 'claimed' });
    const result = w.controller(202).claim([path]);
    assert.deepEqual(result, { kind: 'held', holder: { path, pid: 101, statusFile: '/var/lib/c101/status.json' } });
    assert.equal(w.only().pid, 101);
    assert.equal(lstatSync(w.dir).mode & 0o777, 0o700);
  });

  it('a claim whose owner is gone (crash, reboot, reused pid) is taken over', () => {
    const w = world();
    const path = target();
    w.controller(101).claim([path]);
    w.alive.delete(101);
    assert.deepEqual(w.controller(202).claim([path]), { kind: 'claimed' });
    assert.equal(w.only().pid, 202);
  });

  it("one's own claims are re-entrant, and a controller with the same status file (a --once beside its daemon) shares them", () => {
    const w = world();
    const path = target();
    const daemon = w.controller(101, '/var/lib/reconciler/status.json');
    daemon.claim([path]);
    const before = readFileSync(join(w.dir, w.files()[0] as string), 'utf8');
    assert.deepEqual(daemon.claim([path]), { kind: 'claimed' });
    assert.deepEqual(w.controller(303, '/var/lib/reconciler/status.json').claim([path]), { kind: 'claimed' });
    assert.equal(readFileSync(join(w.dir, w.files()[0] as string), 'utf8'), before, 'not rewritten');
  });

  it('releaseAll removes only the claims still its own; then the other controller takes the file', () => {
    const w = world();
    const [a, b] = [target(), target()];
    const first = w.controller(101);
    first.claim([a, b]);
    w.alive.delete(101);
    w.controller(202).claim([a]); // took a over while 101 looked dead
    first.releaseAll();
    assert.deepEqual(w.files().length, 1);
    assert.equal(w.only().pid, 202);
    assert.deepEqual(w.controller(303).claim([b]), { kind: 'claimed' });
  });

  it('all or nothing: a plan with one held file claims none of the others', () => {
    const w = world();
    const [a, b] = [target(), target()];
    w.controller(101).claim([a]);
    assert.equal(w.controller(202).claim([b, a]).kind, 'held');
    assert.equal(w.files().length, 1);
  });

  it('a dry run (check) writes nothing: no directory, no claim; it still sees a live holder', () => {
    const w = world();
    const path = target();
    assert.deepEqual(w.controller(101).check([path]), { kind: 'claimed' });
    assert.equal(existsSync(w.dir), false);
    w.controller(202).claim([path]);
    assert.equal(w.controller(101).check([path]).kind, 'held');
    assert.equal(w.only().pid, 202);
  });

  it('the real path is claimed: a file reached through a linked directory is the same file', () => {
    const w = world();
    const real = fresh();
    mkdirSync(real, { recursive: true });
    const link = `${real}-link`;
    symlinkSync(real, link);
    w.controller(101).claim([hostPath(join(real, 'd', 'listen.conf'))]);
    const result = w.controller(202).claim([hostPath(join(link, 'd', 'listen.conf'))]);
    assert.equal(result.kind === 'held' && result.holder.path, join(real, 'd', 'listen.conf'));
  });

  it('a ConfinedPath is claimed below its real root (a volume reached through a link is the same volume)', () => {
    const w = world();
    const root = fresh();
    mkdirSync(root, { recursive: true });
    symlinkSync(root, `${root}-link`);
    w.controller(101).claim([ConfinedPath.inside(root, 'conf.d/cockpit.conf')]);
    assert.equal(w.only().path, join(root, 'conf.d/cockpit.conf'));
    assert.equal(w.controller(202).claim([ConfinedPath.inside(`${root}-link`, 'conf.d/cockpit.conf')]).kind, 'held');
  });
});

describe('ClaimsDirectory: a claim file is input', () => {
  /** The claim file `holder` wrote for `path`, replaced by what `tamper` leaves; then 202 claims. */
  function tampered(tamper: (file: string, original: Record<string, unknown>) => void) {
    const w = world();
    const path = target();
    w.controller(101).claim([path]);
    const file = join(w.dir, w.files()[0] as string);
    const original = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    rmSync(file);
    tamper(file, original);
    return { w, path, file, result: w.controller(202).claim([path]) };
  }

  it('a symlink is never followed: its target (a live claim elsewhere, or a host file) is left alone and the link replaced', () => {
    const victim = join(fresh(), 'victim');
    mkdirSync(join(victim, '..'), { recursive: true });
    const live = JSON.stringify({ version: 1, path: '/x', pid: 101, start: '10100', boot: 'boot-1', statusFile: '/var/lib/c101/status.json' });
    writeFileSync(victim, live);
    const { w, file, result } = tampered((f) => symlinkSync(victim, f));
    assert.deepEqual(result, { kind: 'claimed' });
    assert.equal(readFileSync(victim, 'utf8'), live);
    assert.ok(lstatSync(file).isFile());
    assert.equal(w.only().pid, 202);
  });

  it(`a file larger than ${MAX_CLAIM_BYTES} bytes, garbage, a claim of another path, or a FIFO is no owner`, () => {
    // Each is the live owner 101's own record, made unacceptable in one way.
    const variants: ((o: Record<string, unknown>) => string)[] = [
      (o) => JSON.stringify({ ...o, pad: 'x'.repeat(MAX_CLAIM_BYTES) }),
      (o) => JSON.stringify(o).slice(0, 30),
      (o) => JSON.stringify({ ...o, path: '/etc/passwd' }),
      (o) => JSON.stringify({ ...o, pid: '101; rm -rf /' }),
      (o) => JSON.stringify({ ...o, statusFile: 'relative/status.json' }),
      (o) => JSON.stringify({ ...o, version: 2 }),
      () => '[]',
      () => 'null',
    ];
    for (const variant of variants) {
      const { w, result } = tampered((f, o) => writeFileSync(f, variant(o)));
      assert.deepEqual(result, { kind: 'claimed' }, variant.toString());
      assert.equal(w.only().pid, 202);
    }
    const intact = tampered((f, o) => writeFileSync(f, JSON.stringify(o)));
    assert.equal(intact.result.kind, 'held', 'the same record, intact, is a live owner');
    const { w, result } = tampered((f) => execFileSync('mkfifo', [f]));
    assert.deepEqual(result, { kind: 'claimed' });
    assert.equal(w.only().pid, 202);
  });

  it('a directory in place of a claim cannot be replaced: unavailable, with the reason', () => {
    const { result } = tampered((f) => mkdirSync(f));
    assert.equal(result.kind, 'unavailable');
  });

  it('an unsafe claims directory (a symlink, writable by others) is refused', () => {
    const real = fresh();
    mkdirSync(real, { recursive: true, mode: 0o700 });
    const link = `${real}-link`;
    symlinkSync(real, link);
    const viaLink = world(link).controller(101).claim([target()]);
    assert.equal(viaLink.kind === 'unavailable' && /symlink/.test(viaLink.problem), true, JSON.stringify(viaLink));
    chmodSync(real, 0o777);
    const open = world(real).controller(101).claim([target()]);
    assert.equal(open.kind === 'unavailable' && /writable by others/.test(open.problem), true, JSON.stringify(open));
    assert.deepEqual(readdirSync(real), [], 'nothing written into either');
  });
});

describe('ClaimsDirectory: interleavings of controllers (fast-check, model-based)', () => {
  const seed = Number(process.env.FC_SEED ?? 42);
  type Step = { op: 'claim' | 'check'; who: number; paths: number[] } | { op: 'release' | 'crash'; who: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ op: fc.constantFrom('claim' as const, 'check' as const), who: fc.nat(2), paths: fc.uniqueArray(fc.nat(2), { minLength: 1, maxLength: 3 }) }),
    fc.record({ op: fc.constantFrom('release' as const, 'crash' as const), who: fc.nat(2) }),
  );

  it('a claim succeeds exactly when no other live controller holds one of its files, and then the files are its own', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const w = world();
        const paths = [target(), target(), target()];
        const pids = [100, 200, 300]; // a crash restarts the controller with a new pid (same status file)
        const make = (who: number): ClaimsDirectory => w.controller(pids[who] as number, `/var/lib/c${who}/status.json`);
        const controllers = [0, 1, 2].map(make);
        const model = new Map<number, number>(); // path → pid of the claim's owner
        for (const s of steps) {
          if (s.op === 'release') {
            (controllers[s.who] as ClaimsDirectory).releaseAll();
            for (const [p, pid] of model) if (pid === pids[s.who]) model.delete(p);
            continue;
          }
          if (!('paths' in s)) {
            // crash: the controller is restarted with a new pid (same status file)
            w.alive.delete(pids[s.who] as number);
            pids[s.who] = (pids[s.who] as number) + 1;
            controllers[s.who] = make(s.who);
            continue;
          }
          const me = pids[s.who] as number;
          const heldBy = s.paths.map((p) => model.get(p)).find((pid) => pid !== undefined && pid !== me && w.alive.has(pid));
          const result = (controllers[s.who] as ClaimsDirectory)[s.op](s.paths.map((p) => paths[p] as ReturnType<typeof hostPath>));
          assert.equal(result.kind, heldBy === undefined ? 'claimed' : 'held', JSON.stringify({ s, model: [...model] }));
          if (result.kind === 'held') assert.equal(result.holder.pid, heldBy);
          if (result.kind === 'claimed' && s.op === 'claim') for (const p of s.paths) model.set(p, me);
        }
        assert.equal(w.files().length, model.size, 'one claim file per claimed path, none left by a release');
      }),
      { seed, numRuns: 150 },
    );
  });
});
