import { Observable } from 'rxjs';
import { describeError } from '../core/errors';
import type { Clock } from '../host/clock';
import type { DockerHost } from '../host/docker-host';
import { jsonLines } from './json-lines';
import type { Trigger } from './trigger';

/** Container actions that can change whether a desired value is readable. */
export const WATCHED_ACTIONS = ['create', 'start', 'restart', 'die', 'stop', 'kill', 'destroy', 'health_status', 'pause', 'unpause', 'rename'];

export interface ReconnectPolicy {
  initialMs: number;
  maxMs: number;
  /** A connection that lasted this long resets the delay to initialMs. */
  stableMs: number;
}

/** docs/controller.md: 0.5 s doubling to 30 s, reset after a stable minute. */
export const DEFAULT_RECONNECT: ReconnectPolicy = { initialMs: 500, maxMs: 30_000, stableMs: 60_000 };

export interface DockerConnectionEvents {
  onConnected(): void;
  onDisconnected(problem: string, retryInMs: number): void;
  onGarbage?(line: string): void;
}

function actorName(event: Record<string, unknown>): string | undefined {
  const actor = event.Actor as { Attributes?: Record<string, unknown> } | undefined;
  const name = actor?.Attributes?.name;
  return typeof name === 'string' ? name : undefined;
}

function actionOf(event: Record<string, unknown>): string {
  const action = event.Action ?? event.status;
  return typeof action === 'string' ? action : '';
}

/**
 * Docker event triggers for the named containers (or, with `'all'`, every container and every
 * network connect and disconnect), filtered by the daemon and again here (events
 * of other containers never cause a pass). The stream is re-opened with backoff when the daemon
 * goes away; every (re)subscription emits `docker-connected`, which runs a full pass, so nothing
 * that happened while disconnected is missed (subscribe first, then pass).
 */
export function dockerEventTriggers(
  docker: DockerHost,
  containers: readonly string[] | 'all',
  clock: Clock,
  events: DockerConnectionEvents,
  policy: ReconnectPolicy = DEFAULT_RECONNECT,
): Observable<Trigger> {
  return new Observable<Trigger>((subscriber) => {
    let closed = false;
    let cancelTimer: (() => void) | null = null;
    let current: { destroy(): void } | null = null;
    let delay = policy.initialMs;
    const all = containers === 'all';
    const wanted = new Set(all ? [] : containers);

    const connect = async (): Promise<void> => {
      const startedAt = clock.now();
      let problem = 'event stream ended';
      try {
        const stream = await docker.openEvents({ containers: [...wanted], actions: WATCHED_ACTIONS, ...(all ? { all } : {}) });
        if (closed) {
          stream.destroy();
          return;
        }
        current = stream;
        events.onConnected();
        subscriber.next({ kind: 'docker-connected' });
        for await (const event of jsonLines(stream, events.onGarbage)) {
          const name = actorName(event);
          if (all && (event.Type === 'container' || event.Type === 'network')) {
            subscriber.next({ kind: 'docker', detail: `${actionOf(event)} ${String(event.Type)} ${name ?? ''}`.trimEnd() });
            continue;
          }
          if (event.Type !== 'container' || name === undefined || !wanted.has(name)) continue;
          subscriber.next({ kind: 'docker', detail: `${actionOf(event)} ${name}` });
        }
      } catch (error) {
        problem = describeError(error);
      }
      current = null;
      if (closed) return;
      if (clock.now() - startedAt >= policy.stableMs) delay = policy.initialMs;
      events.onDisconnected(problem, delay);
      const wait = delay;
      delay = Math.min(policy.maxMs, delay * 2);
      cancelTimer = clock.setTimer(() => void connect(), wait);
    };

    void connect();
    return () => {
      closed = true;
      cancelTimer?.();
      current?.destroy();
    };
  });
}
