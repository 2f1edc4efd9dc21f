import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import fc from 'fast-check';
import { NodeFileSystem } from '../../src/adapters/node-file-system';
import { FileError } from '../../src/core/errors';
import { ConfinedPath, NOT_REGULAR, TOO_LARGE, UNSAFE_PATH } from '../../src/host/file-system';

const fs = new NodeFileSystem();
const SEED = Number(process.env.FC_SEED ?? 42);

/** A volume (`root`) and, beside it, host files a container must never reach. */
let base: string;
let root: string;
let outside: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'reconciler-confined-'));
  root = join(base, 'volume');
  outside = join(base, 'host');
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, 'victim.conf'), 'HOST FILE\n');
  await writeFile(join(root, 'sub', 'inside.conf'), 'INSIDE\n');
});
afterEach(async () => rm(base, { recursive: true, force: true }));

const code = (expected: string, pattern?: RegExp) => (error: unknown): boolean => {
  assert.ok(error instanceof FileError, String(error));
  assert.equal(error.code, expected, error.message);
  if (pattern) assert.match(error.message, pattern);
  return true;
};

async function hostUntouched(): Promise<void> {
  assert.deepEqual(await readdir(outside), ['victim.conf']);
  assert.equal(await readFile(join(outside, 'victim.conf'), 'utf8'), 'HOST FILE\n');
}

describe('confined reads (within a volume)', () => {
  it('an absolute symlink is refused, naming the link', async () => {
    await symlink(join(outside, 'victim.conf'), join(root, 'sub', 'custom_var.conf'));
    await assert.rejects(fs.readFile(ConfinedPath.inside(root, join(root, 'sub', 'custom_var.conf'))), code(UNSAFE_PATH, /sub\/custom_var\.conf is a symlink to .*victim\.conf, outside/));
  });

  it('a relative symlink climbing out of the root is refused', async () => {
    await symlink('../../host/victim.conf', join(root, 'sub', 'up.conf'));
    await assert.rejects(fs.readFile(ConfinedPath.inside(root, join(root, 'sub', 'up.conf'))), code(UNSAFE_PATH, /climbs above/));
  });

  it('a symlinked directory on the way out is refused', async () => {
    await symlink(outside, join(root, 'linked'));
    await assert.rejects(fs.readFile(ConfinedPath.inside(root, join(root, 'linked', 'victim.conf'))), code(UNSAFE_PATH, /linked is a symlink/));
  });

  it('a relative symlink staying inside is followed for reads, refused with links: refuse', async () => {
    await symlink('sub/inside.conf', join(root, 'alias.conf'));
    assert.equal((await fs.readFile(ConfinedPath.inside(root, join(root, 'alias.conf'))))?.toString(), 'INSIDE\n');
    await assert.rejects(fs.readFile(ConfinedPath.inside(root, join(root, 'alias.conf')), { links: 'refuse' }), code(UNSAFE_PATH, /alias\.conf is a symlink/));
  });

  it('a symlink to /dev/zero is refused without reading it', async () => {
    await symlink('/dev/zero', join(root, 'config.ini'));
    await assert.rejects(fs.readFile(ConfinedPath.inside(root, join(root, 'config.ini'))), code(UNSAFE_PATH));
  });

  // A read that blocked on the FIFO would never end: the timeout bounds that, not a speed.
  it('a FIFO and a device are refused at once (not a regular file), inside and as host paths', { timeout: 30_000 }, async () => {
    execFileSync('mkfifo', [join(root, 'fifo.ini')]);
    await assert.rejects(fs.readFile(ConfinedPath.inside(root, join(root, 'fifo.ini'))), code(NOT_REGULAR, /not a regular file \(fifo\)/));
    await assert.rejects(fs.readFile(join(root, 'fifo.ini')), code(NOT_REGULAR, /not a regular file \(fifo\)/));
    await assert.rejects(fs.readFile('/dev/zero'), code(NOT_REGULAR, /character device/));
    await symlink('/dev/zero', join(base, 'zero-link'));
    await assert.rejects(fs.readFile(join(base, 'zero-link')), code(NOT_REGULAR, /character device/));
  });

  it('reads stop at the cap: a larger file is refused', async () => {
    await writeFile(join(root, 'big'), Buffer.alloc(1025, 0x61));
    await assert.rejects(fs.readFile(ConfinedPath.inside(root, join(root, 'big')), { maxBytes: 1024 }), code(TOO_LARGE));
    await assert.rejects(fs.readFile(join(root, 'big'), { maxBytes: 1024 }), code(TOO_LARGE));
    assert.equal((await fs.readFile(join(root, 'big'), { maxBytes: 1025 }))?.length, 1025);
  });

  it('a missing file or directory is null', async () => {
    assert.equal(await fs.readFile(ConfinedPath.inside(root, join(root, 'nope', 'x'))), null);
    assert.equal(await fs.readFile(ConfinedPath.inside(root, join(root, 'sub', 'inside.conf', 'x'))), null);
  });
});

