import { describeError } from '../core/errors';
import { LISTING_LIMITS } from '../host/container-listing';
import type { DockerHost } from '../host/docker-host';
import type { ContainersSpec } from '../config/kind-specs';
import type { ContainerSet } from './container-set';
import type { Desired, DesiredSource } from './desired';

/**
 * The containers that carry given labels (`key` or `key=value`, all of them), listed from the
 * Docker API on every read: desired state re-derived each pass, never remembered. Their events
 * start passes through `labels()`; nothing on the host to watch.
 */
export class Containers implements DesiredSource {
  constructor(
    readonly name: string,
    private readonly spec: ContainersSpec,
    private readonly docker: DockerHost,
    private readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  containers(): string[] {
    return [];
  }

  /** The label selector whose containers' events start a pass. */
  labels(): string[] {
    return [...this.spec.labels];
  }

  async read(): Promise<Desired> {
    let listing;
    try {
      listing = await this.docker.listContainers({ labels: this.spec.labels });
    } catch (error) {
      return { kind: 'unavailable', message: describeError(error) };
    }
    if (listing.truncated) return { kind: 'invalid', message: `more than ${LISTING_LIMITS.containers} containers carry ${this.describe()}` };
    const containers = [...listing.containers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const env: Record<string, string> = {};
    for (const key of this.spec.env) {
      const value = new Map(Object.entries(this.env)).get(key);
      if (value !== undefined) Object.defineProperty(env, key, { value, enumerable: true, writable: true });
    }
    const value: ContainerSet = { kind: 'containers', containers, env };
    return { kind: 'value', value, origin: `containers with ${this.describe()}` };
  }

  private describe(): string {
    return this.spec.labels.length === 0 ? 'any labels' : this.spec.labels.join(', ');
  }
}
