import type { DesiredValue } from '../../sources/desired';
import { describeCommandFailure, type CommandRunner } from '../../host/command-runner';
import { commandArgv, toolArgv, type CommandSettings } from '../apply-plan';
import type { Observation, Plan, PlanOptions } from '../plan';
import type { Resource } from '../resource';
import { parseSemanagePorts, planSelinuxPort, typesOf, type SelinuxSettings, type SelinuxState } from './semanage-ports';
import type { SelinuxPortTypeSpec } from '../../config/kind-specs';

/**
 * Keeps the desired port labelled with an SELinux port type (`websm_port_t` for Cockpit) through
 * `commands.semanage`; NotApplicable where `commands.selinuxenabled` is missing or says SELinux is off.
 */
export class SelinuxPortType implements Resource<SelinuxState> {
  readonly kind = 'SelinuxPortType';
  readonly name: string;
  readonly source: string;
  private readonly settings: SelinuxSettings;

  constructor(
    spec: SelinuxPortTypeSpec,
    private readonly runner: CommandRunner,
    private readonly commands: CommandSettings,
  ) {
    this.name = spec.name;
    this.source = spec.source;
    this.settings = { type: spec.type, protocol: spec.protocol };
  }

  containers(): string[] {
    return [];
  }

  async observe(desired?: DesiredValue | null): Promise<Observation<SelinuxState>> {
    const options = { timeoutMs: this.commands.timeoutMs };
    const selinuxenabled = toolArgv(this.commands, 'selinuxenabled');
    const enabled = await this.runner.run([...this.commands.prefix, ...selinuxenabled], options);
    if (enabled.kind === 'not-found') return off(`${selinuxenabled.join(' ')} not found: no SELinux tools on this host`);
    if (enabled.kind !== 'exited' || enabled.exitCode !== 0) return off('SELinux is disabled on this host');
    const argv = commandArgv(this.commands, 'semanage', ['port', '-l']);
    const listed = await this.runner.run(argv, options);
    if (listed.kind !== 'exited' || listed.exitCode !== 0) throw new Error(describeCommandFailure(argv, listed));
    const entries = parseSemanagePorts(listed.stdout);
    const types = typeof desired === 'number' ? typesOf(entries, this.settings.protocol, desired) : [];
    return { state: { enabled: true, entries }, watch: [], value: types.join(',') || null, summary: typeof desired === 'number' ? `${this.settings.protocol}/${desired}: ${types.join(', ') || 'no type'}` : `${entries.length} port types` };
  }

  plan(desired: DesiredValue | null, state: SelinuxState, options: PlanOptions): Plan {
    if (typeof desired !== 'number') return { changes: [], commands: [], problem: `source ${this.source} does not give a port` };
    return planSelinuxPort(desired, state, this.settings, options);
  }
}

function off(why: string): Observation<SelinuxState> {
  return { state: { enabled: false, why }, watch: [], value: null, summary: why };
}
