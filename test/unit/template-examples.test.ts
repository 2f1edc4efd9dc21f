import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compile, createEngine } from '../../src/resources/template/liquid-engine';
import { renderContainers } from '../../src/resources/template/render-containers';
import { listed } from '../support/listed-containers';

const EXAMPLES = join(__dirname, '..', '..', 'deploy', 'examples');
const engine = createEngine();

function render(file: string, containers: ReturnType<typeof listed>[]) {
  const c = compile(engine, readFileSync(join(EXAMPLES, file), 'utf8'));
  assert.ok(c.ok, c.ok ? '' : c.message);
  const r = renderContainers(engine, c.template, containers, {});
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r;
}

describe('the shipped Template examples render', () => {
  it('nginx reverse proxy: one server per valid container, a bad name left out', () => {
    const r = render('nginx-vhosts.conf.liquid', [listed('a', { 'reconcile.vhost': 'a.test' }), listed('b', { 'reconcile.vhost': 'b.test', 'reconcile.port': '8080' }, '172.17.0.3'), listed('bad', { 'reconcile.vhost': 'x; }' })]);
    assert.match(r.text, /server 172\.17\.0\.2:80;[\s\S]*server_name a\.test;/);
    assert.match(r.text, /server 172\.17\.0\.3:8080;[\s\S]*server_name b\.test;/);
    assert.deepEqual(r.invalid.map((i) => i.name), ['bad']);
  });
  it('/etc/hosts block: address and name per line', () => {
    const r = render('etc-hosts.liquid', [listed('a', {}), listed('v6', {}, '172.17.0.4', { networks: [{ name: 'n', ip: '172.17.0.4', ip6: 'fd00::4' }] })]);
    assert.equal(r.text, '172.17.0.2 a\n172.17.0.4 v6\nfd00::4 v6\n');
  });
  it('Prometheus file_sd: valid JSON', () => {
    const r = render('prometheus-file-sd.json.liquid', [listed('a', { 'prometheus.port': '9100' }), listed('b', { 'prometheus.port': '9200', 'prometheus.job': 'node' }, '172.17.0.3')]);
    assert.deepEqual(JSON.parse(r.text), [
      { targets: ['172.17.0.2:9100'], labels: { job: 'a', container: 'a' } },
      { targets: ['172.17.0.3:9200'], labels: { job: 'node', container: 'b' } },
    ]);
  });
});
