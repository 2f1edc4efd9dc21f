import type { CommandStep } from './plan';

/** What to run after a resource changed something (configuration key `afterChange`). */
export type AfterChange = { exec: { container: string; command: string[] } } | { systemctl: string[] };

/** The command steps of an optional afterChange. */
export function afterChangeSteps(afterChange: AfterChange | undefined): CommandStep[] {
  if (!afterChange) return [];
  if ('exec' in afterChange) return [{ exec: { container: afterChange.exec.container, argv: [...afterChange.exec.command] } }];
  return [{ tool: 'systemctl', args: [...afterChange.systemctl] }];
}

/** Containers an afterChange talks to (their events trigger a pass: a restarted proxy may need the change again). */
export function afterChangeContainers(afterChange: AfterChange | undefined): string[] {
  return afterChange && 'exec' in afterChange ? [afterChange.exec.container] : [];
}
