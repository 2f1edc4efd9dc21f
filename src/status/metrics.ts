import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { VERSION } from '../core/version';
import type { PassResult, PassResultKind } from '../controller/outcome';
import type { TriggerKind } from '../triggers/trigger';
import { everyInSync } from './in-sync';

const RESULTS: PassResultKind[] = ['unchanged', 'converged', 'failed', 'unavailable', 'abandoned'];
const TRIGGER_KINDS: TriggerKind[] = ['startup', 'file', 'docker', 'docker-connected', 'resync', 'signal', 'retry', 'firewall'];

/** The controller's Prometheus metrics, on a registry of its own (no global state). */
export class Metrics {
  readonly registry = new Registry();
  private readonly passes = new Counter({ name: 'reconciler_passes_total', help: 'Passes by result.', labelNames: ['result'], registers: [this.registry] });
  private readonly duration = new Histogram({
    name: 'reconciler_pass_duration_seconds',
    help: 'Duration of passes.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly triggers = new Counter({ name: 'reconciler_triggers_total', help: 'Triggers received by source.', labelNames: ['source'], registers: [this.registry] });
  private readonly changes = new Counter({ name: 'reconciler_changes_total', help: 'Passes that changed a resource.', labelNames: ['resource'], registers: [this.registry] });
  private readonly inSync = new Gauge({ name: 'reconciler_resource_in_sync', help: '1 when the resource was in sync after the last pass.', labelNames: ['resource'], registers: [this.registry] });
  private readonly watchRepairs = new Counter({
    name: 'reconciler_watch_repairs_total',
    help: 'Self-checks after a pass that found the file watches wrong (no event had fixed them) and repaired them.',
    registers: [this.registry],
  });
  private readonly lastSuccess = new Gauge({
    name: 'reconciler_last_success_timestamp_seconds',
    help: 'End of the last pass after which every resource was in sync.',
    registers: [this.registry],
  });

  private readonly webhookFailures = new Counter({
    name: 'reconciler_journal_webhook_failures_total',
    help: 'Journal entries the webhook could not deliver (every retry failed, or the queue was full).',
    registers: [this.registry],
  });

  /** The configured resources, and whether each was in sync after the last pass that reported it. */
  private configured: readonly string[];
  private readonly latest = new Map<string, { inSync: boolean }>();

  /** Every series exists from the start at 0, so rates and alerts work before the first event. */
  constructor(resources: readonly string[]) {
    this.configured = resources;
    new Gauge({ name: 'reconciler_build_info', help: 'Always 1; the version of the running controller.', labelNames: ['version'], registers: [this.registry] }).set({ version: VERSION }, 1);
    // prom-client's process and Node.js metrics (CPU, memory, file descriptors, event loop lag, GC).
    // The event-loop-lag sampler wakes the process every `eventLoopMonitoringPrecision` ms (default
    // 10: 100 wake-ups a second, most of an idle controller's CPU); 100 ms is precise enough here.
    collectDefaultMetrics({ register: this.registry, prefix: 'reconciler_', eventLoopMonitoringPrecision: 100 });
    for (const result of RESULTS) this.passes.inc({ result }, 0);
    for (const kind of TRIGGER_KINDS) this.triggers.inc({ source: kind }, 0);
    this.watchRepairs.inc(0);
    for (const resource of resources) {
      this.changes.inc({ resource }, 0);
      this.inSync.set({ resource }, 0);
    }
  }

  /** A reloaded configuration: `last_success` counts these resources from now on. */
  configure(resources: readonly string[]): void {
    this.configured = resources;
    for (const name of [...this.latest.keys()]) if (!resources.includes(name)) this.latest.delete(name);
  }

  webhookFailure(): void {
    this.webhookFailures.inc();
  }

  trigger(kind: TriggerKind): void {
    this.triggers.inc({ source: kind });
  }

  /** A pass abandoned after `timing.passTimeout`. */
  abandonedPass(): void {
    this.passes.inc({ result: 'abandoned' });
  }

  watchRepair(): void {
    this.watchRepairs.inc();
  }

  pass(result: PassResult): void {
    this.passes.inc({ result: result.result });
    this.duration.observe((result.finishedAt - result.startedAt) / 1000);
    for (const o of result.resources) {
      if (o.changed) this.changes.inc({ resource: o.name });
      this.inSync.set({ resource: o.name }, o.inSync ? 1 : 0);
      this.latest.set(o.name, { inSync: o.inSync });
    }
    // A retry pass reports only some resources: the rule looks at the latest state of every one.
    if (everyInSync(this.configured, (name) => this.latest.get(name))) this.lastSuccess.set(result.finishedAt / 1000);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
