import type { AfterChange } from '../config/kind-specs';
import type { CheckStep, CommandStep } from './plan';

export type { AfterChange };

/** A command that must succeed before the afterChange command runs (configuration `afterChange.check`). */
type AfterChangeCheck = NonNullable<AfterChange['check']>;

/** The command steps of an optional afterChange (its check travels with the step). */
export function afterChangeSteps(afterChange: AfterChange | undefined): CommandStep[] {
  if (!afterChange) return [];
  const check = checkStep(afterChange.check);
  const extra = check ? { check } : {};
  if ('exec' in afterChange) return [{ exec: { container: afterChange.exec.container, argv: [...afterChange.exec.command] }, ...extra }];
  return [{ tool: 'systemctl', args: [...afterChange.systemctl], ...extra }];
}

function checkStep(check: AfterChangeCheck | undefined): CheckStep | undefined {
  if (!check) return undefined;
  if ('exec' in check) return { exec: { container: check.exec.container, argv: [...check.exec.command] } };
  return { host: { argv: [...check.command] } };
}

/** Containers an afterChange talks to (their events trigger a pass: a restarted proxy may need the change again). */
export function afterChangeContainers(afterChange: AfterChange | undefined): string[] {
  if (!afterChange) return [];
  const containers = 'exec' in afterChange ? [afterChange.exec.container] : [];
  if (afterChange.check && 'exec' in afterChange.check) containers.push(afterChange.check.exec.container);
  return [...new Set(containers)];
}
