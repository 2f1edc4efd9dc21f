import { z } from 'zod';
import { duration } from './duration-schema';
import {
  absolutePath,
  procNetPath,
  checkFileLine,
  commandArgv,
  containerCredentials,
  containerFile,
  containerIniValue,
  containersSource,
  directoryMirror,
  fileLine,
  firewalldServicePort,
  iniValue,
  name,
  nonEmptyArgv,
  publishedPortFirewall,
  selinuxPortType,
  systemdSocketPort,
} from './kind-schemas';
import { ownershipConflicts } from './ownership';

/** The longest resync interval: a level-triggered safety net that runs less than daily is none. */
const MAX_RESYNC_MS = 24 * 3_600_000;

export const RESOURCE_KINDS = ['SystemdSocketPort', 'FirewalldServicePort', 'FileLine', 'IniValue', 'DirectoryMirror', 'ContainerCredentials', 'SelinuxPortType', 'PublishedPortFirewall'] as const;
export const SOURCE_KINDS = ['ContainerIniValue', 'ContainerFile', 'Containers'] as const;

/** Resource kinds whose source must give a port (`type: port`). */
const PORT_KINDS: readonly string[] = ['SystemdSocketPort', 'FirewalldServicePort', 'SelinuxPortType'];

/** Which source kind each resource kind reads (DirectoryMirror reads none). */
const SOURCE_KIND_OF: Record<string, string> = {
  SystemdSocketPort: 'ContainerIniValue',
  FirewalldServicePort: 'ContainerIniValue',
  FileLine: 'ContainerIniValue',
  IniValue: 'ContainerIniValue',
  SelinuxPortType: 'ContainerIniValue',
  ContainerCredentials: 'ContainerFile',
};

const resource = z.discriminatedUnion('kind', [systemdSocketPort, firewalldServicePort, fileLine.superRefine(checkFileLine), iniValue, directoryMirror, containerCredentials, selinuxPortType, publishedPortFirewall]);

/** The sections of the configuration, each complete (after defaults are merged). */
export const sections = {
  docker: z.strictObject({ socketPath: absolutePath }),
  status: z.strictObject({ file: absolutePath }),
  journal: z.strictObject({
    /** null: `journal.jsonl` beside the status file. */
    file: absolutePath.nullable().default(null),
    maxBytes: z.number().int().min(4096, 'must be at least 4096 (bytes)'),
    webhook: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), 'must not contain user:password@ (put a token in the path or query)')
      .nullable()
      .default(null),
  }),
  timing: z.strictObject({
    resyncInterval: duration,
    debounce: duration,
    maxDebounce: duration,
    backoffInitial: duration,
    backoffMax: duration,
    passTimeout: duration,
  }),
  commands: z.strictObject({
    prefix: commandArgv,
    systemctl: nonEmptyArgv,
    firewallCmd: nonEmptyArgv,
    semanage: nonEmptyArgv,
    selinuxenabled: nonEmptyArgv,
    iptablesSave: nonEmptyArgv,
    iptablesRestore: nonEmptyArgv,
    ip6tablesSave: nonEmptyArgv,
    ip6tablesRestore: nonEmptyArgv,
    /** A long-running command whose output lines announce firewall reloads (firewalld's `Reloaded` signal); [] for none. */
    firewallMonitor: commandArgv,
    timeout: duration,
  }),
  listenCheck: z.strictObject({ procNet: procNetPath }),
  sources: z.record(name, z.discriminatedUnion('kind', [containerIniValue, containerFile, containersSource])),
  resources: z.array(resource),
};

/** The whole configuration after defaults are merged (durations in milliseconds). */
export const configSchema = z.strictObject(sections).superRefine((config, ctx) => {
  const seen = new Set<string>();
  config.resources.forEach((r, i) => {
    if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: ['resources', i, 'name'], message: `duplicate resource name "${r.name}"` });
    seen.add(r.name);
    if (!('source' in r)) return;
    const source = config.sources[r.source];
    if (!source) {
      ctx.addIssue({ code: 'custom', path: ['resources', i, 'source'], message: `names no source under "sources" ("${r.source}")` });
    } else if (source.kind !== SOURCE_KIND_OF[r.kind]) {
      ctx.addIssue({ code: 'custom', path: ['resources', i, 'source'], message: `a ${r.kind} needs a ${SOURCE_KIND_OF[r.kind]} source, "${r.source}" is a ${source.kind}` });
    } else if (PORT_KINDS.includes(r.kind) && source.kind === 'ContainerIniValue' && source.type !== 'port') {
      ctx.addIssue({ code: 'custom', path: ['resources', i, 'source'], message: `a ${r.kind} needs a port, "${r.source}" is of type ${source.type}` });
    }
  });
  for (const [key, source] of Object.entries(config.sources)) {
    if (source.kind === 'ContainerIniValue' && source.volume === null && source.path === null) {
      ctx.addIssue({ code: 'custom', path: ['sources', key], message: 'needs "volume" or "path" to find the file' });
    }
  }
  const timing = config.timing;
  if (timing.maxDebounce < timing.debounce) ctx.addIssue({ code: 'custom', path: ['timing', 'maxDebounce'], message: 'must not be shorter than timing.debounce' });
  if (timing.backoffMax < timing.backoffInitial) ctx.addIssue({ code: 'custom', path: ['timing', 'backoffMax'], message: 'must not be shorter than timing.backoffInitial' });
  if (timing.passTimeout < 1000) ctx.addIssue({ code: 'custom', path: ['timing', 'passTimeout'], message: 'must be at least 1s' });
  if (timing.resyncInterval < 1000) ctx.addIssue({ code: 'custom', path: ['timing', 'resyncInterval'], message: 'must be at least 1s' });
  if (timing.resyncInterval > MAX_RESYNC_MS) ctx.addIssue({ code: 'custom', path: ['timing', 'resyncInterval'], message: 'must be at most 24h' });
  for (const conflict of ownershipConflicts(config.resources)) ctx.addIssue({ code: 'custom', ...conflict });
});

export type Config = z.output<typeof configSchema>;
export type ResourceConfig = Config['resources'][number];
export type SourceConfig = Config['sources'][string];

/**
 * The resources that run: those not switched off with `enabled: false` — and switched-off
 * PublishedPortFirewall ones, which run to remove their chain and jump (what they leave
 * behind would otherwise keep filtering).
 */
export function enabledResources(config: Config): ResourceConfig[] {
  return config.resources.filter((r) => r.enabled || r.kind === 'PublishedPortFirewall');
}
