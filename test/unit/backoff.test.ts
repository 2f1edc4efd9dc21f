import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, type BackoffPolicy } from '../../src/controller/backoff';

describe('backoffDelay', () => {
  const policy: BackoffPolicy = { initialMs: 1000, maxMs: 60_000 };
  const ceiling = () => 1;
  const floor = () => 0;

  // [failures, random, expected ms]
  const cases: [number, () => number, number][] = [
    [1, ceiling, 1000],
    [2, ceiling, 2000],
    [3, ceiling, 4000],
    [4, ceiling, 8000],
    [5, ceiling, 16_000],
    [6, ceiling, 32_000],
    [7, ceiling, 60_000],
    [8, ceiling, 60_000],
    [100, ceiling, 60_000],
    [1_000_000, ceiling, 60_000],
    [1, floor, 500],
    [2, floor, 1000],
    [3, floor, 2000],
    [7, floor, 30_000],
    [100, floor, 30_000],
    [1, () => 0.5, 750],
    [3, () => 0.5, 3000],
    // Out-of-range failure counts behave like the first retry.
    [0, ceiling, 1000],
    [-3, ceiling, 1000],
  ];
  for (const [failures, random, expected] of cases) {
    it(`failure ${failures}, random ${random()} → ${expected} ms`, () => {
      assert.equal(backoffDelay(failures, policy, random), expected);
    });
  }

  it('is always between half and all of the capped exponential ceiling', () => {
    for (let failures = 1; failures <= 12; failures++) {
      const top = Math.min(policy.maxMs, policy.initialMs * 2 ** (failures - 1));
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(failures, policy, Math.random);
        assert.ok(delay >= top / 2 && delay <= top, `failure ${failures}: ${delay} not in [${top / 2}, ${top}]`);
      }
    }
  });

  it('never exceeds the maximum even when initial is larger', () => {
    assert.equal(backoffDelay(1, { initialMs: 5000, maxMs: 2000 }, ceiling), 2000);
  });

  it('returns whole milliseconds', () => {
    assert.equal(backoffDelay(1, { initialMs: 3, maxMs: 100 }, () => 0.5), 2); // 1.5 + 0.75 = 2.25
    assert.ok(Number.isInteger(backoffDelay(4, { initialMs: 333, maxMs: 10_000 }, () => 0.123)));
  });
});
