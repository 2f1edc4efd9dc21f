import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { firewalldCockpitXml } from '../../harness/websoft9-host';
import { startController } from '../lib/controller';
import { newHost, type BenchContext } from '../lib/context';
import { loadAverage } from '../lib/proc';
import type { ScenarioReport } from '../lib/report';
import { dropInText, pollUntil, readText, sleep, waitSettled } from '../lib/wait';

const WRITES = 10_000;
const SPREAD_MS = 2_000;

/** 3. 10,000 writes spread over 2 s (listen.conf and cockpit.xml) → passes, and in sync at the end. */
export async function stormScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const { host, dispose } = await newHost(ctx, { port: 9000 });
  const controller = await startController(host, ctx.cleanup);
  const xml = host.firewalldFiles[0] as string;
  let report: ScenarioReport;
  try {
    const before = (await waitSettled(host.statusPath, 1_500)).stats;
    const logFrom = controller.daemon.stderr().length;
    const loadBefore = loadAverage();
    let written = 0;
    let xmlWrites = 0;
    const t0 = performance.now();
    const epoch0 = Date.now();
    // Paced: at any moment, as many writes as (elapsed / 2 s) × 10,000 — a continuous 2 s burst,
    // the case where maxDebounce (not debounce) decides when passes run.
    while (written < WRITES) {
      const due = Math.min(WRITES, Math.ceil(((performance.now() - t0) / SPREAD_MS) * WRITES));
      for (; written < due; written++) {
        const port = 9100 + (written % 200);
        if (written % 10 === 9) {
          writeFileSync(xml, firewalldCockpitXml(port));
          xmlWrites++;
        } else {
          writeFileSync(host.dropInPath, dropInText(port));
        }
      }
      await sleep(1);
    }
    const burstMs = performance.now() - t0;
    const inSync = await pollUntil(() => readText(host.dropInPath) === dropInText(9000) && readText(xml) === firewalldCockpitXml(9000), 10_000, 5);
    const syncedAfterMs = performance.now() - t0 - burstMs;
    const after = await waitSettled(host.statusPath, 2_000);
    const passes = after.stats.passes - before.passes;
    const statusInSync = after.resources.every((r) => r.inSync);
    const filesInSync = readText(host.dropInPath) === dropInText(9000) && readText(xml) === firewalldCockpitXml(9000);
    const passLog = summarizePassLog(controller.daemon.stderr().slice(logFrom), epoch0);
    report = {
      name: 'storm',
      title: '10,000 file writes within 2 s → passes',
      figures: [
        { label: 'writes', value: `${written} in ${(burstMs / 1000).toFixed(2)} s (${written - xmlWrites} to listen.conf, ${xmlWrites} to etc/firewalld/services/cockpit.xml)` },
        { label: 'passes (stats.passes delta)', value: String(passes), target: '≤ 5', pass: passes <= 5 },
        { label: 'in sync at the end', value: `${inSync && statusInSync && filesInSync ? 'yes' : 'NO'} (files ${filesInSync ? 'right' : 'wrong'}, status inSync ${statusInSync})`, target: 'yes', pass: inSync && statusInSync && filesInSync },
        { label: 'files right after the last write', value: inSync ? `${syncedAfterMs.toFixed(0)} ms` : 'never (10 s)' },
        { label: 'changes / failures (delta)', value: `${after.stats.changes - before.changes} / ${after.stats.failures - before.failures}` },
        ...passLog.map((line) => ({ label: '  controller log', value: line })),
        { label: 'load average before / after', value: `${loadBefore} / ${loadAverage()}` },
      ],
      method: [
        'controller with the default timings; writes are in place (open/truncate/write), paced evenly over 2 s so the burst is continuous',
        'every 10th write goes to cockpit.xml, the others to listen.conf, all with wrong ports 9100–9299',
        'passes = stats.passes after the controller was quiet for 2 s minus stats.passes before the burst (quiet for 1.5 s)',
        'the controller log lines are its per-resource lines for passes that changed or failed (times relative to the first write)',
      ],
      notes: [],
    };
  } finally {
    await controller.stop();
    await dispose();
  }
  return report;
}

/** The controller's per-resource log lines (JSON) in a short form: time since the burst began, resource, reason, message, triggers. */
function summarizePassLog(text: string, epoch0: number): string[] {
  const lines: string[] = [];
  for (const raw of text.split('\n')) {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof entry.resource !== 'string') continue;
    const at = typeof entry.time === 'number' ? entry.time : typeof entry.time === 'string' ? Date.parse(entry.time) : Number.NaN;
    const time = Number.isFinite(at) ? `+${((at - epoch0) / 1000).toFixed(2)}` : '?';
    const triggers = Array.isArray(entry.triggers) ? entry.triggers.join('+') : '';
    lines.push(`${time}s ${entry.resource}: ${String(entry.reason)} — ${String(entry.msg)} [${triggers}]`);
  }
  return lines;
}
