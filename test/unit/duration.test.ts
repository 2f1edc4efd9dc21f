import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from '../../src/core/duration';

describe('parseDuration', () => {
  const valid: [string | number, number][] = [
    ['100ms', 100],
    ['0ms', 0],
    ['1ms', 1],
    ['30s', 30_000],
    ['1s', 1000],
    ['0s', 0],
    ['1.5s', 1500],
    ['0.5s', 500],
    ['1.5m', 90_000],
    ['5m', 300_000],
    ['60m', 3_600_000],
    ['1h', 3_600_000],
    ['0.25ms', 0],
    ['0.5ms', 1],
    ['1.0001s', 1000],
    [' 30s ', 30_000],
    ['30 s', 30_000],
    ['100  ms', 100],
    ['007s', 7000],
    [0, 0],
    [100, 100],
    [1500, 1500],
    [1.5, 1.5],
  ];
  for (const [input, ms] of valid) {
    it(`parses ${JSON.stringify(input)} as ${ms} ms`, () => {
      assert.equal(parseDuration(input), ms);
    });
  }

  const invalid: (string | number)[] = [
    '',
    ' ',
    '100',
    '30',
    's',
    'ms',
    '-1s',
    '+1s',
    '-1',
    '1.s',
    '.5s',
    '1,5s',
    '1e3ms',
    '30sec',
    '30S',
    '30MS',
    '1d',
    '1us',
    '1 m s',
    '1s2ms',
    '30s;rm -rf /',
    '30s\u0000',
    '\uFF13\uFF10s',
    'Infinitys',
    'NaNs',
    '0x10s',
    -1,
    -0.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ];
  for (const input of invalid) {
    it(`rejects ${typeof input === 'string' ? JSON.stringify(input) : String(input)}`, () => {
      assert.equal(parseDuration(input), undefined);
    });
  }

  it('ends on hostile input (no catastrophic backtracking)', () => {
    const started = Date.now();
    assert.equal(parseDuration(`${'1'.repeat(100_000)}x`), undefined);
    assert.equal(parseDuration(`1${' '.repeat(100_000)}x`), undefined);
    assert.equal(parseDuration(`1.${'1'.repeat(100_000)}.s`), undefined);
    // A bound for a blow-up, not a speed: bench/parsers.ts times it.
    assert.ok(Date.now() - started < 30_000);
  });
});

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0ms'],
    [1, '1ms'],
    [100, '100ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [1550, '1.6s'],
    [30_000, '30s'],
    [59_900, '59.9s'],
    [60_000, '1m'],
    [90_000, '1.5m'],
    [300_000, '5m'],
    [3_600_000, '60m'],
  ];
  for (const [ms, text] of cases) {
    it(`formats ${ms} ms as ${text}`, () => {
      assert.equal(formatDuration(ms), text);
    });
  }

  it('round-trips through parseDuration within the precision it shows', () => {
    for (const ms of [0, 1, 50, 999, 1000, 1200, 30_000, 45_500, 60_000, 90_000, 600_000, 3_600_000]) {
      const back = parseDuration(formatDuration(ms));
      assert.notEqual(back, undefined, formatDuration(ms));
      const tolerance = ms < 1000 ? 0 : ms < 60_000 ? 50 : 3000;
      assert.ok(Math.abs((back as number) - ms) <= tolerance, `${ms} -> ${formatDuration(ms)} -> ${back}`);
    }
  });
});
