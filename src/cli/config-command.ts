import { stringify } from 'yaml';
import { z } from 'zod';
import { configJsonSchema } from '../config/file-schema';
import { loadConfig } from '../app/create-runtime';
import { ConfigError, DEFAULT_CONFIG_PATH } from '../config/load-config';
import { configSchema, enabledResources } from '../config/schema';
import { UsageError } from '../core/errors';
import { EXIT } from './exit-codes';
import type { ConfigAction } from './parse-args';

export interface ConfigCommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * `reconcile config check|print|schema`. check: exit 0, or 64 with every problem on a line of its
 * own; print: the effective configuration (defaults merged, durations as text) as YAML, which
 * reads back as the same configuration; schema: the JSON Schema of configuration files.
 */
export function configCommand(action: ConfigAction, path: string | undefined): ConfigCommandResult {
  if (action === 'schema') return { exitCode: EXIT.ok, stdout: `${JSON.stringify(configJsonSchema(), null, 2)}\n`, stderr: '' };
  const origin = path ?? DEFAULT_CONFIG_PATH;
  let config;
  try {
    config = loadConfig(path);
  } catch (error) {
    if (error instanceof ConfigError) {
      const lines = error.problems.map((problem) => `  ${problem}\n`).join('');
      return { exitCode: EXIT.usage, stdout: '', stderr: `reconcile: invalid configuration (${error.origin}), ${error.problems.length} problem(s):\n${lines}` };
    }
    if (error instanceof UsageError) return { exitCode: EXIT.usage, stdout: '', stderr: `reconcile: ${error.message}\n` };
    throw error;
  }
  if (action === 'check') {
    const enabled = enabledResources(config).map((r) => r.name);
    const off = config.resources.filter((r) => !r.enabled).map((r) => r.name);
    const summary = `${enabled.length} resource(s) enabled${off.length > 0 ? `, switched off: ${off.join(', ')}` : ''}`;
    return { exitCode: EXIT.ok, stdout: `configuration valid: ${origin} (${summary})\n`, stderr: '' };
  }
  const header = path ? `# The effective configuration: ${DEFAULT_CONFIG_PATH} with ${path} merged over it.\n` : `# The effective configuration: ${DEFAULT_CONFIG_PATH}.\n`;
  return { exitCode: EXIT.ok, stdout: header + stringify(z.encode(configSchema, config), { lineWidth: 0 }), stderr: '' };
}
