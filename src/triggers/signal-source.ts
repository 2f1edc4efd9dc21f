import { Observable } from 'rxjs';

/** Emits each time the process receives `signal` (the handler is removed on unsubscribe). */
export function signals(signal: NodeJS.Signals, target: NodeJS.EventEmitter = process): Observable<NodeJS.Signals> {
  return new Observable<NodeJS.Signals>((subscriber) => {
    const handler = (): void => subscriber.next(signal);
    target.on(signal, handler);
    return () => {
      target.off(signal, handler);
    };
  });
}
