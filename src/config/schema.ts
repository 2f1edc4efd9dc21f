import { z } from 'zod';
import { parseDuration } from '../core/duration';
import { VALUE_TYPES } from '../core/value-type';

/** A duration (`100ms`, `30s`, `1m`, or milliseconds as a number), parsed to milliseconds. */
const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a duration (use e.g. 500ms, 30s, 1m)` });
    return z.NEVER;
  }
  return ms;
});

const argv = z.array(z.string().min(1, 'must not be empty'));
const nonEmptyArgv = argv.min(1, 'needs at least the program name');
const absolutePath = z.string().regex(/^\//, 'must be an absolute path');
/** Docker object names: no `/`, no spaces (so they cannot escape the volumes directory). */
const dockerName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a Docker name (letters, digits, _ . -)');
const name = z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'must be lowercase letters, digits, . and -');

const containerIniValue = z.strictObject({
  kind: z.literal('ContainerIniValue'),
  container: dockerName,
  volume: dockerName.nullable().default(null),
  file: z
    .string()
    .min(1)
    .refine((f) => !f.split('/').includes('..'), 'must stay inside the volume (no ..)'),
  path: absolutePath.nullable().default(null),
  section: z.string().min(1),
  key: z.string().min(1),
  type: z.enum(VALUE_TYPES).default('port'),
});

const containerFile = z.strictObject({
  kind: z.literal('ContainerFile'),
  container: dockerName,
  path: absolutePath,
  format: z.enum(['json', 'password']).default('json'),
  username: z.string().min(1).optional(),
});

/** A path inside a volume: relative, no `..`. */
const subPath = z
  .string()
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a relative path inside the volume (no leading / and no ..)');

const location = z.union([z.strictObject({ path: absolutePath }), z.strictObject({ volume: dockerName, subPath: subPath.default('') })]);

const afterChange = z.union([
  z.strictObject({ exec: z.strictObject({ container: dockerName, command: argv.min(1, 'needs at least the program name') }) }),
  z.strictObject({ systemctl: argv.min(1, 'needs at least one argument') }),
]);

const regex = z.string().superRefine((value, ctx) => {
  try {
    new RegExp(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${(error as Error).message}` });
  }
});

const fileLine = z
  .strictObject({
    name,
    kind: z.literal('FileLine'),
    source: z.string().min(1),
    path: absolutePath.optional(),
    volume: dockerName.optional(),
    file: subPath.optional(),
    match: regex,
    template: z.string().refine((t) => t.includes('{value}'), 'must contain {value}').refine((t) => !/[\r\n]/.test(t), 'must be one line'),
    afterChange: afterChange.optional(),
  })
  .superRefine((spec, ctx) => {
    const byPath = spec.path !== undefined;
    const byVolume = spec.volume !== undefined || spec.file !== undefined;
    if (byPath === byVolume) ctx.addIssue({ code: 'custom', path: ['path'], message: 'give either path, or volume and file' });
    else if (byVolume && (spec.volume === undefined || !spec.file)) ctx.addIssue({ code: 'custom', path: ['volume'], message: 'volume and file go together' });
  });

