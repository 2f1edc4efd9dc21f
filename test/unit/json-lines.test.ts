import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { jsonLines } from '../../src/triggers/json-lines';

/** Collect everything the generator yields, plus the garbage it reported. */
function collect(stream: PassThrough): { done: Promise<Record<string, unknown>[]>; garbage: string[] } {
  const garbage: string[] = [];
  const done = (async () => {
    const out: Record<string, unknown>[] = [];
    for await (const value of jsonLines(stream, (line) => garbage.push(line))) out.push(value);
    return out;
  })();
  return { done, garbage };
}

/** Fails instead of hanging the test run when the generator never finishes. */
function within<T>(promise: Promise<T>, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('jsonLines', () => {
  it('yields each object of a chunk that holds several', async () => {
    const stream = new PassThrough();
    const { done, garbage } = collect(stream);
    stream.end('{"a":1}\n{"b":2}\n{"c":{"d":[3]}}\n');
    assert.deepEqual(await within(done), [{ a: 1 }, { b: 2 }, { c: { d: [3] } }]);
    assert.deepEqual(garbage, []);
  });

  it('joins one object split across three chunks, even inside a multi-byte UTF-8 character', async () => {
    const line = Buffer.from('{"Actor":{"Attributes":{"name":"apphub-é€😀"}}}\n', 'utf8');
    const euro = line.indexOf(Buffer.from('€', 'utf8'));
    const emoji = line.indexOf(Buffer.from('😀', 'utf8'));
    const stream = new PassThrough();
    const { done, garbage } = collect(stream);
    stream.write(line.subarray(0, euro + 1)); // ends after the first byte of €
    stream.write(line.subarray(euro + 1, emoji + 2)); // ends inside 😀
    stream.end(line.subarray(emoji + 2));
    assert.deepEqual(await within(done), [{ Actor: { Attributes: { name: 'apphub-é€😀' } } }]);
    assert.deepEqual(garbage, []);
  });

  it('yields objects as they arrive, before the stream ends', async () => {
    const stream = new PassThrough();
    const iterator = jsonLines(stream);
    stream.write('{"first":true}\n{"sec');
    assert.deepEqual((await within(iterator.next())).value, { first: true });
    stream.write('ond":true}\n');
    assert.deepEqual((await within(iterator.next())).value, { second: true });
    stream.end();
    assert.equal((await within(iterator.next())).done, true);
  });

  it('skips blank lines and CRLF line ends', async () => {
    const stream = new PassThrough();
    const { done, garbage } = collect(stream);
    stream.end('\n\n   \n{"a":1}\r\n\r\n\t\n{"b":2}\n\n');
    assert.deepEqual(await within(done), [{ a: 1 }, { b: 2 }]);
    assert.deepEqual(garbage, []);
  });

  it('reports garbage and non-object lines, and carries on', async () => {
    const stream = new PassThrough();
    const { done, garbage } = collect(stream);
    stream.write('{"a":1}\nnot json at all\n{"b":');
    stream.write('2}\n[{"c":3}]\n42\n"text"\nnull\n{"trunc');
    stream.end('\n{"d":4}');
    assert.deepEqual(await within(done), [{ a: 1 }, { b: 2 }, { d: 4 }]);
    assert.deepEqual(garbage, ['not json at all', '[{"c":3}]', '42', '"text"', 'null', '{"trunc']);
  });

  it('yields a last object that has no newline', async () => {
    const stream = new PassThrough();
    const { done } = collect(stream);
    stream.end('{"a":1}\n{"b":2}');
    assert.deepEqual(await within(done), [{ a: 1 }, { b: 2 }]);
  });

  it('propagates a stream error (the daemon connection was reset)', async () => {
    const stream = new PassThrough();
    const { done } = collect(stream);
    stream.write('{"a":1}\n');
    setImmediate(() => stream.destroy(new Error('aborted')));
    await assert.rejects(within(done), /aborted/);
  });

  it('finishes when the stream is destroyed without an error (no end event)', async () => {
    const stream = new PassThrough();
    const { done } = collect(stream);
    stream.write('{"a":1}\n');
    setImmediate(() => stream.destroy());
    assert.deepEqual(await within(done), [{ a: 1 }]);
  });
});

describe('jsonLines bounds', () => {
  it('drops a line longer than the bound as it arrives, and carries on with the next', async () => {
    const stream = new PassThrough();
    const garbage: string[] = [];
    const done = (async () => {
      const out: Record<string, unknown>[] = [];
      for await (const value of jsonLines(stream, (line) => garbage.push(line), 64)) out.push(value);
      return out;
    })();
    stream.write('{"a":1}\n{"huge":"');
    for (let i = 0; i < 100; i += 1) stream.write('x'.repeat(1000));
    stream.write('"}\n{"b":2}\n{"c":"');
    stream.end(`${'y'.repeat(100)}"}\n{"d":4}`);
    assert.deepEqual(await within(done), [{ a: 1 }, { b: 2 }, { d: 4 }]);
    assert.deepEqual(garbage, ['a line of more than 64 bytes (dropped)', 'a line of more than 64 bytes (dropped)']);
  });

  it('a garbage line is reported by its first 200 characters only', async () => {
    const stream = new PassThrough();
    const garbage: string[] = [];
    const done = (async () => {
      for await (const value of jsonLines(stream, (line) => garbage.push(line))) void value;
    })();
    stream.end(`${'z'.repeat(5000)}\n`);
    await within(done);
    assert.deepEqual(garbage, ['z'.repeat(200)]);
  });
});
