import { lazy } from '../core/lazy';
import type { Metrics } from './metrics';

const metricsModule = lazy(() => require('./metrics') as typeof import('./metrics'));

/**
 * The controller's Prometheus metrics when something serves them (`--metrics-addr`); null
 * otherwise: nobody could read them, and prom-client (and its event-loop sampler) is then never
 * loaded (src/core/lazy.ts).
 */
export function createMetrics(resources: readonly string[], served: boolean): Metrics | null {
  return served ? new (metricsModule().Metrics)(resources) : null;
}
