/**
 * The desired value of a source, or why it is not known. "Unknown" is never turned into a
 * default: resources depending on an unavailable or invalid source are left untouched.
 */
import { fingerprint } from '../core/secrets';
import { isContainerSet, type ContainerSet } from './container-set';

/** A user name and password read from a container (never logged, never in the status file). */
export interface Credentials {
  username: string;
  password: string;
}

/** What sources yield: a port, a string, credentials, or a set of containers (a `Containers` source). */
export type DesiredValue = number | string | Credentials | ContainerSet;

export type Desired = (
  | { kind: 'value'; value: DesiredValue; /** where it was read, for humans */ origin: string }
  | { kind: 'unavailable'; message: string; /** set when the file was refused: a symlink leaving its volume */ reason?: 'UnsafePath' }
  | { kind: 'invalid'; message: string }
) & {
  /**
   * Host files and directories whose changes should start a pass, as this read found them (a
   * pure function of the spec and the read, like `Observation.watch`: config.ini's host path
   * once the volume mount told where it is). Absent: nothing on the host to watch.
   */
  watch?: readonly string[];
};

/** How a desired value appears in the status file and output: credentials only as a fingerprint, containers as a count. */
export function showDesired(value: DesiredValue): number | string {
  if (isContainerSet(value)) return `${value.containers.length} container${value.containers.length === 1 ? '' : 's'}`;
  return typeof value === 'object' ? fingerprint(value.username, value.password) : value;
}

/** Where desired values come from (configuration `sources.<name>`). */
export interface DesiredSource {
  readonly name: string;
  /** Containers whose events should trigger a pass. */
  containers(): string[];
  /** Labels (`key` or `key=value`): the events of containers carrying all of them trigger a pass (a `Containers` source). */
  labels?(): string[];
  read(): Promise<Desired>;
}
