import type { Plan, PlanOptions, ToolStep } from '../plan';

/** One line of `semanage port -l`: a type, a protocol and its ports and ranges. */
export interface PortTypeEntry {
  type: string;
  protocol: string;
  ranges: [number, number][];
}

/** What observe() saw: SELinux off (and why), or the port types. */
export type SelinuxState = { enabled: false; why: string } | { enabled: true; entries: PortTypeEntry[] };

export interface SelinuxSettings {
  /** e.g. `websm_port_t`. */
  type: string;
  protocol: 'tcp' | 'udp';
}

/** Parses `semanage port -l` (`http_port_t   tcp   80, 81, 8008-8009`); header and odd lines are skipped. */
export function parseSemanagePorts(text: string): PortTypeEntry[] {
  const entries: PortTypeEntry[] = [];
  for (const line of text.split('\n')) {
    const match = /^(\S+_t)\s+(tcp|udp|sctp|dccp)\s+(\d.*)$/.exec(line.trim());
    if (!match) continue;
    const ranges: [number, number][] = [];
    for (const part of (match[3] as string).split(',').map((p) => p.trim())) {
      const range = /^(\d+)(?:-(\d+))?$/.exec(part);
      if (range) ranges.push([Number(range[1]), Number(range[2] ?? range[1])]);
    }
    entries.push({ type: match[1] as string, protocol: match[2] as string, ranges });
  }
  return entries;
}

/** The types that label `port` (ranges included). */
export function typesOf(entries: readonly PortTypeEntry[], protocol: string, port: number): string[] {
  return entries.filter((e) => e.protocol === protocol && e.ranges.some(([lo, hi]) => lo <= port && port <= hi)).map((e) => e.type);
}

/**
 * Pure: `semanage port -a` (or `-m` when another type has exactly this port) so that the port
 * is of the configured type. Policy ranges that include the port do not count as "owning" it:
 * a single-port entry of ours takes precedence over them in SELinux. Nothing to retry after a
 * failed apply: the command is the change, planned again while the type is missing.
 */
export function planSelinuxPort(port: number, state: SelinuxState, settings: SelinuxSettings, _options: PlanOptions): Plan {
  if (!state.enabled) return { changes: [], commands: [], notApplicable: state.why };
  const exact = state.entries.filter((e) => e.protocol === settings.protocol && e.ranges.some(([lo, hi]) => lo === port && hi === port));
  if (exact.some((e) => e.type === settings.type)) return { changes: [], commands: [] };
  const flag = exact.length > 0 ? '-m' : '-a';
  const step: ToolStep = { tool: 'semanage', args: ['port', flag, '-t', settings.type, '-p', settings.protocol, String(port)] };
  return { changes: [], commands: [step] };
}
