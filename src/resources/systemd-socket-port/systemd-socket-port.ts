import { join } from 'node:path';
import { bytesToText } from '../../core/bytes';
import type { DesiredValue } from '../../sources/desired';
import { MAX_TEXT_FILE_BYTES, type FileSystem } from '../../host/file-system';
import { observedValue, type Observation, type Plan, type PlanOptions } from '../plan';
import type { Resource } from '../resource';
import { formatListen, listenPorts } from './listen-stream';
import { HolderMemo, checkListening, type ListeningCondition } from './listening';
import type { RunningStateQuery } from './running-state';
import { compareNames, effectiveOf, planSocket, type SocketSettings, type SocketState, type UnitText } from './plan-socket';
import type { SystemdSocketPortSpec } from '../../config/kind-specs';

/** Where the host's TCP sockets are listed (configuration `listenCheck.procNet`). */
export interface ListenCheckSettings {
  procNet: string;
}

const PORT_UNKNOWN: ListeningCondition = { type: 'Listening', status: 'Unknown', reason: 'PortUnknown', message: 'the desired port is not known' };

/** The drop-in file this program owns. */
export const DROP_IN_NAME = 'listen.conf';

/** Keeps the effective `ListenStream=` port set of a socket unit on the desired port. */
export class SystemdSocketPort implements Resource<SocketState> {
  readonly name: string;
  readonly kind = 'SystemdSocketPort';
  readonly source: string;
  private readonly settings: SocketSettings;
  /** The last walk of /proc for the port's holders, reused while the listening sockets stay the same. */
  private readonly holders = new HolderMemo();

  constructor(
    private readonly spec: SystemdSocketPortSpec,
    private readonly files: FileSystem,
    /** How to ask systemd what runs; unknown when absent. */
    private readonly running?: RunningStateQuery,
    private readonly listenCheck: ListenCheckSettings = { procNet: '/proc/1/net' },
  ) {
    this.name = spec.name;
    this.source = spec.source;
    this.settings = {
      unit: spec.unit,
      service: spec.service ?? spec.unit.replace(/\.socket$/, '.service'),
      mode: spec.mode,
      dropInPath: join(spec.dropInDir, DROP_IN_NAME),
    };
  }

  /** Watches the unit file and the drop-in directory (from the spec; missing ones through their parents). */
  async observe(desired?: DesiredValue | null): Promise<Observation<SocketState>> {
    const limit = { maxBytes: MAX_TEXT_FILE_BYTES };
    const unitText = await this.files.readFile(this.spec.unitPath, limit);
    const names = ((await this.files.listDir(this.spec.dropInDir)) ?? []).filter((n) => n.endsWith('.conf')).sort(compareNames);
    const dropIns: UnitText[] = [];
    for (const name of names) {
      const path = join(this.spec.dropInDir, name);
      const text = await this.files.readFile(path, limit);
      if (text !== null) dropIns.push({ path, text: bytesToText(text) });
    }
    const state: SocketState = { unit: unitText === null ? null : { path: this.spec.unitPath, text: bytesToText(unitText) }, dropIns };
    if (this.running && state.unit) state.running = await this.running(this.spec.unit);
    // Without a known port there is nothing to check; say so rather than drop the condition.
    const systemd = state.running ? { unit: this.spec.unit, running: state.running } : undefined;
    const listening =
      typeof desired === 'number' ? await checkListening(this.files, this.listenCheck.procNet, desired, { systemd, memo: this.holders }) : PORT_UNKNOWN;
    if (typeof desired === 'number') state.listening = listening;
    const listen = effectiveOf(state);
    return {
      state,
      watch: [this.spec.unitPath, this.spec.dropInDir],
      conditions: [listening],
      value: state.unit ? observedValue(listenPorts(listen)) : null,
      summary: state.unit
        ? `ListenStream=${listen.map(formatListen).join(',') || '(none)'}`
        : `${this.spec.unitPath} does not exist`,
    };
  }

  containers(): string[] {
    return [];
  }

  plan(desired: DesiredValue | null, state: SocketState, options: PlanOptions): Plan {
    if (typeof desired !== 'number') return { changes: [], commands: [], problem: `source ${this.source} does not give a port` };
    return planSocket(desired, state, this.settings, options);
  }
}
