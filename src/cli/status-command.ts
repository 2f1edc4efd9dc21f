import { formatDuration } from '../core/duration';
import { escapeControl } from '../core/terminal';
import type { ObservedValue } from '../resources/plan';
import { assessHealth } from '../status/health';
import type { StatusRead } from '../status/status-file';
import { textTable } from './text-table';

const show = (v: ObservedValue): string => (v === null ? '-' : Array.isArray(v) ? v.join(',') : String(v));

function ago(now: number, isoTime: string | null | undefined): string {
  if (!isoTime) return '-';
  const t = Date.parse(isoTime);
  return Number.isNaN(t) ? '-' : `${formatDuration(Math.max(0, now - t))} ago`;
}

function inTime(now: number, isoTime: string | null): string {
  if (!isoTime) return '-';
  const t = Date.parse(isoTime);
  return Number.isNaN(t) ? '-' : t <= now ? 'due' : `in ${formatDuration(t - now)}`;
}

/** `reconcile status`: exit code and text (or JSON) for a status file read. */
export function statusReport(read: StatusRead, now: number, json: boolean): { exitCode: number; stdout: string } {
  if (!read.ok) {
    const stdout = json ? `${JSON.stringify({ healthy: false, problems: [read.problem] })}\n` : `unhealthy: ${escapeControl(read.problem)}\n`;
    return { exitCode: 1, stdout };
  }
  const { status } = read;
  const health = assessHealth(status, now);
  const exitCode = health.healthy ? 0 : 1;
  if (json) return { exitCode, stdout: `${JSON.stringify({ ...health, status }, null, 2)}\n` };
  const rows = [['RESOURCE', 'DESIRED', 'OBSERVED', 'READY', 'REASON', 'SINCE', 'NEXT RETRY']];
  for (const r of status.resources) {
    const ready = r.conditions.find((c) => c.type === 'Ready');
    const desired = r.desired === null && r.lastKnownDesired !== null ? `(${r.lastKnownDesired})` : show(r.desired);
    rows.push([r.name, desired, show(r.observed), ready?.status ?? '-', ready?.reason ?? '-', ago(now, ready?.lastTransitionTime), inTime(now, r.nextRetryAt)]);
  }
  // Conditions besides Ready (e.g. Listening), one line each under the table.
  const others = status.resources.flatMap((r) =>
    r.conditions.filter((c) => c.type !== 'Ready').map((c) => `${r.name}: ${c.type}=${c.status} ${c.reason}: ${c.message} (since ${ago(now, c.lastTransitionTime)})`),
  );
  // The status file holds values read from containers: every value is escaped (textTable too).
  const lines = textTable(rows);
  lines.push(...others.map((line) => escapeControl(line)));
  const pass = status.lastPass;
  lines.push(
    escapeControl(
      `controller: ${status.controller.mode} pid ${status.controller.pid}, version ${status.controller.version}` +
        (pass ? `; last pass ${pass.result} ${ago(now, pass.finishedAt)} (${pass.durationMs}ms)` : '; no pass yet'),
    ),
  );
  // One problem a line: several at once (stale and two resources failing) stay readable.
  if (health.healthy) lines.push('healthy');
  else if (health.problems.length === 1) lines.push(`unhealthy: ${escapeControl(health.problems[0] ?? '')}`);
  else lines.push(`unhealthy, ${health.problems.length} problems:`, ...health.problems.map((p) => `  ${escapeControl(p)}`));
  return { exitCode, stdout: `${lines.join('\n')}\n` };
}
