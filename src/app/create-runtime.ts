import { DockerodeHost } from '../adapters/dockerode-host';
import { ExecCommandRunner } from '../adapters/exec-command-runner';
import { NodeFileSystem } from '../adapters/node-file-system';
import { systemClock } from '../adapters/system-clock';
import type { Config } from '../config/schema';
import type { Logger } from '../core/logger';
import { createSource } from '../desired/create-source';
import type { DesiredSource } from '../desired/desired';
import type { Clock } from '../host/clock';
import type { CommandRunner } from '../host/command-runner';
import type { DockerHost } from '../host/docker-host';
import type { FileSystem } from '../host/file-system';
import type { PassDeps } from '../controller/run-pass';
import { createResource } from '../resources/create-resource';

/** Everything with side effects, in one object; tests may pass their own. */
export interface HostDeps {
  files: FileSystem;
  runner: CommandRunner;
  docker: DockerHost;
  clock: Clock;
}

/** A configuration turned into live objects. */
export interface Runtime extends PassDeps {
  config: Config;
  docker: DockerHost;
  logger: Logger;
  sources: Map<string, DesiredSource>;
}

/** The only place adapters are constructed. */
export function createHostDeps(config: Config): HostDeps {
  return {
    files: new NodeFileSystem(),
    runner: new ExecCommandRunner(),
    docker: new DockerodeHost(config.docker.socketPath),
    clock: systemClock,
  };
}

/** Sources and resources for a configuration, on the given host. */
export function createRuntime(config: Config, host: HostDeps, logger: Logger): Runtime {
  const sources = new Map<string, DesiredSource>(
    Object.entries(config.sources).map(([name, spec]) => [name, createSource(name, spec, host.docker, host.files)]),
  );
  const commands = {
    prefix: config.commands.prefix,
    systemctl: config.commands.systemctl,
    firewallCmd: config.commands.firewallCmd,
    semanage: config.commands.semanage,
    selinuxenabled: config.commands.selinuxenabled,
    timeoutMs: config.commands.timeout,
  };
  const extras = { listenCheck: config.listenCheck, runner: host.runner, commands };
  return {
    config,
    logger,
    ...host,
    sources,
    resources: config.resources.map((spec) => createResource(spec, host.files, host.docker, extras)),
    commands,
  };
}
