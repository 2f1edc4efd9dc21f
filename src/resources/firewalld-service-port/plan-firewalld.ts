// The service files are listed by the configuration (`files`): host paths.
import { hostPath } from '../../host/file-system';
import type { CommandStep, FileChange, Plan, PlanOptions } from '../plan';
import { parseServicePorts, setServicePort } from './service-xml';

/** The listed service files that exist, with their text. */
export interface FirewalldState {
  files: { path: string; text: string }[];
}

/** `firewall-cmd --reload`, but only while firewalld runs (`firewall-cmd --state` exits 0). */
export const RELOAD_FIREWALLD: CommandStep = {
  tool: 'firewallCmd',
  args: ['--reload'],
  onlyIf: { args: ['--state'], otherwise: 'firewalld is not running; reload skipped' },
};

/** Pure: the writes (and reload) that put every existing service file's tcp port on `port`. */
export function planFirewalld(port: number, state: FirewalldState, options: PlanOptions): Plan {
  if (state.files.length === 0) return { changes: [], commands: [], absent: 'none of the listed service files exists' };
  const changes: FileChange[] = [];
  for (const file of state.files) {
    const parsed = parseServicePorts(file.text);
    if (!parsed.ok) return { changes: [], commands: [], problem: `${file.path}: ${parsed.problem}` };
    const inSync = parsed.tcpPorts.length > 0 && parsed.tcpPorts.every((p) => p === String(port));
    if (!inSync) changes.push({ path: hostPath(file.path), before: file.text, after: setServicePort(file.text, port) });
  }
  const reload = changes.length > 0 || options.retryCommands;
  return { changes, commands: reload ? [RELOAD_FIREWALLD] : [] };
}
