/**
 * One render of the shipped nginx template (deploy/examples/nginx-vhosts.conf.liquid) over 500
 * containers, in process: the engine, filters and sandbox the Template kind uses.
 *
 *   node --require ts-node/register bench/template-render.ts [--containers 500] [--trials 30]
 *
 * - every value valid: one render (the common case);
 * - one label refused by the `hostname` filter: the render that fails, then each container alone
 *   (to name whose value it is), then the valid ones together — the worst case of a bad value.
 * Prints a Markdown table (ms) and the output size.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import type { ListedContainer } from '../src/host/container-listing';
import { compile, createEngine } from '../src/resources/template/liquid-engine';
import { renderContainers } from '../src/resources/template/render-containers';
import { summarize } from './lib/stats';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const COUNT = arg('--containers', 500);
const TRIALS = arg('--trials', 30);

function container(i: number, vhost: string): ListedContainer {
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  return {
    id: `${i.toString(16).padStart(12, '0')}`,
    name: `site-${String(i).padStart(4, '0')}`,
    labels: { 'reconcile.vhost': vhost, 'reconcile.port': '8080', 'com.docker.compose.project': 'bench' },
    state: 'running',
    health: null,
    networks: [{ name: 'bridge', ip, ip6: '' }],
    ports: [{ private: 8080, public: null, type: 'tcp', hostIp: '' }],
    problems: [],
  };
}

function main(): void {
  const text = readFileSync(path.join(__dirname, '..', 'deploy', 'examples', 'nginx-vhosts.conf.liquid'), 'utf8');
  const engine = createEngine();
  const parsed = compile(engine, text);
  if (!parsed.ok) throw new Error(parsed.message);
  const valid = Array.from({ length: COUNT }, (_, i) => container(i + 1, `site-${i + 1}.example.test`));
  const oneBad = valid.map((c, i) => (i === Math.floor(COUNT / 2) ? { ...c, labels: { ...c.labels, 'reconcile.vhost': 'x; }' } } : c));
  const time = (list: readonly ListedContainer[]): { ms: number[]; bytes: number; included: number } => {
    const ms: number[] = [];
    let bytes = 0;
    let included = 0;
    for (let t = 0; t < TRIALS; t++) {
      const start = process.hrtime.bigint();
      const out = renderContainers(engine, parsed.template, list, {});
      ms.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (!out.ok) throw new Error(out.message);
      bytes = Buffer.byteLength(out.text);
      included = out.included.length;
    }
    return { ms, bytes, included };
  };
  const row = (name: string, r: { ms: number[]; bytes: number; included: number }): string => {
    const s = summarize(r.ms);
    return `| ${name} | ${r.included} | ${(r.bytes / 1024).toFixed(0)} KiB | ${s.min.toFixed(1)} | ${s.p50.toFixed(1)} | ${s.max.toFixed(1)} |`;
  };
  console.log(`${COUNT} containers, ${TRIALS} renders each (the first includes V8's warm-up)\n`);
  console.log('| render | containers in the file | output | min ms | p50 ms | max ms |\n|---|---|---|---|---|---|');
  console.log(row('every value valid (one render)', time(valid)));
  console.log(row('one label refused by `hostname`', time(oneBad)));
}

main();
