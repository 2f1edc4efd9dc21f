import { Observable } from 'rxjs';
import { describeError } from '../core/errors';
import type { Clock } from '../host/clock';
import type { DockerHost, EventFilter } from '../host/docker-host';
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

/** Network actions that change a container's addresses (Template's `ip`, `networks`). */
const NETWORK_ACTIONS = ['connect', 'disconnect'];

/**
 * Whose events: named containers; containers carrying all of some labels (`key` or
 * `key=value`: the `Containers` source); or network connect/disconnect of any container.
 */
export type EventSelector = { containers: readonly string[] } | { labels: readonly string[] } | { networks: true };

function attributes(event: Record<string, unknown>): Record<string, unknown> {
  const actor = event.Actor as { Attributes?: Record<string, unknown> } | undefined;
  return actor?.Attributes ?? {};
}

function actorName(event: Record<string, unknown>): string | undefined {
  const name = attributes(event).name;
  return typeof name === 'string' ? name : undefined;
}

/** Whether an event is one the selector asked for (the daemon filters too; this is the second check). */
function wantedEvent(selector: EventSelector, event: Record<string, unknown>, name: string | undefined): boolean {
  if ('networks' in selector) return event.Type === 'network';
  if (event.Type !== 'container' || name === undefined) return false;
  if ('containers' in selector) return selector.containers.includes(name);
  // A container event's attributes carry the container's labels.
  const attrs = attributes(event);
  return selector.labels.every((label) => {
    const eq = label.indexOf('=');
    const key = eq < 0 ? label : label.slice(0, eq);
    const value = new Map(Object.entries(attrs)).get(key);
    return eq < 0 ? typeof value === 'string' : value === label.slice(eq + 1);
  });
}

function filterOf(selector: EventSelector): EventFilter {
  if ('networks' in selector) return { containers: [], type: 'network', actions: NETWORK_ACTIONS };
  if ('labels' in selector) return { containers: [], labels: [...selector.labels], actions: WATCHED_ACTIONS };
  return { containers: [...selector.containers], actions: WATCHED_ACTIONS };
}

function actionOf(event: Record<string, unknown>): string {
  const action = event.Action ?? event.status;
  return typeof action === 'string' ? action : '';
}

/**
 * Docker event triggers for the named containers (or the selector's), filtered by the daemon and
 * again here (events of other containers never cause a pass). The stream is re-opened with backoff when the daemon
 * goes away; every (re)subscription emits `docker-connected`, which runs a full pass, so nothing
 * that happened while disconnected is missed (subscribe first, then pass).
 */
export function dockerEventTriggers(
  docker: DockerHost,
  containers: readonly string[] | EventSelector,
  clock: Clock,
  events: DockerConnectionEvents,
  policy: ReconnectPolicy = DEFAULT_RECONNECT,
): Observable<Trigger> {
  return new Observable<Trigger>((subscriber) => {
    let closed = false;
    let cancelTimer: (() => void) | null = null;
    let current: { destroy(): void } | null = null;
    let delay = policy.initialMs;
    const selector: EventSelector = Array.isArray(containers) ? { containers } : (containers as EventSelector);

    const connect = async (): Promise<void> => {
      const startedAt = clock.now();
      let problem = 'event stream ended';
      try {
        const stream = await docker.openEvents(filterOf(selector));
        if (closed) {
          stream.destroy();
          return;
        }
        current = stream;
        events.onConnected();
        subscriber.next({ kind: 'docker-connected' });
        for await (const event of jsonLines(stream, events.onGarbage)) {
          const name = actorName(event);
          if (!wantedEvent(selector, event, name)) continue;
          const action = actionOf(event);
          const ready = name !== undefined && ['start', 'restart', 'unpause', 'health_status: healthy'].includes(action);
          subscriber.next({ kind: 'docker', detail: `${action} ${name ?? ''}`.trim(), ...(ready ? { ready: name } : {}) });
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
