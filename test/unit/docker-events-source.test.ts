import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassThrough, type Readable } from 'node:stream';
import type { Subscription } from 'rxjs';
import type { EventFilter } from '../../src/host/docker-host';
import { DEFAULT_RECONNECT, dockerEventTriggers, WATCHED_ACTIONS } from '../../src/triggers/docker-events-source';
import type { Trigger } from '../../src/triggers/trigger';
import { FakeClock, flushPromises } from '../support/fake-clock';
import { FakeDocker } from '../support/fake-docker';

type Answer = 'stream' | Error | 'hold';

/** The Docker events the test writes, ends, or refuses (served by FakeDocker's openEvents). */
class EventStreams {
  readonly filters: EventFilter[] = [];
  readonly streams: PassThrough[] = [];
  readonly openedAt: number[] = [];
  /** Answers for the next openEvents calls, in order; when empty, a stream. */
  readonly answers: Answer[] = [];
  held: ((stream: PassThrough) => void) | null = null;

  constructor(private readonly clock: FakeClock) {}

  open(filter: EventFilter): Promise<Readable> {
    this.filters.push(filter);
    this.openedAt.push(this.clock.now());
    const answer = this.answers.shift() ?? 'stream';
    if (answer instanceof Error) return Promise.reject(answer);
    const stream = new PassThrough();
    this.streams.push(stream);
    if (answer === 'hold') return new Promise((resolve) => (this.held = () => resolve(stream)));
    return Promise.resolve(stream);
  }

  get last(): PassThrough {
    const s = this.streams.at(-1);
    assert.ok(s, 'no stream opened');
    return s;
  }

  /** A Docker host serving these streams; it finds no container, pings fine, and the events source uses nothing else. */
  host(): FakeDocker {
    return new FakeDocker({ openEvents: (filter) => this.open(filter), inspectContainer: async () => null, ping: async () => undefined });
  }
}

function event(name: string, action = 'start', type = 'container'): string {
  return JSON.stringify({ Type: type, Action: action, status: action, id: 'abc', Actor: { ID: 'abc', Attributes: { name, image: 'x' } }, time: 1 }) + '\n';
}

function setup(containers = ['websoft9-apphub']) {
  const clock = new FakeClock();
  const docker = new EventStreams(clock);
  const triggers: Trigger[] = [];
  const connected: number[] = [];
  const disconnected: { problem: string; retryInMs: number; at: number }[] = [];
  const garbage: string[] = [];
  const start = (): Subscription =>
    dockerEventTriggers(docker.host(), containers, clock, {
      onConnected: () => connected.push(clock.now()),
      onDisconnected: (problem, retryInMs) => disconnected.push({ problem, retryInMs, at: clock.now() }),
      onGarbage: (line) => garbage.push(line),
    }).subscribe((t) => triggers.push(t));
  const dockerTriggers = () => triggers.filter((t) => t.kind === 'docker');
  return { clock, docker, triggers, connected, disconnected, garbage, start, dockerTriggers };
}

