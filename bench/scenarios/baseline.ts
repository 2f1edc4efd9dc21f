import { performance } from 'node:perf_hooks';
import { docker } from '../../harness/docker-cli';
import type { EmulatedHost } from '../../harness/websoft9-host';
import { installApphubCli, startBaseline } from '../lib/baseline-process';
import { startController } from '../lib/controller';
import { newHost, type BenchContext } from '../lib/context';
import { table, type ScenarioReport } from '../lib/report';
import { ms, summarize } from '../lib/stats';
import { dropInText, pollUntil, readText, replaceByRename, sleep, waitSettled, whenContent } from '../lib/wait';

/** What the side-by-side scenarios need from either system. */
interface System {
  label: string;
  host: EmulatedHost;
  settle(): Promise<void>;
  /** Cumulative count of drop-in/firewalld writes the system made. */
  writes(): Promise<number>;
  /** Cumulative count of failed reads that were replaced by the default (baseline only). */
  fallbacks?(): number;
}

interface Trial {
  /** ms from the trigger to the desired drop-in, Infinity when it never came in the window. */
  ms: number;
  final: string;
  writesWhileDown?: number;
  fallbacksWhileDown?: number;
  downContent?: string;
}

const portOf = (text: string): string => /ListenStream=(\S+)\s*$/.exec(text)?.[1] ?? (text === '' ? 'no drop-in' : '?');
const WINDOW_MS = 5_000;

async function simpleDrift(sys: System, i: number): Promise<Trial> {
  await sys.settle();
  const t0 = performance.now();
  replaceByRename(sys.host.dropInPath, dropInText(9090 + (i % 2) * 10));
  const t1 = await whenContent(sys.host.dropInPath, dropInText(9000), WINDOW_MS);
  return { ms: t1 === null ? Number.POSITIVE_INFINITY : t1 - t0, final: portOf(readText(sys.host.dropInPath)) };
}

/** Starts apphub and watches the drop-in for WINDOW_MS after `docker start` was issued. */
async function startAndWatch(sys: System, wantPort: number): Promise<Trial> {
  const converged = whenContent(sys.host.dropInPath, dropInText(wantPort), WINDOW_MS);
  const t0 = performance.now();
  await docker(['start', sys.host.containerName]);
  const t1 = await converged;
  await sleep(Math.max(0, t0 + WINDOW_MS - performance.now()));
  const state = (await docker(['inspect', '--format', '{{.State.Status}} started {{.State.StartedAt}} finished {{.State.FinishedAt}}', sys.host.containerName])).stdout.trim();
  if (!state.startsWith('running')) throw new Error(`${sys.label}: apphub is not running ${WINDOW_MS} ms after docker start: ${state}`);
  return { ms: t1 === null ? Number.POSITIVE_INFINITY : t1 - t0, final: portOf(readText(sys.host.dropInPath)) };
}

/** Puts the system back in the state every scenario starts from: apphub up, port 9000, in sync. */
async function restore(sys: System): Promise<void> {
  const running = (await docker(['inspect', '--format', '{{.State.Running}}', sys.host.containerName])).stdout.trim() === 'true';
  if (!running) await sys.host.startApphub();
  if (!(await sys.host.readIni()).includes('port = 9000')) await sys.host.setPort(9000);
  await sys.settle();
  if (readText(sys.host.dropInPath) !== dropInText(9000)) {
    // The baseline never heals by itself: do what an admin would, and write it by hand.
    replaceByRename(sys.host.dropInPath, dropInText(9000));
  }
  if (!(await pollUntil(() => readText(sys.host.dropInPath) === dropInText(9000), 5_000))) {
    throw new Error(`${sys.label}: could not restore the drop-in to 9000`);
  }
  await sys.settle();
}

/**
 * apphub stopped; `breakIt` changes things while it is down; apphub started. Records what each
 * system wrote (and fell back to) while the desired value was unknown, then how it converges.
 */
