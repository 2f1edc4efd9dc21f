import { z } from 'zod';
import { parseCidr } from '../core/cidr';
import { VALUE_TYPES } from '../core/value-type';

// The shapes of every source and resource kind, without cross-field rules, so that the file
// schema (src/config/file-schema.ts) can make them partial for overrides.

const argv = z.array(z.string().min(1, 'must not be empty'));
export const commandArgv = argv;
export const nonEmptyArgv = argv.min(1, 'needs at least the program name');
export const absolutePath = z.string().regex(/^\//, 'must be an absolute path');
/**
 * `<proc root>/<pid>/net`: the network namespace is that process's, and the processes holding a
 * socket are looked up in `<proc root>/*\/fd`. `/proc/net` (the controller's own namespace, with
 * no proc root two levels up) is refused rather than silently walking `/`.
 */
export const procNetPath = z
  .string()
  .regex(/^(\/[^/\0]+)+\/(?:[1-9][0-9]{0,9}|self)\/net$/, 'must be <proc root>/<pid>/net or <proc root>/self/net, e.g. /proc/1/net (the network namespace of that process; the holders of a port are found in <proc root>/<pid>/fd)')
  .refine((p) => !p.split('/').includes('..') && !p.split('/').includes('.'), 'must not contain . or .. segments');
/** Docker object names: no `/`, no spaces (so they cannot escape the volumes directory). */
const dockerName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a Docker name (letters, digits, _ . -)');
export const name = z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'must be lowercase letters, digits, . and -');

