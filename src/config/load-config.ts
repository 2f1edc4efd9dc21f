import { basename, join } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../core/errors';
import type { ConfigFiles } from '../host/config-files';
import { mergeConfig, type Yaml } from './merge-config';
import { applyResourceOverrides } from './resource-overrides';
import { crossKeyIssues, type CheckedParts, type Reference } from './cross-key-checks';
import { describeIssue, inUserWords, userKey, type Wording } from './describe-issue';
import { configSchema, sections, type Config } from './schema';

// This module runs from src/config/ (ts-node in the tests) or inside the one-file build dist/cli.js.
const PACKAGE_ROOT = basename(__dirname) === 'dist' ? join(__dirname, '..') : join(__dirname, '..', '..');

/** The packaged default configuration (the Websoft9 host profile). */
export const DEFAULT_CONFIG_PATH = join(PACKAGE_ROOT, 'config', 'default.yaml');

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

const isMapping = (value: Yaml | undefined): value is { [key: string]: Yaml } => typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: Yaml | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

/** What a resource names, if its name and kind are text (its source, if that is). */
function referenceOf(r: Yaml): Reference | undefined {
  if (!isMapping(r)) return undefined;
  const [name, kind] = [text(r.name), text(r.kind)];
  return name !== undefined && kind !== undefined ? { name, kind, source: text(r.source) } : undefined;
}

/** The parts of invalid data that are valid on their own, for the rules across keys. */
function checkedParts(data: Yaml): CheckedParts {
  const top = isMapping(data) ? data : {};
  const { sources, resources } = top;
  return {
    // Unknown keys are reported already; the known ones still take part in the rules.
    timing: z.object(sections.timing.shape).safeParse(top.timing).data,
    sources: isMapping(sources) ? Object.fromEntries(Object.entries(sources).map(([k, v]) => [k, sections.sources.valueType.safeParse(v).data])) : undefined,
    resources: Array.isArray(resources) ? resources.map((r) => sections.resources.element.safeParse(r).data) : undefined,
    references: Array.isArray(resources) ? resources.map(referenceOf) : undefined,
  };
}

/**
 * Validate merged configuration data. On failure every problem is listed at once, each naming
 * its key in the user's words (`earlier`: problems found while merging, listed first): the
 * rules across keys are checked on the parts that are valid, so that one mistake hides no other.
 */
export function validateConfig(data: Yaml, origin: string, earlier: readonly string[] = [], wording: Wording = { resourcesByName: false }): Config {
  const parsed = configSchema.safeParse(data);
  if (parsed.success && earlier.length === 0) return parsed.data;
  const problems = [...earlier];
  if (!parsed.success) {
    problems.push(...parsed.error.issues.flatMap((issue) => describeIssue(configSchema, issue, data, wording)));
    for (const issue of crossKeyIssues(checkedParts(data))) problems.push(`${userKey(issue.path, data, wording)}: ${inUserWords(issue.message, data, wording)}`);
  }
  const unique = [...new Set(problems)];
  throw new ConfigError(origin, unique, unique[0]?.split(':')[0]);
}

/** A configuration file merged over the defaults, before validation, and the problems found. */
function mergeConfigFile(defaults: Yaml, user: Yaml, origin: string): { data: Yaml; problems: string[]; wording: Wording } {
  if (user === null) return { data: defaults, problems: [], wording: { resourcesByName: false } };
  if (!isMapping(user)) throw new ConfigError(origin, ['the top level must be a mapping of keys']);
  const resources = user.resources;
  if (!isMapping(resources)) return { data: mergeConfig(defaults, user), problems: [], wording: { resourcesByName: false } };
  // The mapping form of `resources:` changes default resources by name (resource-overrides.ts).
  const resolved = applyResourceOverrides(isMapping(defaults) ? defaults.resources : undefined, resources);
  return { data: mergeConfig(defaults, { ...user, resources: resolved.resources }), problems: resolved.problems, wording: { resourcesByName: true } };
}

/**
 * The configuration in force: the packaged defaults, with the file at `path` (if any) merged
 * over them. Throws UsageError (exit 64) naming the file and key on any problem.
 */
export function readConfig(files: ConfigFiles, path?: string, defaultsPath: string = DEFAULT_CONFIG_PATH): Config {
  const defaults = parseYaml(readText(files, defaultsPath, 'default configuration'), defaultsPath);
  if (!path) return validateConfig(defaults, defaultsPath);
  const user = parseYaml(readText(files, path, 'configuration file'), path);
  const merged = mergeConfigFile(defaults, user, path);
  return validateConfig(merged.data, path, merged.problems, merged.wording);
}