describe('confined writes and deletions', () => {
  it('never writes through a symlinked file or directory', async () => {
    await symlink(join(outside, 'victim.conf'), join(root, 'sub', 'custom_var.conf'));
    await symlink(outside, join(root, 'custom_ssl'));
    await assert.rejects(fs.writeFileAtomic(ConfinedPath.inside(root, join(root, 'sub', 'custom_var.conf')), 'set $x 1;\n'), code(UNSAFE_PATH, /custom_var\.conf is a symlink/));
    await assert.rejects(fs.writeFileAtomic(ConfinedPath.inside(root, join(root, 'custom_ssl', 'a.cert')), 'CERT'), code(UNSAFE_PATH, /custom_ssl is a symlink/));
    await hostUntouched();
    assert.ok((await lstat(join(root, 'sub', 'custom_var.conf'))).isSymbolicLink(), 'the link is left as it was');
  });

  it('never deletes through or at a symlink', async () => {
    await symlink(outside, join(root, 'custom_ssl'));
    await symlink(join(outside, 'victim.conf'), join(root, 'sub', 'old.cert'));
    await assert.rejects(fs.remove(ConfinedPath.inside(root, join(root, 'custom_ssl', 'victim.conf'))), code(UNSAFE_PATH));
    await assert.rejects(fs.remove(ConfinedPath.inside(root, join(root, 'sub', 'old.cert'))), code(UNSAFE_PATH));
    await hostUntouched();
  });

  it('creates missing directories, keeps mode, deletes regular files', async () => {
    await fs.writeFileAtomic(ConfinedPath.inside(root, join(root, 'a', 'b', 'c.key')), Buffer.from([0, 0xe9, 0x0d]), { mode: 0o600 });
    assert.deepEqual(await readFile(join(root, 'a', 'b', 'c.key')), Buffer.from([0, 0xe9, 0x0d]));
    assert.equal((await stat(join(root, 'a', 'b', 'c.key'))).mode & 0o777, 0o600);
    await fs.remove(ConfinedPath.inside(root, join(root, 'a', 'b', 'c.key')));
    assert.deepEqual(await readdir(join(root, 'a', 'b')), []);
  });

  it('lists a tree through opened directories; a symlinked root below the volume is refused', async () => {
    await symlink(outside, join(root, 'custom_ssl'));
    assert.deepEqual(await fs.listTree(ConfinedPath.inside(root, root), { links: 'refuse' }), [
      { path: 'custom_ssl', type: 'symlink', mode: (await lstat(join(root, 'custom_ssl'))).mode & 0o7777 },
      { path: 'sub/inside.conf', type: 'file', mode: 0o644 },
    ]);
    await assert.rejects(fs.listTree(ConfinedPath.inside(root, join(root, 'custom_ssl')), { links: 'refuse' }), code(UNSAFE_PATH));
  });
});

describe('a link swapped in between the check and the use cannot win', () => {
  /** A NodeFileSystem whose race hook runs `swap` once, after its checks and before it acts. */
  const racing = (swap: () => Promise<void>): NodeFileSystem => {
    let done = false;
    return new NodeFileSystem(async () => {
      if (done) return;
      done = true;
      await swap();
    });
  };

  it('write: the parent directory replaced by a link to a host directory', async () => {
    const files = racing(async () => {
      await rename(join(root, 'sub'), join(root, 'moved'));
      await symlink(outside, join(root, 'sub'));
    });
    await files.writeFileAtomic(ConfinedPath.inside(root, join(root, 'sub', 'victim.conf')), 'ATTACK\n');
    await hostUntouched();
    assert.equal(await readFile(join(root, 'moved', 'victim.conf'), 'utf8'), 'ATTACK\n', 'written into the directory that was checked');
  });

  it('write: the target replaced by a link to a host file', async () => {
    await writeFile(join(root, 'sub', 'custom_var.conf'), 'old\n');
    const files = racing(async () => {
      await rm(join(root, 'sub', 'custom_var.conf'));
      await symlink(join(outside, 'victim.conf'), join(root, 'sub', 'custom_var.conf'));
    });
    await files.writeFileAtomic(ConfinedPath.inside(root, join(root, 'sub', 'custom_var.conf')), 'new\n');
    await hostUntouched();
    assert.ok((await lstat(join(root, 'sub', 'custom_var.conf'))).isFile(), 'the link itself was replaced');
  });

  it('delete: the target replaced by a link, or its directory by a link to the host', async () => {
    await writeFile(join(root, 'sub', 'old.cert'), 'old\n');
    await files(async () => {
      await rm(join(root, 'sub', 'old.cert'));
      await symlink(join(outside, 'victim.conf'), join(root, 'sub', 'old.cert'));
    }).remove(ConfinedPath.inside(root, join(root, 'sub', 'old.cert')));
    await hostUntouched();
    await writeFile(join(root, 'sub', 'victim.conf'), 'in volume\n');
    await files(async () => {
      await rename(join(root, 'sub'), join(root, 'moved'));
      await symlink(outside, join(root, 'sub'));
    }).remove(ConfinedPath.inside(root, join(root, 'sub', 'victim.conf')));
    await hostUntouched();
    function files(swap: () => Promise<void>): NodeFileSystem {
      return racing(swap);
    }
  });

  it('read: the file replaced by a link to /dev/zero or a FIFO is refused, never read', { timeout: 30_000 }, async () => {
    const toZero = racing(async () => {
      await rm(join(root, 'sub', 'inside.conf'));
      await symlink('/dev/zero', join(root, 'sub', 'inside.conf'));
    });
    await assert.rejects(toZero.readFile(ConfinedPath.inside(root, join(root, 'sub', 'inside.conf'))), code(UNSAFE_PATH, /replaced by a symlink/));
    await writeFile(join(root, 'sub', 'fifo'), 'x');
    const toFifo = racing(async () => {
      await rm(join(root, 'sub', 'fifo'));
      execFileSync('mkfifo', [join(root, 'sub', 'fifo')]);
    });
    await assert.rejects(toFifo.readFile(ConfinedPath.inside(root, join(root, 'sub', 'fifo'))), code(NOT_REGULAR, /fifo/));
  });
});

