import { createHostDeps, createJournal, createLocalFiles, createRuntime, loadConfig } from '../app/create-runtime';
import { createLogger } from '../app/create-logger';
import { endProcessNow } from '../app/end-process';
import { logProcessWarnings } from '../app/process-warnings';
import { runOnce } from '../app/run-once';
import { describeError, StartupError, UsageError } from '../core/errors';
import { useColor } from '../core/terminal';
import { VERSION } from '../core/version';
import { EXIT } from './exit-codes';
import { onceOutput } from './once-command';
import { parseCliArgs, type CliArgs } from './parse-args';
import { USAGE } from './usage';
import { selectResources } from './select-resources';
import { journalPath } from '../status/journal/journal';
import { readStatusFile } from '../status/status-file';

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
    if (error instanceof StartupError) {
      process.stderr.write(`reconcile: ${error.message}\n`);
      return EXIT.notConverged;
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
  // Each command loads its own modules (import()): `--once` from cron pays for none of the others.
  if (args.command === 'config') {
    const { configCommand } = await import('./config-command');
    const result = configCommand(args.configAction ?? 'check', args.config);
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.exitCode;
  }
  if (args.command === 'status') {
    // Only the status file path is needed; a broken config still leaves the file readable.
    const statusFile = args.statusFile ?? loadConfig(args.config).status.file;
    const [{ watchStatus }, { statusReport }] = await Promise.all([import('./status-watch'), import('./status-command')]);
    if (args.watchIntervalMs !== undefined) {
      const stop = new Promise<void>((resolve) => ['SIGINT', 'SIGTERM'].forEach((signal) => process.once(signal, () => resolve())));
      await watchStatus({ files: createLocalFiles().files, statusFile, intervalMs: args.watchIntervalMs, out: process.stdout, stop });
      return EXIT.ok;
    }
    const report = statusReport(await readStatusFile(createLocalFiles().files, statusFile), Date.now(), args.json);
    process.stdout.write(report.stdout);
    return report.exitCode;
  }
  const config = loadConfig(args.config);
  const statusFile = args.statusFile ?? config.status.file;
  if (args.command === 'history') {
    const file = journalPath(config, statusFile);
    // Both files are bounded by journal.maxBytes; the limit only guards against a foreign huge file.
    const [{ readJournal }, { historyReport }] = await Promise.all([import('../status/journal/read-journal'), import('./history-command')]);
    let read;
    try {
      read = await readJournal(createLocalFiles().appendLog, file, 2 * config.journal.maxBytes);
    } catch (error) {
      process.stderr.write(`reconcile: ${describeError(error)}\n`);
      return EXIT.notConverged;
    }
    const filter = { ...(args.resource !== undefined ? { resource: args.resource } : {}), ...(args.since !== undefined ? { since: args.since } : {}) };
    const report = historyReport(read, filter, args.json);
    process.stdout.write(report.stdout);
    return report.exitCode;
  }
  const logger = createLogger(args.logLevel);
  // From here on stderr is the log stream: Node's own warnings go through it too.
  logProcessWarnings(logger);
  if (args.command === 'once') {
    const targets = args.targets ? selectResources(config, args.targets) : null;
    const host = createHostDeps(config, statusFile);
    const built = createRuntime(config, host, logger);
    // --resource: only those resources run; the status file keeps the others as they were.
    const runtime = targets ? { ...built, resources: built.resources.filter((r) => targets.has(r.name)) } : built;
    const result = await runOnce(runtime, {
      dryRun: args.dryRun,
      statusFile,
      journal: createJournal(config, statusFile, host, logger),
      // On a terminal the summary already gives each reason a line; the log would repeat it.
      logOutcomes: !(process.stdout.isTTY && process.stderr.isTTY),
    }).finally(() => host.claims?.releaseAll());
    const color = useColor(process.stdout.isTTY, process.env);
    const output = onceOutput(result, { json: args.json, detailedExitCodes: args.detailedExitCodes, commands: runtime.commands, color });
    // A stuck pass (a read blocked in the kernel) would keep even process.exit() waiting.
    if (result.kind === 'abandoned' && result.stuck) process.stdout.write(output.stdout, () => endProcessNow());
    else process.stdout.write(output.stdout);
    // An abandoned pass may leave a handle behind: it must not keep the process alive.
    if (result.kind === 'abandoned') setTimeout(() => process.exit(output.exitCode), 100).unref();
    return output.exitCode;
  }
  // Loaded only here: the controller's watchers, RxJS and metrics cost a one-off pass startup time.
  const { runDaemon } = await import('../app/run-daemon');
  const exit = await runDaemon({
    config,
    statusFile,
    logger,
    ...(args.config !== undefined ? { configPath: args.config } : {}),
    ...(args.metricsAddr ? { metricsAddr: args.metricsAddr } : {}),
  });
  if (exit.kind === 'locked') {
    process.stderr.write(`reconcile: ${exit.message}\n`);
    return EXIT.notConverged;
  }
  // Everything is closed; idle keep-alive sockets of the Docker client must not delay the exit.
  setTimeout(() => process.exit(EXIT.ok), 100).unref();
  return EXIT.ok;
}
