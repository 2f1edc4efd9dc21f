import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { diffLines } from 'diff';
import fc from 'fast-check';
import pino from 'pino';
import { NodeAppendLog } from '../../src/adapters/node-append-log';
import { systemClock } from '../../src/adapters/system-clock';
import { Journal } from '../../src/status/journal/journal';
import { Webhook } from '../../src/status/journal/webhook';
import { MAX_DIR_ENTRIES, MAX_TREE_ENTRIES, readDirBounded, treeBudget } from '../../src/adapters/bounded-dir';
import { MAX_COMMAND_OUTPUT_BYTES, MAX_RESPONSE_BODY_BYTES, OutputCollector, readBodyHead } from '../../src/adapters/bounded-stream';
import { ExecCommandRunner } from '../../src/adapters/exec-command-runner';
import { FetchHttpPoster } from '../../src/adapters/fetch-http-poster';
import { NodeFileSystem } from '../../src/adapters/node-file-system';
import { Budget, TOO_LARGE_INPUT, TooLargeError } from '../../src/core/budget';
import { ConfinedPath, fileErrorCode, TOO_LARGE } from '../../src/host/file-system';
import { boundedLineDiff, boundedPatch, DIFF_TIME_BUDGET_MS, DiffBudget, MAX_DIFF_EDIT_LINES, MAX_DIFF_INPUT_BYTES } from '../../src/status/journal/line-diff';

const seed = Number(process.env.FC_SEED ?? 42);

describe('Budget: the one accounting of bounded inputs', () => {
  it('counts up to its limit, then throws TooLargeError naming the source and the limit', () => {
    const budget = new Budget('output of nginx', 10);
    budget.take(6);
    budget.take(4);
    assert.equal(budget.left, 0);
    assert.throws(() => budget.take(1), (error: unknown) => error instanceof TooLargeError && error.code === TOO_LARGE_INPUT && error.message === 'output of nginx: more than 10 bytes');
    assert.throws(() => budget.take(0), TooLargeError, 'stays over');
    assert.equal(new Budget('listing of /x', 2, 'entries').error().message, 'listing of /x: more than 2 entries');
  });
});

describe('OutputCollector: stdout and stderr share one cap', () => {
  it('keeps both up to the cap; the first chunk past it calls onOverflow once and is not kept', () => {
    const overflows: TooLargeError[] = [];
    const output = new OutputCollector('output of x', (e) => overflows.push(e), 8);
    const out = new PassThrough();
    const err = new PassThrough();
    output.attach(out, err);
    out.write('abcd');
    err.write('efg');
    out.write('hi');
    err.write('more');
    assert.equal(output.stdout(), 'abcd');
    assert.equal(output.stderr(), 'efg');
    assert.equal(overflows.length, 1);
    assert.equal(output.overflow?.message, 'output of x: more than 8 bytes');
  });
});

describe('ExecCommandRunner: a host command printing endlessly', () => {
  it('is killed past the output cap, and the pass told why', async () => {
    const result = await new ExecCommandRunner().run(['sh', '-c', 'while :; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done'], { timeoutMs: 60_000 });
    assert.deepEqual(result, { kind: 'failed', message: `output of sh: more than ${MAX_COMMAND_OUTPUT_BYTES} bytes; killed` });
  });

  it('a command whose child keeps its pipes open still ends at the timeout', async () => {
    const result = await new ExecCommandRunner().run(['sh', '-c', 'sleep 300 & sleep 300'], { timeoutMs: 500 });
    assert.equal(result.kind, 'timed-out');
  });

  it('exit codes, output and a missing program are reported as before', async () => {
    assert.deepEqual(await new ExecCommandRunner().run(['sh', '-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 10_000 }), { kind: 'exited', exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
    assert.equal((await new ExecCommandRunner().run(['/nonexistent/tool'], { timeoutMs: 10_000 })).kind, 'not-found');
  });
});

describe('web bodies: a few KB are read, the rest cancelled', () => {
  let server: Server;
  let url: string;
  let sent = 0;
  let closed: Promise<void>;

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      closed = new Promise((resolve) => res.on('close', resolve));
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = (): void => {
        while (!res.destroyed && sent < 512 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed && sent < 512 * 1024 * 1024) res.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('an endless 200 answer is a response: the body is cut and the connection closed', async () => {
    const result = await new FetchHttpPoster().postJson(url, '{}', { timeoutMs: 30_000 });
    assert.deepEqual(result, { kind: 'response', status: 200 });
    await closed;
    // What the kernel's socket buffers took before the cancel, never the 512 MiB on offer.
    assert.ok(sent < 64 * 1024 * 1024, `server sent ${sent} bytes`);
  });

  it('readBodyHead stops at its limit', async () => {
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(1000));
      },
    });
    const { data, cut } = await readBodyHead(body);
    assert.equal(data.length, MAX_RESPONSE_BODY_BYTES);
    assert.equal(cut, true);
  });
});

describe('a webhook that never answers', () => {
  it('is abandoned once the flush bound has passed: the request is aborted, the entry dropped and counted', async () => {
    let requestClosed: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (requestClosed = resolve));
    const server = createServer((req) => {
      req.resume();
      req.socket.on('close', () => requestClosed());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const failures: string[] = [];
      const webhook = new Webhook({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, poster: new FetchHttpPoster(), clock: systemClock, timeoutMs: 600_000, onFailure: (p) => failures.push(p) });
      const journal = new Journal({ log: new NodeAppendLog(), file: join(tmpdir(), `bounds-${process.pid}.jsonl`), maxBytes: 1 << 20, logger: pino({ level: 'silent' }), webhook });
      webhook.send('{"a":1}');
      webhook.send('{"a":2}');
      assert.equal(await journal.flush(300), false);
      // Long before the attempt's own 10-minute timeout: the connection is closed now.
      await closed;
      assert.deepEqual(failures, ['closed before it was delivered; dropped', 'closed before it was delivered; dropped']);
      webhook.send('{"a":3}');
      assert.equal(webhook.pending, 0, 'a closed webhook holds and takes nothing more');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(join(tmpdir(), `bounds-${process.pid}.jsonl`), { force: true });
    }
  });
});

