import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../core/errors';
import { mergeConfig, type Yaml } from './merge-config';
import { configSchema, type Config } from './schema';

/** The packaged default configuration (the Websoft9 host profile). */
export const DEFAULT_CONFIG_PATH = join(__dirname, '..', '..', 'config', 'default.yaml');

function parseYaml(text: string, origin: string): Yaml {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const where = error.linePos?.[0] ? ` (line ${error.linePos[0].line}, column ${error.linePos[0].col})` : '';
    throw new UsageError(`${origin}: not valid YAML${where}: ${error.message.split('\n')[0]}`);
  }
  return doc.toJS({ maxAliasCount: 100 }) as Yaml;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
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
  throw new UsageError(`invalid configuration (${origin}): ${problems.join('; ')}`, keyOf(parsed.error.issues[0]?.path ?? []));
}

/**
 * The configuration in force: the packaged defaults, with the file at `path` (if any) merged
 * over them. Throws UsageError (exit 64) naming the file and key on any problem.
 */
export function loadConfig(path?: string, defaultsPath: string = DEFAULT_CONFIG_PATH): Config {
  const defaults = parseYaml(readText(defaultsPath, 'default configuration'), defaultsPath);
  if (!path) return validateConfig(defaults, defaultsPath);
  const user = parseYaml(readText(path, 'configuration file'), path);
  if (user !== null && (typeof user !== 'object' || Array.isArray(user))) {
    throw new UsageError(`invalid configuration (${path}): the top level must be a mapping of keys`);
  }
  return validateConfig(mergeConfig(defaults, user), path);
}