async function whileApphubDown(sys: System, breakIt: () => Promise<void>, wantPort: number): Promise<Trial> {
  await sys.settle();
  await sys.host.stopApphub();
  await sleep(1_000);
  await sys.settle();
  const w0 = await sys.writes();
  const f0 = sys.fallbacks?.() ?? 0;
  await breakIt();
  await sleep(1_500);
  await sys.settle();
  const downContent = portOf(readText(sys.host.dropInPath));
  const writesWhileDown = (await sys.writes()) - w0;
  const fallbacksWhileDown = (sys.fallbacks?.() ?? 0) - f0;
  const trial = await startAndWatch(sys, wantPort);
  await restore(sys);
  return { ...trial, writesWhileDown, fallbacksWhileDown, downContent };
}

/** (b) The upgrade: apphub stopped; vendor unit and drop-in replaced by rename with 9090; apphub started. */
function upgrade(sys: System): Promise<Trial> {
  return whileApphubDown(
    sys,
    async () => {
      await sys.host.simulatePackageUpgrade(9090);
      replaceByRename(sys.host.dropInPath, dropInText(9090));
    },
    9000,
  );
}

/** (c) The user's port changed in config.ini (9000 → 9443) while apphub was down; apphub started. */
function portChangedWhileDown(sys: System): Promise<Trial> {
  return whileApphubDown(sys, () => sys.host.setPort(9443), 9443);
}

function timeCell(trials: Trial[]): string {
  const s = summarize(trials.map((t) => t.ms));
  if (s.failed === s.n) return 'never';
  const fails = s.failed > 0 ? `; never in ${s.failed}/${s.n}` : '';
  return s.n === 1 ? ms(s.p50) : `p50 ${ms(s.p50)}, max ${ms(Math.max(...trials.filter((t) => Number.isFinite(t.ms)).map((t) => t.ms)))}${fails}`;
}

function outcomeCell(trials: Trial[], wantPort: number, down: boolean): string {
  const ok = trials.filter((t) => t.final === String(wantPort)).length;
  const finals = [...new Set(trials.map((t) => t.final))].join('/');
  const head = ok === trials.length ? `ends on ${wantPort} (${ok}/${trials.length})` : `ends on ${finals}, not ${wantPort} (${trials.length - ok}/${trials.length})`;
  if (!down) return head;
  const wrote = trials.reduce((a, t) => a + (t.writesWhileDown ?? 0), 0);
  const downPorts = [...new Set(trials.map((t) => t.downContent))].join('/');
  const fallbacks = trials.reduce((a, t) => a + (t.fallbacksWhileDown ?? 0), 0);
  const guessed = fallbacks > 0 ? `${fallbacks} failed getconfig → default 9090, ` : '';
  return `${head}; while down: ${guessed}${wrote === 0 ? 'wrote nothing' : `wrote ${wrote}×`}, drop-in ${downPorts}`;
}