describe('dockerEventTriggers', () => {
  it('asks the daemon for events of the named containers and watched actions only', async () => {
    const s = setup(['websoft9-apphub', 'other-source']);
    const sub = s.start();
    await flushPromises();
    assert.equal(s.docker.filters.length, 1);
    assert.deepEqual(s.docker.filters[0]?.containers, ['websoft9-apphub', 'other-source']);
    for (const action of ['start', 'restart', 'die', 'stop', 'kill', 'destroy', 'create', 'health_status']) {
      assert.ok(s.docker.filters[0]?.actions.includes(action), action);
    }
    assert.deepEqual(s.docker.filters[0]?.actions, WATCHED_ACTIONS);
    sub.unsubscribe();
  });

  it('emits docker-connected once subscribed (subscribe first, then pass)', async () => {
    const s = setup();
    s.docker.answers.push('hold');
    const sub = s.start();
    await flushPromises();
    assert.equal(s.docker.filters.length, 1, 'openEvents called');
    assert.deepEqual(s.triggers, [], 'no pass before the subscription is in place');
    s.docker.held?.(s.docker.last);
    await flushPromises();
    assert.deepEqual(s.triggers, [{ kind: 'docker-connected' }]);
    assert.equal(s.connected.length, 1);
    sub.unsubscribe();
  });

  it('never emits for events of other containers or other object types', async () => {
    const s = setup();
    const sub = s.start();
    await flushPromises();
    s.docker.last.write(event('websoft9-apphub-backup') + event('nginx') + event('apphub') + event('websoft9-apphub', 'create', 'network'));
    s.docker.last.write(JSON.stringify({ Type: 'container', Action: 'start', Actor: { Attributes: {} } }) + '\n');
    s.docker.last.write(JSON.stringify({ Type: 'container', Action: 'start' }) + '\n');
    await flushPromises();
    assert.deepEqual(s.dockerTriggers(), []);
    assert.deepEqual(s.triggers, [{ kind: 'docker-connected' }]);
    sub.unsubscribe();
  });

  it('emits one trigger per event, when a chunk holds several or half of one', async () => {
    const s = setup();
    const sub = s.start();
    await flushPromises();
    s.docker.last.write(event('websoft9-apphub', 'start') + event('nginx', 'start') + event('websoft9-apphub', 'health_status: healthy'));
    const split = event('websoft9-apphub', 'die');
    s.docker.last.write(split.slice(0, 20));
    await flushPromises();
    assert.equal(s.dockerTriggers().length, 2);
    s.docker.last.write(split.slice(20));
    s.docker.last.write('garbage\n');
    await flushPromises();
    assert.deepEqual(
      s.dockerTriggers().map((t) => t.detail),
      ['start websoft9-apphub', 'health_status: healthy websoft9-apphub', 'die websoft9-apphub'],
    );
    assert.deepEqual(s.garbage, ['garbage']);
    sub.unsubscribe();
  });

  it('reconnects after the stream ends: 500 ms, then 1 s, 2 s … capped at 30 s', async () => {
    const s = setup();
    const sub = s.start();
    await flushPromises();
    const expected = [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000];
    for (const [i, delay] of expected.entries()) {
      const opens = s.docker.filters.length;
      s.docker.last.end();
      await flushPromises();
      assert.equal(s.disconnected.at(-1)?.retryInMs, delay, `disconnection ${i + 1}`);
      assert.equal(s.disconnected.at(-1)?.problem, 'event stream ended');
      await s.clock.advance(delay - 1);
      assert.equal(s.docker.filters.length, opens, `not reopened before ${delay} ms`);
      await s.clock.advance(1);
      assert.equal(s.docker.filters.length, opens + 1, `reopened after ${delay} ms`);
    }
    assert.equal(s.triggers.filter((t) => t.kind === 'docker-connected').length, expected.length + 1, 'docker-connected after every subscription');
    sub.unsubscribe();
  });

  it('retries with the same backoff while the daemon refuses, and says why', async () => {
    const s = setup();
    for (let i = 0; i < 8; i++) s.docker.answers.push(new Error(`connect ENOENT /var/run/docker.sock (${i})`));
    const sub = s.start();
    await s.clock.runUntilIdle(200_000);
    const t0 = s.docker.openedAt[0] as number;
    assert.deepEqual(
      s.docker.openedAt.map((t) => t - t0),
      [0, 500, 1500, 3500, 7500, 15_500, 31_500, 61_500, 91_500],
    );
    assert.deepEqual(s.disconnected.map((d) => d.retryInMs), [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    assert.match(s.disconnected[0]?.problem ?? '', /ENOENT/);
    assert.deepEqual(s.triggers, [{ kind: 'docker-connected' }], 'connected once, at the 9th attempt');
    sub.unsubscribe();
  });

  it('a connection that stayed up a minute resets the delay to 500 ms; a shorter one does not', async () => {
    const s = setup();
    s.docker.answers.push(new Error('down'), new Error('down'), new Error('down'));
    const sub = s.start();
    await s.clock.advance(500 + 1000 + 2000); // three refusals, then connected
    assert.deepEqual(s.disconnected.map((d) => d.retryInMs), [500, 1000, 2000]);
    assert.equal(s.connected.length, 1);

    await s.clock.advance(DEFAULT_RECONNECT.stableMs - 1); // up for just under a minute
    s.docker.last.end();
    await flushPromises();
    assert.equal(s.disconnected.at(-1)?.retryInMs, 4000);

    await s.clock.advance(4000);
    assert.equal(s.connected.length, 2);
    await s.clock.advance(DEFAULT_RECONNECT.stableMs); // a stable minute
    s.docker.last.end();
    await flushPromises();
    assert.equal(s.disconnected.at(-1)?.retryInMs, 500);
    await s.clock.advance(500);
    s.docker.last.end();
    await flushPromises();
    assert.equal(s.disconnected.at(-1)?.retryInMs, 1000, 'doubling again after the reset');
    sub.unsubscribe();
  });

  it('reconnects when the stream errors or is closed without an end', async () => {
    const s = setup();
    const sub = s.start();
    await flushPromises();
    s.docker.last.destroy(new Error('aborted'));
    await flushPromises();
    assert.deepEqual(s.disconnected.map((d) => [d.problem, d.retryInMs]), [['aborted', 500]]);
    await s.clock.advance(500);
    assert.equal(s.docker.filters.length, 2);
    s.docker.last.destroy();
    await flushPromises();
    assert.equal(s.disconnected.length, 2, 'a premature close is a disconnection too');
    await s.clock.advance(1000);
    assert.equal(s.docker.filters.length, 3);
    assert.equal(s.connected.length, 3);
    sub.unsubscribe();
  });

  it('unsubscribe destroys the stream and nothing reconnects', async () => {
    const s = setup();
    const sub = s.start();
    await flushPromises();
    const stream = s.docker.last;
    sub.unsubscribe();
    await flushPromises();
    assert.ok(stream.destroyed);
    assert.equal(s.clock.pendingTimers, 0);
    assert.deepEqual(s.disconnected, [], 'stopping is not a disconnection');
    await s.clock.advance(3_600_000);
    assert.equal(s.docker.filters.length, 1);
  });

  it('unsubscribe during the reconnect delay cancels the timer', async () => {
    const s = setup();
    const sub = s.start();
    await flushPromises();
    s.docker.last.end();
    await flushPromises();
    assert.equal(s.clock.pendingTimers, 1);
    sub.unsubscribe();
    assert.equal(s.clock.pendingTimers, 0);
    await s.clock.advance(3_600_000);
    assert.equal(s.docker.filters.length, 1);
  });

  it('a stream that arrives after unsubscribe is destroyed at once and emits nothing', async () => {
    const s = setup();
    s.docker.answers.push('hold');
    const sub = s.start();
    await flushPromises();
    sub.unsubscribe();
    const stream = s.docker.last;
    s.docker.held?.(stream);
    await flushPromises();
    assert.ok(stream.destroyed);
    assert.deepEqual(s.triggers, []);
    assert.equal(s.clock.pendingTimers, 0);
  });
});
