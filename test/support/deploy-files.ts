import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

/** The repository's deploy/ directory. */
export const DEPLOY_DIR = path.join(__dirname, '..', '..', 'deploy');

/** The packaged default configuration. */
export const DEFAULT_CONFIG = path.join(__dirname, '..', '..', 'config', 'default.yaml');

/** A Compose volume entry in long syntax (short syntax is converted by {@link volumeEntries}). */
export interface VolumeEntry {
  type: 'bind' | 'volume';
  source: string;
  target: string;
  readOnly: boolean;
}

/** The parts of a Compose/stack service the tests look at. */
export interface ServiceSpec {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  command?: string[];
  restart?: string;
  pid?: string;
  privileged?: boolean;
  cap_add?: string[];
  volumes?: (string | { type: string; source: string; target: string; read_only?: boolean })[];
  configs?: { source: string; target: string }[];
  healthcheck?: { test?: unknown; interval?: string; timeout?: string; retries?: number; start_period?: string };
  deploy?: { mode?: string; labels?: Record<string, string> };
  labels?: Record<string, string>;
  [key: string]: unknown;
}

/** A Compose file as far as the tests read it. */
export interface ComposeFile {
  version?: string;
  services: Record<string, ServiceSpec>;
  volumes?: Record<string, Record<string, unknown> | null>;
  configs?: Record<string, { file?: string }>;
}

/** Parses a YAML file of deploy/ (or an absolute path). */
export function readYaml<T>(file: string): T {
  const full = path.isAbsolute(file) ? file : path.join(DEPLOY_DIR, file);
  return parse(readFileSync(full, 'utf8')) as T;
}

/** Bind and volume mounts of a service, short syntax (`src:dst[:ro]`) converted to long syntax. */
export function volumeEntries(service: ServiceSpec): VolumeEntry[] {
  return (service.volumes ?? []).map((entry) => {
    if (typeof entry !== 'string') {
      if (entry.type !== 'bind' && entry.type !== 'volume') throw new Error(`unexpected volume type ${entry.type}`);
      return { type: entry.type, source: entry.source, target: entry.target, readOnly: entry.read_only === true };
    }
    const [source = '', target = '', mode = ''] = entry.split(':');
    const isPath = source.startsWith('/') || source.startsWith('.');
    return { type: isPath ? 'bind' : 'volume', source, target, readOnly: mode.split(',').includes('ro') };
  });
}

/** Whether `file` lies at or below the directory `dir`. */
export function isUnder(file: string, dir: string): boolean {
  const relative = path.posix.relative(dir, file);
  return relative === '' || (!relative.startsWith('..') && !path.posix.isAbsolute(relative));
}

/** A host path named by a resource of the default configuration, and whether it is written. */
export interface HostPathUse {
  path: string;
  write: boolean;
  resource: string;
}

/** What the default configuration's resources (the Websoft9 profile) touch on the host. */
export interface HostUse {
  /** Absolute host paths: unit files, drop-in dirs, firewalld files, mirrored directories... */
  paths: HostPathUse[];
  /** Names of resources that write into a named Docker volume (through its host Mountpoint). */
  volumeWriters: string[];
}

/**
 * Reads config/default.yaml and lists every absolute path found in a resource (outside
 * `afterChange`), as written unless it sits under a `from` key, plus the resources that address a
 * Docker volume outside `from` (they write under /var/lib/docker/volumes). Generic on purpose: a
 * deployment must keep up with resource kinds added later.
 */
export function defaultConfigHostUse(): HostUse {
  const config = parse(readFileSync(DEFAULT_CONFIG, 'utf8')) as { resources: Record<string, unknown>[] };
  const paths: HostPathUse[] = [];
  const volumeWriters = new Set<string>();
  const walk = (value: unknown, resource: string, write: boolean): void => {
    if (typeof value === 'string') {
      if (value.startsWith('/')) paths.push({ path: value, write, resource });
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, resource, write);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (key === 'afterChange') continue;
        if (key === 'volume' && write && typeof item === 'string') volumeWriters.add(resource);
        walk(item, resource, write && key !== 'from');
      }
    }
  };
  for (const resource of config.resources) walk(resource, String(resource.name), true);
  return { paths, volumeWriters: [...volumeWriters] };
}

/** The absolute host paths of {@link defaultConfigHostUse}. */
export function defaultConfigHostPaths(): string[] {
  return defaultConfigHostUse().paths.map((use) => use.path);
}

/** The host directories deploy files mount at the same path for the resources' files. */
export const HOST_STATE_DIRS = ['/lib/systemd/system', '/etc/systemd/system', '/etc/firewalld', '/usr/lib/firewalld'];

/** A healthcheck `test` array (`["CMD", ...]`) as the shell string `docker run --health-cmd` takes. */
export function healthCommand(test: unknown): string {
  if (!Array.isArray(test) || test[0] !== 'CMD' || !test.every((part) => typeof part === 'string' && /^[\w./:=-]+$/.test(part))) {
    throw new Error(`expected a healthcheck test ["CMD", ...] of plain words, got ${JSON.stringify(test)}`);
  }
  return (test as string[]).slice(1).join(' ');
}
