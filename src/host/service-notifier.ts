/** What sending a notification produced. */
export type NotifyResult = { ok: true } | { ok: false; problem: string };

/**
 * Sends sd_notify(3) messages (`READY=1`, `WATCHDOG=1`, `STATUS=…`) to the service manager.
 * Implemented by adapters/systemd-notify. Never throws.
 */
export interface ServiceNotifier {
  notify(fields: Readonly<Record<string, string>>): Promise<NotifyResult>;
}
