import type { CliArgs } from '../cli/parse-args';
import type { Config } from '../config/schema';
import type { Logger } from '../core/logger';

export interface DaemonOptions {
  args: CliArgs;
  config: Config;
  statusFile: string;
  logger: Logger;
}

/** The long-running controller (issue 5). */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  options.logger.error('the continuous controller is not built yet; use --once');
  return 1;
}
