import { formatDuration } from '../core/duration';
import type { StatusFile } from './status-file';

interface Health {
  healthy: boolean;
  problems: string[];
}

/**
 * Healthy: every resource Ready=True and the last pass finished within 3 × the resync
 * interval the controller recorded. Shared by `reconcile status` and `/readyz`.
 */
export function assessHealth(status: StatusFile, now: number): Health {
  const problems: string[] = [];
  const finished = status.lastPass ? Date.parse(status.lastPass.finishedAt) : NaN;
  const limit = 3 * (status.controller.resyncIntervalMs || 30_000);
  if (Number.isNaN(finished)) problems.push('no pass has finished yet');
  else if (now - finished > limit) problems.push(`stale: last pass ${formatDuration(now - finished)} ago (limit ${formatDuration(limit)})`);
  for (const r of status.resources) {
    const ready = r.conditions.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True') problems.push(`${r.name}: ${ready?.reason ?? 'NoCondition'}: ${ready?.message ?? ''}`);
  }
  return { healthy: problems.length === 0, problems };
}
