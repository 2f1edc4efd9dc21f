/**
 * Benchmarks of issue 5 on the emulated Websoft9 host (harness/websoft9-host), against the compiled
 * controller (dist/cli.js, built by `npm run bench`).
 *
 *   npm run bench                       # everything (a few minutes)
 *   npm run bench -- --only drift,idle  # a subset
 *   npm run bench -- --quick            # smoke run: fewer trials, shorter idle window
 *
 * Results go to stdout; progress to stderr. Everything created is removed at the end, on an
 * error and on Ctrl-C.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ensureBusyboxImage } from '../harness/busybox-image';
import { docker } from '../harness/docker-cli';
import { parseBenchArgs, type ScenarioName } from './lib/args';
import { CleanupRegistry } from './lib/cleanup';
import type { BenchContext } from './lib/context';
import { loadAverage } from './lib/proc';
import { formatReport, verdict, type ScenarioReport } from './lib/report';
import { baselineScenario } from './scenarios/baseline';
import { containersScenario } from './scenarios/containers';
import { driftScenario } from './scenarios/drift';
import { idleScenario } from './scenarios/idle';
import { onceScenario } from './scenarios/once';
import { startScenario } from './scenarios/start';
import { stormScenario } from './scenarios/storm';

const RUNNERS: Record<ScenarioName, (ctx: BenchContext) => Promise<ScenarioReport>> = {
  once: onceScenario,
  drift: driftScenario,
  start: startScenario,
  storm: stormScenario,
  containers: containersScenario,
  idle: idleScenario,
  baseline: baselineScenario,
};

function commandOutput(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function machine(): Promise<Record<string, string>> {
  const cpu = cpus()[0]?.model ?? 'unknown';
  let dockerVersion = 'unknown';
  try {
    dockerVersion = (await docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim();
  } catch {
    // reported as unknown
  }
  return {
    cpus: `${commandOutput('nproc', [])} (nproc), ${cpu}`,
    kernel: commandOutput('uname', ['-sr']),
    node: process.version,
    docker: dockerVersion,
    inotifywait: commandOutput('sh', ['-c', 'inotifywait --help 2>&1 | head -1']),
    source: `${commandOutput('git', ['rev-parse', '--short', 'HEAD'])}${commandOutput('git', ['status', '--porcelain', '--', 'src']) === '' ? '' : ' + uncommitted changes in src/'} (dist/ built by npm run bench)`,
    loadavg: loadAverage(),
  };
}

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2));
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  if (!existsSync(join(__dirname, '..', 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run bench` (it builds first)');
  const runId = randomBytes(4).toString('hex');
  const cleanup = new CleanupRegistry(runId);
  cleanup.installSignalHandlers(log);
  const ctx: BenchContext = { quick: args.quick, runId, cleanup, log };

  const env = await machine();
  const out: string[] = [];
  const print = (text: string): void => {
    out.push(text);
    process.stdout.write(`${text}\n`);
  };
  print(`reconciler benchmarks${args.quick ? ' (--quick: smoke run, not for the record)' : ''} — run ${runId}, ${new Date().toISOString()}`);
  for (const [k, v] of Object.entries(env)) print(`  ${k}: ${v}`);
  print(`  scenarios: ${args.only.join(', ')}`);

  const reports: ScenarioReport[] = [];
  try {
    await ensureBusyboxImage();
    for (const name of args.only) {
      log(`running ${name}…`);
      const started = Date.now();
      const loadBefore = loadAverage();
      let report: ScenarioReport;
      try {
        report = await RUNNERS[name](ctx);
      } catch (error) {
        report = { name, title: 'failed to run', figures: [], method: [], notes: [], error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
      }
      report.notes.push(`took ${((Date.now() - started) / 1000).toFixed(0)} s; load average (1/5/15 min) before: ${loadBefore}, after: ${loadAverage()}`);
      reports.push(report);
      print(formatReport(report));
    }
  } finally {
    log('cleaning up…');
    await cleanup.runAll();
  }

  print('\n=== summary');
  let failed = 0;
  for (const r of reports) {
    if (r.error) {
      failed++;
      print(`  ${r.name.padEnd(11)} ERROR`);
      continue;
    }
    for (const f of r.figures.filter((x) => x.pass !== undefined)) {
      if (f.pass === false) failed++;
      print(`  ${r.name.padEnd(11)} ${f.label}: ${f.value} (target ${f.target ?? '-'}) ${verdict(f.pass)}`);
    }
  }
  print(`  ${failed === 0 ? 'all targets met' : `${failed} target(s) missed or errored`}; load average at the end: ${loadAverage()}`);
  if (args.out) writeFileSync(args.out, `${JSON.stringify({ runId, quick: args.quick, machine: env, reports }, null, 2)}\n`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
