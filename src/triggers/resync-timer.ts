import { Observable } from 'rxjs';
import type { Clock } from '../host/clock';
import type { Trigger } from './trigger';

/** `interval` ± 10 %, so that a fleet of hosts does not resync in lockstep. */
export function jittered(intervalMs: number, random: () => number): number {
  return Math.round(intervalMs * (0.9 + 0.2 * random()));
}

/** The level-triggered safety net: a full pass every resync interval, whatever else happens. */
export function resyncTriggers(intervalMs: number, clock: Clock, random: () => number = Math.random): Observable<Trigger> {
  return new Observable<Trigger>((subscriber) => {
    let cancel: () => void = () => undefined;
    const arm = (): void => {
      cancel = clock.setTimer(() => {
        subscriber.next({ kind: 'resync' });
        // The subscriber may have unsubscribed from inside next (take(1), shutdown): do not re-arm.
        if (!subscriber.closed) arm();
      }, jittered(intervalMs, random));
    };
    arm();
    return () => cancel();
  });
}
