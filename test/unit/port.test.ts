import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPort, quoteForHumans } from '../../src/core/port';

describe('checkPort', () => {
  const accepted: [string, number][] = [
    ['1', 1],
    ['80', 80],
    ['443', 443],
    ['9000', 9000],
    ['9090', 9090],
    ['10000', 10000],
    ['65534', 65534],
    ['65535', 65535],
  ];
  for (const [raw, port] of accepted) {
    it(`accepts ${JSON.stringify(raw)}`, () => {
      assert.deepEqual(checkPort(raw), { ok: true, port });
    });
  }

  const rejected: [string, string][] = [
    ['70000', 'above 65535'],
    ['65536', 'just above 65535'],
    ['99999', 'five digits, out of range'],
    ['100000', 'six digits'],
    ['0', 'zero'],
    ['00', 'zeros'],
    ['-1', 'negative'],
    ['-9000', 'negative'],
    ['abc', 'letters'],
    ['', 'empty'],
    ['9000; rm -rf /', 'shell injection'],
    ['9000 9001', 'two ports'],
    ['9000,9001', 'list'],
    ['0x2328', 'hexadecimal'],
    ['0o21450', 'octal literal'],
    ['0b1', 'binary literal'],
    [' 9000 ', 'surrounded by spaces'],
    [' 9000', 'leading space'],
    ['9000 ', 'trailing space'],
    ['\t9000', 'leading tab'],
    ['9000\n', 'trailing newline'],
    ['\n9000', 'leading newline'],
    ['9000\r', 'trailing carriage return'],
    ['+9000', 'plus sign'],
    ['9000.0', 'decimal point'],
    ['9000.', 'trailing dot'],
    ['9e3', 'exponent'],
    ['1e3', 'exponent'],
    ['09000', 'leading zero'],
    ['01', 'leading zero'],
    ['\uFF19\uFF10\uFF10\uFF10', 'fullwidth digits ９０００'],
    ['\u0669\u0660\u0660\u0660', 'Arabic-Indic digits'],
    ['\u0669', 'single Arabic-Indic digit'],
    ['90\u000000', 'NUL inside'],
    ['9000\u0000', 'NUL at the end'],
    ['\uFEFF9000', 'byte order mark'],
    ['9000\u200B', 'zero-width space'],
    ['Infinity', 'Infinity'],
    ['NaN', 'NaN'],
    ['9_000', 'numeric separator'],
    ['9000abc', 'trailing letters'],
    [':9000', 'colon prefix'],
    ['[::]:9000', 'address with port'],
    ['9'.repeat(10_000), 'very long'],
  ];
  for (const [raw, why] of rejected) {
    it(`rejects ${quoteForHumans(raw)} (${why})`, () => {
      const result = checkPort(raw);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.ok(result.problem.length > 0);
        assert.ok(result.problem.length < 200, 'the problem message stays short for hostile input');
      }
    });
  }

  it('agrees with a brute-force definition for every 0..70000 and with zero padding', () => {
    for (let n = 0; n <= 70_000; n++) {
      const result = checkPort(String(n));
      assert.equal(result.ok, n >= 1 && n <= 65535, `port ${n}`);
      if (result.ok) assert.equal(result.port, n);
      assert.equal(checkPort(`0${n}`).ok, false, `0${n}`);
    }
  });
});

describe('quoteForHumans', () => {
  const cases: [string, string][] = [
    ['9000', '"9000"'],
    ['', '""'],
    ['a"b', '"a\\"b"'],
    ['a\nb', '"a\\nb"'],
    ['\u0000', '"\\u0000"'],
    ['x'.repeat(40), `"${'x'.repeat(40)}"`],
    ['x'.repeat(41), `"${'x'.repeat(40)}…"`],
    ['y'.repeat(5000), `"${'y'.repeat(40)}…"`],
  ];
  for (const [raw, quoted] of cases) {
    it(`quotes ${JSON.stringify(raw.slice(0, 12))} (length ${raw.length})`, () => {
      assert.equal(quoteForHumans(raw), quoted);
    });
  }
});
