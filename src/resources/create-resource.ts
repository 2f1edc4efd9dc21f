import type { ResourceConfig } from '../config/schema';
import type { FileSystem } from '../host/file-system';
import { FirewalldServicePort } from './firewalld-service-port/firewalld-service-port';
import type { Resource } from './resource';
import { SystemdSocketPort } from './systemd-socket-port/systemd-socket-port';

/** The resource for one `resources[]` entry of the configuration. */
export function createResource(spec: ResourceConfig, files: FileSystem): Resource {
  switch (spec.kind) {
    case 'SystemdSocketPort':
      return new SystemdSocketPort(spec, files);
    case 'FirewalldServicePort':
      return new FirewalldServicePort(spec, files);
  }
}
