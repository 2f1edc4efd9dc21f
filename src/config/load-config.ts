import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../core/errors';
import type { ConfigFiles } from '../host/config-files';
import { mergeConfig, type Yaml } from './merge-config';
import { applyResourceOverrides } from './resource-overrides';
import { configSchema, type Config } from './schema';

/** The packaged default configuration (the Websoft9 host profile). */
export const DEFAULT_CONFIG_PATH = join(__dirname, '..', '..', 'config', 'default.yaml');

/** A configuration file larger than this is refused (the profile is about 4 KiB). */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** YAML aliases resolved per file, at most (an alias bomb expands exponentially). */
const MAX_YAML_ALIASES = 50;

/** An invalid configuration (exit 64): every problem found, each naming its key. */
export class ConfigError extends UsageError {
  constructor(
    readonly origin: string,
    readonly problems: readonly string[],
    key?: string,
  ) {
    super(`invalid configuration (${origin}): ${problems.join('; ')}`, key);
  }
}

function parseYaml(text: string, origin: string): Yaml {
  let doc;
  try {
    doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    // e.g. a RangeError for nesting too deep for the parser's stack.
    throw new UsageError(`${origin}: not valid YAML: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => {
      const where = error.linePos?.[0] ? ` (line ${error.linePos[0].line}, column ${error.linePos[0].col})` : '';
      return `not valid YAML${where}: ${(error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`;
    });
    throw new UsageError(`${origin}: ${problems.join('; ')}`);
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as Yaml;
  } catch (error) {
    const message = (error as Error).message;
    if (/alias/i.test(message)) throw new UsageError(`${origin}: YAML aliases expand to too much (more than ${MAX_YAML_ALIASES} resolved); write the values out`);
    throw new UsageError(`${origin}: not valid YAML: ${message.split('\n')[0] ?? ''}`);
  }
}

/** The file's text, or a UsageError naming the file. */
function readText(files: ConfigFiles, path: string, what: string): string {
  const read = files.readText(path, MAX_CONFIG_BYTES);
  if (!read.ok) throw new UsageError(`cannot read ${what} ${path}: ${read.problem}`);
  return read.text;
}

function keyOf(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(top level)';
}

/** `resources.1.mode` → `resources.1.mode (resource "cockpit-socket")`, so users find it. */
function where(path: readonly PropertyKey[], data: Yaml): string {
  const key = keyOf(path);
  if (path[0] !== 'resources' || typeof path[1] !== 'number' || typeof data !== 'object' || data === null) return key;
  const list = (data as { resources?: Yaml }).resources;
  const item = Array.isArray(list) ? list[path[1]] : undefined;
  const name = item && typeof item === 'object' && !Array.isArray(item) ? item.name : undefined;
  return typeof name === 'string' ? `${key} (resource "${name}")` : key;
}

function describeIssue(issue: z.core.$ZodIssue, data: Yaml): string {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => `${where([...issue.path, k], data)}: unknown key`).join('; ');
  }
  return `${where(issue.path, data)}: ${issue.message}`;
}

/** Validate merged configuration data; errors name every offending key. */
export function validateConfig(data: Yaml, origin: string): Config {
  const parsed = configSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => describeIssue(issue, data));
  throw new ConfigError(origin, problems, keyOf(parsed.error.issues[0]?.path ?? []));
}

/** A configuration file merged over the defaults, before validation. */
function mergeConfigFile(defaults: Yaml, user: Yaml, origin: string): Yaml {
  if (user === null) return defaults;
  if (typeof user !== 'object' || Array.isArray(user)) throw new ConfigError(origin, ['the top level must be a mapping of keys']);
  const resources = user.resources;
  if (typeof resources !== 'object' || resources === null || Array.isArray(resources)) return mergeConfig(defaults, user);
  // The mapping form of `resources:` changes default resources by name (resource-overrides.ts).
  const base = typeof defaults === 'object' && defaults !== null && !Array.isArray(defaults) ? defaults.resources : undefined;
  const resolved = applyResourceOverrides(base, resources);
  if (resolved.problems.length > 0) throw new ConfigError(origin, resolved.problems, resolved.problems[0]?.split(':')[0]);
  return mergeConfig(defaults, { ...user, resources: resolved.resources });
}

/**
 * The configuration in force: the packaged defaults, with the file at `path` (if any) merged
 * over them. Throws UsageError (exit 64) naming the file and key on any problem.
 */
export function readConfig(files: ConfigFiles, path?: string, defaultsPath: string = DEFAULT_CONFIG_PATH): Config {
  const defaults = parseYaml(readText(files, defaultsPath, 'default configuration'), defaultsPath);
  if (!path) return validateConfig(defaults, defaultsPath);
  const user = parseYaml(readText(files, path, 'configuration file'), path);
  return validateConfig(mergeConfigFile(defaults, user, path), path);
}
