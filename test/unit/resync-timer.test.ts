import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { take } from 'rxjs';
import { jittered, resyncTriggers } from '../../src/triggers/resync-timer';
import type { Trigger } from '../../src/triggers/trigger';
import { FakeClock } from '../support/fake-clock';

describe('jittered', () => {
  it('stays within ±10 % of the interval', () => {
    assert.equal(jittered(30_000, () => 0), 27_000);
    assert.equal(jittered(30_000, () => 1), 33_000);
    assert.equal(jittered(30_000, () => 0.5), 30_000);
    for (let i = 0; i < 1000; i++) {
      const d = jittered(30_000, Math.random);
      assert.ok(d >= 27_000 && d <= 33_000, `${d}`);
    }
  });
});

describe('resyncTriggers', () => {
  it('emits resync at the jittered interval and keeps re-arming', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const randoms = [0, 1, 0.5, 0, 1];
    let i = 0;
    const at: number[] = [];
    const got: Trigger[] = [];
    const sub = resyncTriggers(10_000, clock, () => randoms[i++ % randoms.length] as number).subscribe((t) => {
      got.push(t);
      at.push(clock.now() - t0);
    });
    assert.equal(clock.pendingTimers, 1);
    await clock.advance(8_999);
    assert.equal(got.length, 0);
    await clock.advance(1);
    assert.deepEqual(got, [{ kind: 'resync' }]);
    await clock.advance(60_000);
    // 9000, +11000, +10000, +9000, +11000, +9000 (next at 70000, after the 69000 reached)
    assert.deepEqual(at, [9000, 20_000, 30_000, 39_000, 50_000, 59_000]);
    assert.equal(clock.pendingTimers, 1, 'exactly one timer armed at any time');
    sub.unsubscribe();
  });

  it('unsubscribe cancels the timer', async () => {
    const clock = new FakeClock();
    let count = 0;
    const sub = resyncTriggers(1000, clock, () => 0.5).subscribe(() => count++);
    await clock.advance(2500);
    assert.equal(count, 2);
    sub.unsubscribe();
    assert.equal(clock.pendingTimers, 0);
    await clock.advance(3_600_000);
    assert.equal(count, 2);
  });

  it('unsubscribing from inside the handler (take(1)) leaves no timer behind', async () => {
    const clock = new FakeClock();
    let count = 0;
    let completed = false;
    resyncTriggers(1000, clock, () => 0.5)
      .pipe(take(1))
      .subscribe({ next: () => count++, complete: () => (completed = true) });
    await clock.advance(1000);
    assert.equal(count, 1);
    assert.ok(completed);
    assert.equal(clock.pendingTimers, 0);
  });
});