/** 6. The edge-triggered baseline and the reconciler, side by side on two identical emulated hosts. */
export async function baselineScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const driftTrials = ctx.quick ? 3 : 10;
  const downTrials = ctx.quick ? 1 : 3;
  // The baseline's inotifywait cannot watch a directory that does not exist yet: its host gets one.
  const b = await newHost(ctx, { port: 9000, dropInDir: true });
  const r = await newHost(ctx, { port: 9000 });
  installApphubCli(b.host);
  const baseline = await startBaseline(b.host, ctx.cleanup);
  const controller = await startController(r.host, ctx.cleanup);
  const systems: System[] = [
    { label: 'baseline', host: b.host, settle: () => baseline.settle(), writes: async () => baseline.writes(), fallbacks: () => baseline.fallbacks() },
    {
      label: 'reconciler',
      host: r.host,
      settle: async () => void (await waitSettled(r.host.statusPath, 400)),
      writes: async () => (await controller.status())?.stats.changes ?? Number.NaN,
    },
  ];
  const results = new Map<string, { a: Trial[]; b: Trial[]; c: Trial[] }>();
  try {
    if (readText(b.host.dropInPath) !== dropInText(9000)) throw new Error('the baseline did not sync the drop-in to 9000 at start');
    for (const sys of systems) {
      const a: Trial[] = [];
      for (let i = 0; i < driftTrials; i++) a.push(await simpleDrift(sys, i));
      ctx.log(`  baseline comparison: ${sys.label} (a) done`);
      const up: Trial[] = [];
      for (let i = 0; i < downTrials; i++) up.push(await upgrade(sys));
      ctx.log(`  baseline comparison: ${sys.label} (b) done`);
      const c: Trial[] = [];
      for (let i = 0; i < downTrials; i++) c.push(await portChangedWhileDown(sys));
      ctx.log(`  baseline comparison: ${sys.label} (c) done`);
      results.set(sys.label, { a, b: up, c });
    }
  } finally {
    await baseline.stop();
    await controller.stop();
    await b.dispose();
    await r.dispose();
  }
  const base = results.get('baseline') as { a: Trial[]; b: Trial[]; c: Trial[] };
  const rec = results.get('reconciler') as { a: Trial[]; b: Trial[]; c: Trial[] };
  const rows = [
    ['(a) drift: listen.conf → 9090 by rename, apphub up', outcomeCell(base.a, 9000, false), timeCell(base.a), outcomeCell(rec.a, 9000, false), timeCell(rec.a)],
    ['(b) upgrade: apphub down, unit + drop-in → 9090 by rename, apphub started', outcomeCell(base.b, 9000, true), timeCell(base.b), outcomeCell(rec.b, 9000, true), timeCell(rec.b)],
    ['(c) config.ini port 9000 → 9443 while apphub down, apphub started', outcomeCell(base.c, 9443, true), timeCell(base.c), outcomeCell(rec.c, 9443, true), timeCell(rec.c)],
  ];
  const baselineWins = [base.b, base.c].every((ts) => ts.every((t) => Number.isFinite(t.ms)));
  const reconcilerOk = [rec.a, rec.b, rec.c].every((ts) => ts.every((t) => Number.isFinite(t.ms)));
  return {
    name: 'baseline',
    title: 'edge-triggered baseline (inotifywait + docker exec apphub getconfig) vs reconciler, side by side',
    figures: [
      { label: 'reconciler converges in (a), (b) and (c)', value: reconcilerOk ? 'yes' : 'NO', target: 'yes', pass: reconcilerOk },
      { label: 'baseline converges in (b) and (c)', value: baselineWins ? 'yes' : 'no — stuck on its fallback', target: '(expected: no)' },
    ],
    table: table(['scenario', 'baseline: outcome', 'baseline: time to converge', 'reconciler: outcome', 'reconciler: time to converge'], rows),
    method: [
      'two identical emulated hosts; baseline = bench/baseline/websoft9-watch.sh (inotifywait -m on the unit dir, drop-in dir and apphub config dir; on every event `docker exec <apphub> apphub getconfig --section cockpit --key port`, default 9090 when that fails; writes listen.conf when different, then the recorded systemctl/firewall-cmd stand-ins)',
      '`apphub getconfig` = bench/baseline/apphub-getconfig.sh, installed into the busybox stand-in with docker exec (awk over config.ini)',
      'reconciler = the controller with the default timings',
      `(a): ${driftTrials} trials per system, time from just before the rename to listen.conf back on 9000`,
      `(b), (c): ${downTrials} trial(s) per system; time from \`docker start\` issued (included) to listen.conf on the user's port; watched for ${WINDOW_MS / 1000} s, "never" = not within that window`,
      'between trials the state is restored (apphub up, port 9000, listen.conf 9000 — written by hand for the baseline when it stayed wrong)',
    ],
    notes: [],
    raw: { baseline: base, reconciler: rec, baselineLog: baseline.lines().slice(-200) },
  };
}
