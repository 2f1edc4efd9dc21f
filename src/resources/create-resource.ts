import type { ResourceConfig } from '../config/schema';
import type { DockerHost } from '../host/docker-host';
import type { FileSystem } from '../host/file-system';
import { ContainerCredentials } from './container-credentials/container-credentials';
import { DirectoryMirror } from './directory-mirror/directory-mirror';
import { FileLine } from './file-line/file-line';
import { FirewalldServicePort } from './firewalld-service-port/firewalld-service-port';
import { IniValue } from './ini-value/ini-value';
import type { CommandRunner } from '../host/command-runner';
import type { CommandSettings } from './apply-plan';
import type { Resource } from './resource';
import { PublishedPortFirewall, publishedContainers } from './published-port-firewall/published-port-firewall';
import { SelinuxPortType } from './selinux-port-type/selinux-port-type';
import type { RunningStateQuery } from './systemd-socket-port/running-state';
import { SystemdSocketPort, type ListenCheckSettings } from './systemd-socket-port/systemd-socket-port';
import { Template } from './template/template';

/** What some kinds need besides files and Docker (SystemdSocketPort's listen check and running state, SelinuxPortType's commands). */
export interface ResourceExtras {
  listenCheck: ListenCheckSettings;
  runner: CommandRunner;
  commands: CommandSettings;
  running?: RunningStateQuery;
}

/** The resource for one `resources[]` entry of the configuration. */
export function createResource(spec: ResourceConfig, files: FileSystem, docker: DockerHost, extras: ResourceExtras): Resource {
  switch (spec.kind) {
    case 'SystemdSocketPort':
      return new SystemdSocketPort(spec, files, extras.running, extras.listenCheck);
    case 'FirewalldServicePort':
      return new FirewalldServicePort(spec, files);
    case 'FileLine':
      return new FileLine(spec, files, docker);
    case 'IniValue':
      return new IniValue(spec, files);
    case 'SelinuxPortType':
      return new SelinuxPortType(spec, extras.runner, extras.commands);
    case 'DirectoryMirror':
      return new DirectoryMirror(spec, files, docker);
    case 'ContainerCredentials':
      return new ContainerCredentials(spec, files, docker);
    case 'Template':
      return new Template(spec, files);
    case 'PublishedPortFirewall':
      return new PublishedPortFirewall(spec, publishedContainers(docker), extras.runner, extras.commands);
  }
}

/**
 * A PublishedPortFirewall removed from the configuration (remembered from the status file):
 * switched off, so that a pass removes its chain, jump and table as `enabled: false` does.
 */
export function removedFirewall(name: string, runner: CommandRunner, commands: CommandSettings): Resource {
  const spec = { kind: 'PublishedPortFirewall' as const, name, enabled: false, removed: true, default: 'allow' as const, allowFrom: [], backend: 'auto' as const };
  return new PublishedPortFirewall(spec, () => Promise.resolve([]), runner, commands);
}