/** `root/parts…` made of real directories (created when missing), or null when a link or file is in the way. */
async function mkdirsNoFollow(parts: string[]): Promise<string | null> {
  let dir = root;
  for (const part of parts) {
    dir = join(dir, part);
    const info = await lstat(dir).catch(() => null);
    if (info === null) await mkdir(dir);
    else if (!info.isDirectory()) return null;
  }
  return dir;
}

describe('property: whatever links a volume holds, a confined read returns only bytes from inside it', () => {
  it('random trees of files, directories and links', async () => {
    const name = fc.constantFrom('a', 'b', 'c');
    const target = fc.oneof(
      fc.array(fc.constantFrom('a', 'b', 'c', '..', '.'), { minLength: 1, maxLength: 4 }).map((p) => p.join('/')),
      fc.constantFrom('/dev/zero', '../host/victim.conf', '../../host', '/'),
    );
    const entry = fc.record({ dir: fc.array(name, { maxLength: 2 }), name, link: fc.option(target, { nil: undefined }) });
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 8 }), fc.array(name, { minLength: 1, maxLength: 3 }), async (entries, probe) => {
        await rm(root, { recursive: true, force: true });
        await mkdir(root);
        for (const e of entries) {
          // Built without ever following a link (the test must not write outside by itself).
          const dir = await mkdirsNoFollow(e.dir);
          if (dir === null) continue;
          const path = join(dir, e.name);
          if (e.link !== undefined) await symlink(e.link, path).catch(() => undefined);
          else await writeFile(path, `inside:${e.dir.join('/')}/${e.name}`, { flag: 'wx' }).catch(() => undefined);
        }
        try {
          const data = await fs.readFile(ConfinedPath.inside(root, join(root, ...probe)));
          if (data !== null) assert.match(data.toString(), /^inside:/);
        } catch (error) {
          assert.ok(error instanceof FileError && [UNSAFE_PATH, NOT_REGULAR].includes(error.code), String(error));
        }
        await hostUntouched();
      }),
      { seed: SEED, numRuns: 150, verbose: true },
    );
  });
});

describe('a confined write into a root that does not exist yet', () => {
  it('creates the root (it is trusted) and the file', async () => {
    const fresh = join(base, 'new', 'to');
    await fs.writeFileAtomic(ConfinedPath.inside(fresh, join(fresh, 'a.cert')), 'A');
    assert.equal(await readFile(join(fresh, 'a.cert'), 'utf8'), 'A');
  });
});

describe('confined walks close every directory they open', () => {
  const openFds = async (): Promise<number> => (await readdir('/proc/self/fd')).length;

  it('reads, removals and listings of paths that do not exist (or end at a file) leave no descriptor open', async () => {
    const paths = [join(root, 'missing', 'sub', 'x.conf'), join(root, 'sub', 'inside.conf', 'x.conf'), join(root, 'sub', 'gone', 'deeper', 'x.conf')];
    const before = await openFds();
    for (let i = 0; i < 200; i++) {
      for (const path of paths) {
        assert.equal(await fs.readFile(ConfinedPath.inside(root, path)), null);
        await fs.remove(ConfinedPath.inside(root, path));
        assert.equal(await fs.listTree(ConfinedPath.inside(root, path)), null);
      }
    }
    // Without the fix every call left one or more directories open (hundreds here).
    assert.ok((await openFds()) - before <= 2, `descriptors open before ${before}, after ${await openFds()}`);
  });
});