/** A GLib key-file group or key name: one line, no brackets or `=`, no surrounding spaces. */
const keyFileName = z.string().regex(/^[^\s[\]=#](?:[^\r\n[\]=]*[^\s[\]=])?$/, 'must be a key-file name (no [ ] =, line breaks or surrounding spaces)');

const iniValue = z.strictObject({
  name,
  kind: z.literal('IniValue'),
  source: z.string().min(1),
  path: absolutePath,
  section: keyFileName,
  key: keyFileName,
  template: z.string().refine((t) => t.includes('{value}'), 'must contain {value}').refine((t) => !/[\r\n]/.test(t), 'must be one line').default('{value}'),
  create: z.boolean().default(false),
  afterChange: afterChange.optional(),
});

const directoryMirror = z.strictObject({
  name,
  kind: z.literal('DirectoryMirror'),
  from: location,
  to: location,
  include: z.array(z.string().min(1)).min(1).default(['*']),
  prune: z.boolean().default(false),
  afterChange: afterChange.optional(),
});

const containerCredentials = z.strictObject({
  name,
  kind: z.literal('ContainerCredentials'),
  source: z.string().min(1),
  container: dockerName.default('websoft9-apphub'),
  volume: dockerName.nullable().default('websoft9_apphub_config'),
  file: subPath.default('config.ini'),
  path: absolutePath.nullable().default(null),
  section: z.string().min(1),
  userKey: z.string().min(1).default('user_name'),
  passwordKey: z.string().min(1).default('user_pwd'),
  method: z.enum(['cli', 'ini']).default('cli'),
  cli: nonEmptyArgv.default(['apphub', 'setconfig']),
});

const systemdSocketPort = z.strictObject({
  name,
  kind: z.literal('SystemdSocketPort'),
  source: z.string().min(1),
  unit: z.string().regex(/^[A-Za-z0-9@_.:-]+\.socket$/, 'must be a socket unit name such as cockpit.socket'),
  unitPath: absolutePath,
  dropInDir: absolutePath,
  mode: z.enum(['dropin', 'inplace']).default('dropin'),
  service: z.string().regex(/^[A-Za-z0-9@_.:-]+\.service$/, 'must be a service unit name').optional(),
});

const selinuxPortType = z.strictObject({
  name,
  kind: z.literal('SelinuxPortType'),
  source: z.string().min(1),
  type: z.string().regex(/^[a-z0-9_]+_t$/, 'must be an SELinux type such as websm_port_t').default('websm_port_t'),
  protocol: z.enum(['tcp', 'udp']).default('tcp'),
});

const firewalldServicePort = z.strictObject({
  name,
  kind: z.literal('FirewalldServicePort'),
  source: z.string().min(1),
  files: z.array(absolutePath).min(1),
});

export const RESOURCE_KINDS = ['SystemdSocketPort', 'FirewalldServicePort', 'FileLine', 'IniValue', 'DirectoryMirror', 'ContainerCredentials', 'SelinuxPortType'] as const;
export const SOURCE_KINDS = ['ContainerIniValue', 'ContainerFile'] as const;

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

const resource = z.discriminatedUnion('kind', [systemdSocketPort, firewalldServicePort, fileLine, iniValue, directoryMirror, containerCredentials, selinuxPortType]);

/** The whole configuration after defaults are merged (durations in milliseconds). */
export const configSchema = z
  .strictObject({
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
    }),
    commands: z.strictObject({
      prefix: argv,
      systemctl: nonEmptyArgv,
      firewallCmd: nonEmptyArgv,
      semanage: nonEmptyArgv,
      selinuxenabled: nonEmptyArgv,
      timeout: duration,
    }),
    listenCheck: z.strictObject({ procNet: absolutePath }),
    sources: z.record(name, z.discriminatedUnion('kind', [containerIniValue, containerFile])),
    resources: z.array(resource),
  })
  .superRefine((config, ctx) => {
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
    if (config.timing.maxDebounce < config.timing.debounce) {
      ctx.addIssue({ code: 'custom', path: ['timing', 'maxDebounce'], message: 'must not be shorter than timing.debounce' });
    }
    if (config.timing.backoffMax < config.timing.backoffInitial) {
      ctx.addIssue({ code: 'custom', path: ['timing', 'backoffMax'], message: 'must not be shorter than timing.backoffInitial' });
    }
    if (config.timing.resyncInterval < 1000) {
      ctx.addIssue({ code: 'custom', path: ['timing', 'resyncInterval'], message: 'must be at least 1s' });
    }
  });

export type Config = z.output<typeof configSchema>;
export type ResourceConfig = Config['resources'][number];
export type SourceConfig = Config['sources'][string];
