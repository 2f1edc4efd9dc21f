import { formatDuration } from '../core/duration';
import type { StatusFile } from './status-file';

interface Health {
  healthy: boolean;
  problems: string[];
}

/** The default `status.maxAge`, for a `--once` status written before the key existed. */
const ONCE_MAX_AGE_MS = 24 * 3_600_000;

/** How old the last pass may be: 3 × the daemon's resync interval, or a `--once` run's `status.maxAge`. */
function staleAfter(controller: StatusFile['controller']): number {
  if (controller.mode === 'once') return controller.maxAgeMs ?? ONCE_MAX_AGE_MS;
  return 3 * (controller.resyncIntervalMs || 30_000);
}

/**
 * Healthy: every resource Ready=True and the last pass recent enough for how the status was
 * written: a daemon's within 3 × the resync interval it recorded, a `--once` run's (cron) within
 * the `status.maxAge` it recorded. Shared by `reconcile status` and `/readyz`.
 */
export function assessHealth(status: StatusFile, now: number): Health {
  const problems: string[] = [];
  const finished = status.lastPass ? Date.parse(status.lastPass.finishedAt) : NaN;
  const limit = staleAfter(status.controller);
  if (Number.isNaN(finished)) problems.push('no pass has finished yet');
  else if (now - finished > limit) {
    const rule = status.controller.mode === 'once' ? 'status.maxAge of a --once run' : '3 × the resync interval';
    problems.push(`stale: last pass ${formatDuration(now - finished)} ago (limit ${formatDuration(limit)}, ${rule})`);
  }
  for (const r of status.resources) {
    const ready = r.conditions.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True') problems.push(`${r.name}: ${ready?.reason ?? 'NoCondition'}: ${ready?.message ?? ''}`);
  }
  return { healthy: problems.length === 0, problems };
}
