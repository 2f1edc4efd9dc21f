import { z } from 'zod';
import { containerCredentials, containerFile, containerIniValue, containersSource, directoryMirror, fileLine, firewalldServicePort, iniValue, name, selinuxPortType, systemdSocketPort, template, publishedPortFirewall } from './kind-schemas';
import { sections } from './schema';

/** A change to one default resource: any of its keys but the name (`{ enabled: false }`). */
const resourceChange = z.union([
  systemdSocketPort.omit({ name: true }).partial(),
  firewalldServicePort.omit({ name: true }).partial(),
  fileLine.omit({ name: true }).partial(),
  iniValue.omit({ name: true }).partial(),
  selinuxPortType.omit({ name: true }).partial(),
  publishedPortFirewall.omit({ name: true }).partial(),
  directoryMirror.omit({ name: true }).partial(),
  containerCredentials.omit({ name: true }).partial(),
  template.omit({ name: true }).partial(),
]);

/**
 * What a configuration file may hold, before it is merged over the defaults: every key optional,
 * sources changed key by key, `resources:` as a list (replacing the defaults) or as a mapping of
 * changes by name. The source of config/schema.json, for editors; loading validates the merged
 * result against the full schema.
 */
const configFileSchema = z
  .strictObject({
    docker: sections.docker.partial().nullable(),
    status: sections.status.partial().nullable(),
    journal: sections.journal.partial().nullable(),
    timing: sections.timing.partial().nullable(),
    commands: sections.commands.partial().nullable(),
    listenCheck: sections.listenCheck.partial().nullable(),
    sources: z.record(name, z.union([containerIniValue.partial(), containerFile.partial(), containersSource.partial()]).nullable()).nullable(),
    resources: z.union([sections.resources, z.record(name, resourceChange.nullable())]).nullable(),
  })
  .partial();

/** The JSON Schema of a configuration file (config/schema.json; `npm run schema` rewrites it). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configFileSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'reconcile configuration',
    description: 'A file for `reconcile --config`, merged over config/default.yaml. See docs/configuration.md.',
  };
}
