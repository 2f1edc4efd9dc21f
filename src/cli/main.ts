import { createHostDeps, createRuntime } from '../app/create-runtime';
import { createLogger } from '../app/create-logger';
import { endProcessNow } from '../app/end-process';
import { runOnce } from '../app/run-once';
import { NodeFileSystem } from '../adapters/node-file-system';
import { loadConfig } from '../config/load-config';
import { UsageError } from '../core/errors';
import { VERSION } from '../core/version';
import { readStatusFile } from '../status/status-file';
import { EXIT } from './exit-codes';
import { parseCliArgs, USAGE, type CliArgs } from './parse-args';
import { statusReport } from './status-command';

/** The command line: parse, dispatch, print, return the exit code. */
export async function run(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
    return await dispatch(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`reconcile: ${error.message}\n`);
      if (!error.key) process.stderr.write('Try `reconcile --help`.\n');
      return EXIT.usage;
    }
    throw error;
  }
}

async function dispatch(args: CliArgs): Promise<number> {
  if (args.command === 'help') {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (args.command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (args.command === 'status') {
    // Only the status file path is needed; a broken config still leaves the file readable.
    const statusFile = args.statusFile ?? loadConfig(args.config).status.file;
    const report = statusReport(await readStatusFile(new NodeFileSystem(), statusFile), Date.now(), args.json);
    process.stdout.write(report.stdout);
    return report.exitCode;
  }
  const config = loadConfig(args.config);
  const statusFile = args.statusFile ?? config.status.file;
  const logger = createLogger(args.logLevel);
  if (args.command === 'once') {
    const runtime = createRuntime(config, createHostDeps(config), logger);
    const result = await runOnce(runtime, { dryRun: args.dryRun, json: args.json, statusFile });
    // A stuck pass (a read blocked in the kernel) would keep even process.exit() waiting.
    if (result.abandoned === 'stuck') process.stdout.write(result.stdout, () => endProcessNow());
    else process.stdout.write(result.stdout);
    // An abandoned pass may leave a handle behind: it must not keep the process alive.
    if (result.abandoned) setTimeout(() => process.exit(result.exitCode), 100).unref();
    return result.exitCode;
  }
  // Loaded only here: the controller's watchers, RxJS and metrics cost a one-off pass startup time.
  const { runDaemon } = await import('../app/run-daemon');
  return runDaemon({ args, config, statusFile, logger });
}