describe('directory listings are bounded in entries', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bounded-dir-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it(`a directory of more than ${MAX_DIR_ENTRIES} entries is refused (TOO_LARGE naming it), a smaller one listed sorted`, async () => {
    const big = join(dir, 'big');
    await mkdir(big);
    for (let i = 0; i <= MAX_DIR_ENTRIES; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, MAX_DIR_ENTRIES + 1 - i) }, (_, j) => writeFile(join(big, `junk${i + j}.cert`), '')));
    }
    await assert.rejects(readDirBounded(big, big, treeBudget(big)), (e: unknown) => fileErrorCode(e) === TOO_LARGE && String(e).includes(`directory ${big}: more than ${MAX_DIR_ENTRIES} entries`));
    const files = new NodeFileSystem();
    await assert.rejects(files.listTree(ConfinedPath.inside(dir, big), { links: 'refuse' }), (e: unknown) => fileErrorCode(e) === TOO_LARGE);
    await assert.rejects(files.listTree(big), (e: unknown) => fileErrorCode(e) === TOO_LARGE, 'a host tree too');
    await mkdir(join(dir, 'small'));
    await writeFile(join(dir, 'small', 'b'), '');
    await writeFile(join(dir, 'small', 'a'), '');
    assert.deepEqual(await readDirBounded(join(dir, 'small'), 'small', treeBudget('small')), ['a', 'b']);
  });

  it('the tree as a whole has its own cap', async () => {
    const budget = treeBudget('t');
    budget.take(MAX_TREE_ENTRIES);
    await assert.rejects(readDirBounded(join(dir, 'small'), 'small', budget), (e: unknown) => fileErrorCode(e) === TOO_LARGE && String(e).includes(`listing of t: more than ${MAX_TREE_ENTRIES} entries`));
  });
});

describe('diffs are bounded: hostile contents give a summary, never a quadratic diff', () => {
  const proxyFile = (port: number): string => Array.from({ length: 20_000 }, (_, i) => `set $cockpit_port ${port}; # ${i}`).join('\n') + '\n';

  it('20,000 changed lines (the proxy file attack): a summary of counts, computed in linear time', () => {
    const budget = new DiffBudget();
    const diff = boundedLineDiff(proxyFile(9090), proxyFile(9000), budget);
    assert.ok('summary' in diff);
    assert.deepEqual(diff.summary, { added: 20_000, removed: 20_000, text: '+20000 -20000 lines, diff omitted: too large' });
    assert.ok(budget.left() > 0, 'the summary costs none of the diff time');
    assert.equal(boundedPatch('/p.conf', proxyFile(9090), proxyFile(9000), budget), '# /p.conf: +20000 -20000 lines, diff omitted: too large\n');
  });

  it(`inputs over ${MAX_DIFF_INPUT_BYTES} bytes or a spent budget are summarised; small ones diffed as before`, () => {
    const huge = 'x\n'.repeat(MAX_DIFF_INPUT_BYTES / 2 + 1);
    assert.ok('summary' in boundedLineDiff(huge, `${huge}y\n`, new DiffBudget()));
    assert.ok('summary' in boundedLineDiff('a\n', 'b\n', new DiffBudget(0)));
    assert.equal(boundedPatch('/f', null, 'a\n', new DiffBudget()), '--- /dev/null\n+++ b/f\n@@ -0,0 +1,1 @@\n+a\n');
    assert.equal(boundedPatch('/f', 'a\nb\n', 'a\nc\n', new DiffBudget(DIFF_TIME_BUDGET_MS)), '--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n');
  });

  it(`a shuffle within ${MAX_DIFF_EDIT_LINES} edits by count but far more by position gives up at the edit bound`, () => {
    const before = Array.from({ length: 20_000 }, (_, i) => `line ${i}`);
    const after = [...before].reverse();
    const diff = boundedLineDiff(`${before.join('\n')}\n`, `${after.join('\n')}\n`, new DiffBudget());
    assert.ok('summary' in diff);
    assert.deepEqual([diff.summary.added, diff.summary.removed], [0, 0], 'counts as multisets: every line is kept');
  });

  it('property: a bounded diff is the real diff, or a summary whose counts never exceed the real ones', () => {
    const text = fc.array(fc.constantFrom('a', 'b', 'c', 'set x 1;', ''), { maxLength: 40 }).map((lines) => lines.map((l) => `${l}\n`).join(''));
    fc.assert(
      fc.property(text, text, fc.constantFrom(0, 1000), (before, after, ms) => {
        const real = diffLines(before, after);
        const count = (added: boolean): number => real.filter((p) => (added ? p.added : p.removed)).reduce((n, p) => n + (p.count ?? 0), 0);
        const bounded = boundedLineDiff(before, after, new DiffBudget(ms));
        if ('parts' in bounded) assert.deepEqual(bounded.parts, real);
        else {
          assert.ok(bounded.summary.added <= count(true) && bounded.summary.removed <= count(false));
          assert.equal(bounded.summary.added - bounded.summary.removed, count(true) - count(false));
        }
      }),
      { seed, numRuns: 300 },
    );
  });
});
