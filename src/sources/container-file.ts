import { describeError } from '../core/errors';
import type { DockerHost } from '../host/docker-host';
import { readyContainer } from '../files/container-volume-file';
import type { Credentials, Desired, DesiredSource } from './desired';
import type { ContainerFileSpec } from '../config/kind-specs';

/** Credential files are tiny; anything larger is not one. */
export const MAX_CREDENTIAL_BYTES = 64 * 1024;

const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Credentials read from a container's file system through the Docker archive API (the
 * container need not share a volume with the host). Messages never contain the file's content.
 * Nothing on the host to watch (no `watch` in its reads): re-read on the container's events and
 * on resync.
 */
export class ContainerFile implements DesiredSource {
  constructor(
    readonly name: string,
    private readonly spec: ContainerFileSpec,
    private readonly docker: DockerHost,
  ) {}

  containers(): string[] {
    return [this.spec.container];
  }

  async read(): Promise<Desired> {
    const where = `${this.spec.container}:${this.spec.path}`;
    // Running is enough: unlike a shared volume file, the credential is read from the container itself.
    const ready = await readyContainer(this.docker, this.spec.container, { healthy: false });
    if (!ready.ok) return { kind: 'unavailable', message: ready.message };
    let bytes: Buffer | null;
    try {
      bytes = await this.docker.readContainerFile(this.spec.container, this.spec.path, MAX_CREDENTIAL_BYTES);
    } catch (error) {
      return { kind: 'unavailable', message: describeError(error) };
    }
    if (bytes === null) return { kind: 'unavailable', message: `${where} does not exist` };
    const parsed = this.parse(bytes.toString('utf8'));
    if (typeof parsed === 'string') return { kind: 'invalid', message: `${where}: ${parsed}` };
    return { kind: 'value', value: parsed, origin: where };
  }

  /** Credentials, or a problem that names no part of the content. */
  private parse(text: string): Credentials | string {
    let username = this.spec.username;
    let password: unknown;
    if (this.spec.format === 'password') {
      password = text.split(/\r?\n/)[0]?.trim();
    } else {
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        return 'not valid JSON';
      }
      if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'not a JSON object';
      const record = data as Record<string, unknown>;
      if (typeof record.username === 'string') username = record.username;
      password = record.password;
    }
    if (typeof password !== 'string' || password === '') return 'no password';
    if (!username) return 'no username (set `username` in the source)';
    if (CONTROL.test(password) || CONTROL.test(username)) return 'credentials contain control characters or line breaks';
    return { username, password };
  }
}
