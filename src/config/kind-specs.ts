import type { z } from 'zod';

import type {
  containerCredentials,
  containerFile,
  containerIniValue,
  containersSource,
  directoryMirror,
  fileLine,
  firewalldServicePort,
  iniValue,
  publishedPortFirewall,
  selinuxPortType,
  systemdSocketPort,
  template,
} from './kind-schemas';

// What a source's or resource's code is given: the parsed configuration of its kind, inferred from
// the schema (so a key added there reaches the code with its type, and nothing is written twice).
// Resources do not see `enabled`: the controller leaves disabled ones out before they are built.

/** `sources.<name>` of kind ContainerIniValue, parsed (defaults applied). */
export type ContainerIniValueSpec = z.output<typeof containerIniValue>;
/** `sources.<name>` of kind ContainerFile, parsed (defaults applied). */
export type ContainerFileSpec = z.output<typeof containerFile>;

/** `sources.<name>` of kind Containers, parsed. */
export type ContainersSpec = z.output<typeof containersSource>;

type ResourceSpec<T extends z.ZodType> = Omit<z.output<T>, 'enabled'>;

/** A SystemdSocketPort resource, parsed. */
export type SystemdSocketPortSpec = ResourceSpec<typeof systemdSocketPort>;
/** A FirewalldServicePort resource, parsed. */
export type FirewalldServicePortSpec = ResourceSpec<typeof firewalldServicePort>;
/** A FileLine resource, parsed. */
export type FileLineSpec = ResourceSpec<typeof fileLine>;
/** A DirectoryMirror resource, parsed. */
export type DirectoryMirrorSpec = ResourceSpec<typeof directoryMirror>;
/** A ContainerCredentials resource, parsed. */
export type ContainerCredentialsSpec = ResourceSpec<typeof containerCredentials>;

/** An IniValue resource, parsed. */
export type IniValueSpec = ResourceSpec<typeof iniValue>;
/** A SelinuxPortType resource, parsed. */
export type SelinuxPortTypeSpec = ResourceSpec<typeof selinuxPortType>;

/** A Template resource, parsed. */
export type TemplateSpec = ResourceSpec<typeof template>;
/** A PublishedPortFirewall resource, parsed. */
export type PublishedPortFirewallSpec = ResourceSpec<typeof publishedPortFirewall>;

/** What to run after a resource changed something (configuration key `afterChange`). */
export type AfterChange = NonNullable<FileLineSpec['afterChange']>;
