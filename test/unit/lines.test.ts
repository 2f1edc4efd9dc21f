import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { splitLines } from '../../src/core/lines';

const seed = Number(process.env.FC_SEED ?? 42);

describe('splitLines', () => {
  it('cuts at the ends the reader knows, keeping each end', () => {
    assert.deepEqual(splitLines('a\r\nb\rc\n', /\r?\n/), { lines: ['a', 'b\rc', ''], ends: ['\r\n', '\n', ''] });
    assert.deepEqual(splitLines('a\r\nb\rc\n', /\r\n|\n|\r/), { lines: ['a', 'b', 'c', ''], ends: ['\r\n', '\r', '\n', ''] });
    assert.deepEqual(splitLines('', /\r?\n/), { lines: [''], ends: [''] });
  });

  it('lines and ends put together are the text, byte for byte (property)', () => {
    const text = fc.array(fc.constantFrom('a', ' ', '\r', '\n', '\r\n', '\u00e9', '\u0000'), { maxLength: 60 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, fc.constantFrom(/\r?\n/, /\r\n|\n|\r/), (t, newline) => {
        const { lines, ends } = splitLines(t, newline);
        assert.equal(lines.map((line, i) => line + ends[i]).join(''), t);
        assert.ok(lines.every((line) => !/\n/.test(line)));
      }),
      { seed, numRuns: 500 },
    );
  });
});
