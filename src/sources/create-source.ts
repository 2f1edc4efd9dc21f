import type { SourceConfig } from '../config/schema';
import type { DockerHost } from '../host/docker-host';
import type { FileSystem } from '../host/file-system';
import { ContainerFile } from './container-file';
import { ContainerIniValue } from './container-ini-value';
import { Containers } from './containers';
import type { DesiredSource } from './desired';

/** The desired-state source for one `sources.<name>` entry of the configuration. */
export function createSource(name: string, spec: SourceConfig, docker: DockerHost, files: FileSystem, env: Readonly<Record<string, string | undefined>> = {}): DesiredSource {
  switch (spec.kind) {
    case 'ContainerIniValue':
      return new ContainerIniValue(name, spec, docker, files);
    case 'ContainerFile':
      return new ContainerFile(name, spec, docker);
    case 'Containers':
      return new Containers(name, spec, docker, env);
  }
}
