import { bytesToText } from '../../core/bytes';
import type { DesiredValue } from '../../sources/desired';
import { MAX_TEXT_FILE_BYTES, type FileSystem } from '../../host/file-system';
import { observedValue, type Observation, type Plan, type PlanOptions } from '../plan';
import type { Resource } from '../resource';
import { planFirewalld, type FirewalldState } from './plan-firewalld';
import { parseServicePorts } from './service-xml';
import type { FirewalldServicePortSpec } from '../../config/kind-specs';

/** Keeps the tcp port of firewalld service files (e.g. cockpit.xml) on the desired port. */
export class FirewalldServicePort implements Resource<FirewalldState> {
  readonly name: string;
  readonly kind = 'FirewalldServicePort';
  readonly source: string;

  constructor(
    private readonly spec: FirewalldServicePortSpec,
    private readonly fs: FileSystem,
  ) {
    this.name = spec.name;
    this.source = spec.source;
  }

  /** Watches the service files (from the spec; a missing one through its parents). */
  async observe(): Promise<Observation<FirewalldState>> {
    const files: FirewalldState['files'] = [];
    for (const path of this.spec.files) {
      const bytes = await this.fs.readFile(path, { maxBytes: MAX_TEXT_FILE_BYTES });
      // A byte string: an ISO-8859-1 file keeps its bytes (no UTF-8 round trip).
      if (bytes !== null) files.push({ path, text: bytesToText(bytes) });
    }
    const ports: number[] = [];
    for (const file of files) {
      const parsed = parseServicePorts(file.text);
      for (const p of parsed.ok ? parsed.tcpPorts : []) {
        const n = Number(p);
        if (Number.isInteger(n) && !ports.includes(n)) ports.push(n);
      }
    }
    const summary = files.length === 0 ? 'no service file exists' : `tcp port ${ports.join(',') || '(none)'} in ${files.length} file(s)`;
    return { state: { files }, watch: [...this.spec.files], value: observedValue(ports), summary };
  }

  containers(): string[] {
    return [];
  }

  plan(desired: DesiredValue | null, state: FirewalldState, options: PlanOptions): Plan {
    if (typeof desired !== 'number') return { changes: [], commands: [], problem: `source ${this.source} does not give a port` };
    return planFirewalld(desired, state, options);
  }
}
