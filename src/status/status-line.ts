import type { StatusFile } from './status-file';

/**
 * The one-line summary for systemd's `STATUS=` (shown by `systemctl status`), e.g.
 * `in sync (7/7)` or `not in sync (5/7): cockpit-socket DesiredStateUnavailable, …`. It holds
 * no time, so it changes only when the state does (and is sent only then).
 */
export function statusLine(status: StatusFile): string {
  const total = status.resources.length;
  const notReady = status.resources.filter((r) => r.conditions.find((c) => c.type === 'Ready')?.status !== 'True');
  if (notReady.length === 0) return `in sync (${total}/${total})`;
  const shown = notReady.slice(0, 3).map((r) => `${r.name} ${r.conditions.find((c) => c.type === 'Ready')?.reason ?? 'NoCondition'}`);
  const more = notReady.length > 3 ? `, +${notReady.length - 3} more` : '';
  return `not in sync (${total - notReady.length}/${total}): ${shown.join(', ')}${more}`;
}