export const containerIniValue = z.strictObject({
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

export const containerFile = z.strictObject({
  kind: z.literal('ContainerFile'),
  container: dockerName,
  path: absolutePath,
  format: z.enum(['json', 'password']).default('json'),
  username: z.string().min(1).optional(),
});

/** A label selector: `key` (any value) or `key=value`; keys as Docker allows them, no line breaks. */
const labelSelector = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*(=[^\r\n]*)?$/, 'must be a label key (letters, digits, . _ / -), optionally followed by =value');

export const containersSource = z.strictObject({
  kind: z.literal('Containers'),
  labels: z.array(labelSelector).default([]),
  /** Environment variables the template may read (they may be secrets: none unless listed). */
  env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')).default([]),
});

/** A path inside a volume: relative, no `..`. */
const subPath = z
  .string()
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a relative path inside the volume (no leading / and no ..)');

const location = z.union([z.strictObject({ path: absolutePath }), z.strictObject({ volume: dockerName, subPath: subPath.default('') })]);

const execCommand = z.strictObject({ container: dockerName, command: argv.min(1, 'needs at least the program name') });
/** Run after the files are written, before the afterChange command; non-zero puts the files back. */
const check = z.union([z.strictObject({ exec: execCommand }), z.strictObject({ command: argv.min(1, 'needs at least the program name') })]);
const afterChange = z.union([
  z.strictObject({ exec: execCommand, check: check.optional() }),
  z.strictObject({ systemctl: argv.min(1, 'needs at least one argument'), check: check.optional() }),
]);

const regex = z.string().superRefine((value, ctx) => {
  try {
    new RegExp(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${(error as Error).message}` });
  }
});

/** Keys every resource has: its name, and whether it runs (`enabled: false` switches it off). */
const common = { name, enabled: z.boolean().default(true) };

export const fileLine = z.strictObject({
  ...common,
  kind: z.literal('FileLine'),
  source: z.string().min(1),
  path: absolutePath.optional(),
  volume: dockerName.optional(),
  file: subPath.optional(),
  match: regex,
  template: z.string().refine((t) => t.includes('{value}'), 'must contain {value}').refine((t) => !/[\r\n]/.test(t), 'must be one line'),
  afterChange: afterChange.optional(),
});

/** FileLine: a file either by host path or by volume and file. */
export function checkFileLine(spec: z.output<typeof fileLine>, ctx: z.RefinementCtx): void {
  const byPath = spec.path !== undefined;
  const byVolume = spec.volume !== undefined || spec.file !== undefined;
  if (byPath === byVolume) ctx.addIssue({ code: 'custom', path: ['path'], message: 'give either path, or volume and file' });
  else if (byVolume && (spec.volume === undefined || !spec.file)) ctx.addIssue({ code: 'custom', path: ['volume'], message: 'volume and file go together' });
}

/** A GLib key-file group or key name: one line, no brackets or `=`, no surrounding spaces. */
const keyFileName = z.string().regex(/^[^\s[\]=#](?:[^\r\n[\]=]*[^\s[\]=])?$/, 'must be a key-file name (no [ ] =, line breaks or surrounding spaces)');

export const iniValue = z.strictObject({
  ...common,
  kind: z.literal('IniValue'),
  source: z.string().min(1),
  path: absolutePath,
  section: keyFileName,
  key: keyFileName,
  template: z.string().refine((t) => t.includes('{value}'), 'must contain {value}').refine((t) => !/[\r\n]/.test(t), 'must be one line').default('{value}'),
  create: z.boolean().default(false),
  afterChange: afterChange.optional(),
});

export const directoryMirror = z.strictObject({
  ...common,
  kind: z.literal('DirectoryMirror'),
  from: location,
  to: location,
  include: z.array(z.string().min(1)).min(1).default(['*']),
  prune: z.boolean().default(false),
  afterChange: afterChange.optional(),
});

export const containerCredentials = z.strictObject({
  ...common,
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

/** A marker line of a Template `block`: one line, not blank. */
const markerLine = z.string().refine((l) => l.trim() !== '', 'must not be blank').refine((l) => !/[\r\n]/.test(l), 'must be one line');

export const template = z.strictObject({
  ...common,
  kind: z.literal('Template'),
  source: z.string().min(1),
  /** The Liquid template (a host file; watched). */
  template: absolutePath,
  /** The file rendered (or whose block is rendered). */
  path: absolutePath,
  /** Write in place keeping the inode (a single-file bind mount); default: when /proc/self/mountinfo shows `path` is a mount point. */
  inPlace: z.boolean().optional(),
  /** Manage only the lines between these marker lines (e.g. in /etc/hosts). */
  block: z.strictObject({ begin: markerLine, end: markerLine }).refine((b) => b.begin !== b.end, { message: 'begin and end must differ', path: ['end'] }).optional(),
  /** Mode of a file that is created. */
  mode: z.number().int().min(0).max(0o7777).default(0o644),
  afterChange: afterChange.optional(),
});

export const systemdSocketPort = z.strictObject({
  ...common,
  kind: z.literal('SystemdSocketPort'),
  source: z.string().min(1),
  unit: z.string().regex(/^[A-Za-z0-9@_.:-]+\.socket$/, 'must be a socket unit name such as cockpit.socket'),
  unitPath: absolutePath,
  dropInDir: absolutePath,
  mode: z.enum(['dropin', 'inplace']).default('dropin'),
  service: z.string().regex(/^[A-Za-z0-9@_.:-]+\.service$/, 'must be a service unit name').optional(),
});

export const firewalldServicePort = z.strictObject({
  ...common,
  kind: z.literal('FirewalldServicePort'),
  source: z.string().min(1),
  files: z.array(absolutePath).min(1),
});

export const selinuxPortType = z.strictObject({
  ...common,
  kind: z.literal('SelinuxPortType'),
  source: z.string().min(1),
  type: z.string().regex(/^[a-z0-9_]+_t$/, 'must be an SELinux type such as websm_port_t').default('websm_port_t'),
  protocol: z.enum(['tcp', 'udp']).default('tcp'),
});

/** An IPv4 or IPv6 block (`198.18.9.0/24`, `2001:db8:9::/48`) or a single address. */
const cidr = z.string().refine((c) => parseCidr(c) !== null, 'must be an IPv4 or IPv6 CIDR such as 198.18.9.0/24 or 2001:db8:9::/48');

export const publishedPortFirewall = z.strictObject({
  ...common,
  kind: z.literal('PublishedPortFirewall'),
  /** A published port without the label: open to anyone (allow), or only to allowFrom (deny). */
  default: z.enum(['allow', 'deny']).default('allow'),
  /** Sources every published port accepts. */
  allowFrom: z.array(cidr).max(64, 'must list at most 64 blocks').default([]),
  /** What writes the rules: an iptables chain jumped to from DOCKER-USER, an nftables table of our own, or auto (iptables where DOCKER-USER exists). */
  backend: z.enum(['iptables', 'nftables', 'auto']).default('iptables'),
});
