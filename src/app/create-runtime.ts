import { DockerodeHost } from '../adapters/dockerode-host';
import { ChokidarDirectoryWatcher } from '../adapters/chokidar-directory-watcher';
import { ExecCommandRunner } from '../adapters/exec-command-runner';
import { FetchHttpPoster } from '../adapters/fetch-http-poster';
import { NodeAppendLog } from '../adapters/node-append-log';
import { NodeConfigFiles } from '../adapters/node-config-files';
import { NodeFileSystem } from '../adapters/node-file-system';
import { NodeHttpServers } from '../adapters/node-http-server';
import { ClaimsDirectory } from '../adapters/claims-directory';
import { pidLocks } from '../adapters/pid-lock';
import { systemClock } from '../adapters/system-clock';
import { SpawnLineProcesses } from '../adapters/spawn-line-processes';
import { SystemdNotify } from '../adapters/systemd-notify';
import type { ServiceNotifier } from '../host/service-notifier';
import { notifySettingsFromEnv } from './systemd-notifications';
import { DEFAULT_CONFIG_PATH, readConfig } from '../config/load-config';
import { enabledResources, type Config } from '../config/schema';
import type { Logger } from '../core/logger';
import { createSource } from '../sources/create-source';
import type { DesiredSource } from '../sources/desired';
import type { AppendLog } from '../host/append-log';
import type { Clock } from '../host/clock';
import type { HttpPoster } from '../host/http-poster';
import type { CommandRunner } from '../host/command-runner';
import type { DirectoryWatcher } from '../host/directory-watcher';
import type { DockerHost } from '../host/docker-host';
import type { ConfigFiles } from '../host/config-files';
import type { FileSystem } from '../host/file-system';
import type { HttpServers } from '../host/http-server';
import type { LineProcesses } from '../host/line-process';
import type { PathClaims } from '../host/path-claims';
import type { ProcessLocks } from '../host/process-lock';
import type { PassDeps } from '../controller/run-pass';
import { createResource } from '../resources/create-resource';
import { systemctlShow } from '../resources/systemd-socket-port/running-state';
import { Journal, journalPath } from '../status/journal/journal';
import { Webhook } from '../status/journal/webhook';

/** Everything with side effects, in one object; tests may pass their own. */
export interface HostDeps {
  files: FileSystem;
  runner: CommandRunner;
  docker: DockerHost;
  clock: Clock;
  /** The journal's file. */
  appendLog: AppendLog;
  /** The journal's webhook. */
  http: HttpPoster;
  /** The file trigger's directory watches. */
  watcher: DirectoryWatcher;
  /** `<status file>.lock`: one controller per status file. */
  locks: ProcessLocks;
  /** The metrics endpoint (`--metrics-addr`). */
  httpServers: HttpServers;
  /** Configuration files (re-read on SIGHUP). */
  configFiles: ConfigFiles;
  /** Long-running monitors (the firewall triggers: `commands.firewallMonitor`, `commands.netfilterMonitor`); none: no such trigger. */
  lineProcesses?: LineProcesses;
  /** Claims of the files this controller writes (`status.claimsDir`); none: not detected (tests). Released at exit. */
  claims?: PathClaims;
}

/** A configuration turned into live objects. */
export interface Runtime extends PassDeps {
  config: Config;
  docker: DockerHost;
  logger: Logger;
  sources: Map<string, DesiredSource>;
  /** `--once` asks whether a controller holds the status file's lock. */
  locks: ProcessLocks;
}

/** The only place adapters are constructed; `statusFile` names this controller in its claims. */
export function createHostDeps(config: Config, statusFile: string = config.status.file): HostDeps {
  return {
    files: new NodeFileSystem(),
    runner: new ExecCommandRunner(),
    docker: new DockerodeHost(config.docker.socketPath),
    clock: systemClock,
    appendLog: new NodeAppendLog(),
    http: new FetchHttpPoster(),
    watcher: new ChokidarDirectoryWatcher(),
    locks: pidLocks,
    httpServers: new NodeHttpServers(),
    configFiles: new NodeConfigFiles(),
    lineProcesses: new SpawnLineProcesses(),
    claims: new ClaimsDirectory({ dir: config.status.claimsDir, statusFile }),
  };
}

/**
 * The configuration in force (config/load-config.ts), read from the host's files: the packaged
 * defaults with the file at `path` merged over them. Throws UsageError (exit 64).
 */
export function loadConfig(path?: string, defaultsPath: string = DEFAULT_CONFIG_PATH): Config {
  return readConfig(new NodeConfigFiles(), path, defaultsPath);
}

/** What `reconcile status` and `reconcile history` read, before (or without) a valid configuration. */
export function createLocalFiles(): { files: FileSystem; appendLog: AppendLog } {
  return { files: new NodeFileSystem(), appendLog: new NodeAppendLog() };
}

/** The correction journal of a configuration (and its webhook, when one is set). */
export function createJournal(config: Config, statusFile: string, host: HostDeps, logger: Logger, onWebhookFailure?: (problem: string) => void): Journal {
  const url = config.journal.webhook;
  const webhook = url === null ? null : new Webhook({
    url,
    poster: host.http,
    clock: host.clock,
    onFailure: (problem) => {
      logger.warn({ problem }, 'journal webhook: entry not delivered');
      onWebhookFailure?.(problem);
    },
  });
  return new Journal({ log: host.appendLog, file: journalPath(config, statusFile), maxBytes: config.journal.maxBytes, logger, webhook });
}

/** Sources and resources for a configuration, on the given host. */
export function createRuntime(config: Config, host: HostDeps, logger: Logger): Runtime {
  const sources = new Map<string, DesiredSource>(
    Object.entries(config.sources).map(([name, spec]) => [name, createSource(name, spec, host.docker, host.files, process.env)]),
  );
  const commands = {
    prefix: config.commands.prefix,
    systemctl: config.commands.systemctl,
    firewallCmd: config.commands.firewallCmd,
    semanage: config.commands.semanage,
    selinuxenabled: config.commands.selinuxenabled,
    iptablesSave: config.commands.iptablesSave,
    iptablesRestore: config.commands.iptablesRestore,
    ip6tablesSave: config.commands.ip6tablesSave,
    ip6tablesRestore: config.commands.ip6tablesRestore,
    nft: config.commands.nft,
    timeoutMs: config.commands.timeout,
  };
  const running = systemctlShow(host.runner, commands);
  const extras = { listenCheck: config.listenCheck, runner: host.runner, commands, running };
  return {
    config,
    logger,
    ...host,
    sources,
    // `enabled: false` resources are configured but never built: nothing observes or writes them
    // (but a PublishedPortFirewall, which runs to remove its chain: see enabledResources).
    resources: enabledResources(config).map((spec) => createResource(spec, host.files, host.docker, extras)),
    commands,
  };
}

/**
 * systemd's notify socket and watchdog, when the service manager set them (`Type=notify`); null
 * otherwise. The variables are removed from the environment so that the commands the controller
 * runs (systemctl, firewall-cmd) never see them, as sd_notify(3) does with unset_environment.
 */
export function createNotifier(env: NodeJS.ProcessEnv, pid: number): { notifier: ServiceNotifier; watchdogMs: number | null } | null {
  const settings = notifySettingsFromEnv(env, pid);
  for (const key of ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const) delete env[key];
  return settings ? { notifier: new SystemdNotify(settings.socket), watchdogMs: settings.watchdogMs } : null;
}
