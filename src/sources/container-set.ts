import type { ListedContainer } from '../host/container-listing';

/**
 * The value of a `Containers` source: the running containers that carry the source's labels,
 * sorted by name, as the Docker API listed them in this pass (hostile values: every consumer
 * validates what it uses), and the environment variables the source passes on (`env:`; they
 * may be secrets: never shown in the status or logs).
 */
export interface ContainerSet {
  kind: 'containers';
  containers: readonly ListedContainer[];
  env: Readonly<Record<string, string>>;
}

/** Whether a desired value is a Containers source's set. */
export function isContainerSet(value: unknown): value is ContainerSet {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'containers';
}
