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
  template,
} from './kind-schemas';
import { crossKeyIssues } from './cross-key-checks';

export const RESOURCE_KINDS = ['SystemdSocketPort', 'FirewalldServicePort', 'FileLine', 'IniValue', 'DirectoryMirror', 'ContainerCredentials', 'SelinuxPortType', 'Template', 'PublishedPortFirewall'] as const;
export const SOURCE_KINDS = ['ContainerIniValue', 'ContainerFile', 'Containers'] as const;

const resource = z.discriminatedUnion('kind', [systemdSocketPort, firewalldServicePort, fileLine.superRefine(checkFileLine), iniValue, directoryMirror, containerCredentials, selinuxPortType, template, publishedPortFirewall]);

/** The sections of the configuration, each complete (after defaults are merged). */
export const sections = {
  docker: z.strictObject({ socketPath: absolutePath }),
  /** maxAge: how old a `--once` status may be before `status` calls it stale (cron's interval and then some). */
  /** claimsDir: one marker per file a controller writes, shared by every controller of the host (docs/controller.md). */
  status: z.strictObject({ file: absolutePath, maxAge: duration.default(86_400_000), claimsDir: absolutePath.default('/run/reconciler/claims') }),
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
    nft: nonEmptyArgv,
    /** A long-running command whose output lines announce firewall reloads (firewalld's `Reloaded` signal); [] for none. */
    firewallMonitor: commandArgv,
    /** A long-running command whose output lines are netfilter changes (`nft monitor`); [] for none. */
    netfilterMonitor: commandArgv,
    timeout: duration,
  }),
  listenCheck: z.strictObject({ procNet: procNetPath }),
  sources: z.record(name, z.discriminatedUnion('kind', [containerIniValue, containerFile, containersSource])),
  resources: z.array(resource),
};

/** The whole configuration after defaults are merged (durations in milliseconds). */
export const configSchema = z.strictObject(sections).superRefine((config, ctx) => {
  for (const issue of crossKeyIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
});

export type Config = z.output<typeof configSchema>;
export type ResourceConfig = Config['resources'][number];
export type SourceConfig = Config['sources'][string];
export type Timing = Config['timing'];

/**
 * The resources that run: those not switched off with `enabled: false` — and switched-off
 * PublishedPortFirewall ones, which run to remove their chain and jump (what they leave
 * behind would otherwise keep filtering).
 */
export function enabledResources(config: Config): ResourceConfig[] {
  return config.resources.filter((r) => r.enabled || r.kind === 'PublishedPortFirewall');
}
