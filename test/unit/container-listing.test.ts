import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassThrough, type Readable } from 'node:stream';
import { toListing } from '../../src/adapters/list-containers';
import { LISTING_LIMITS } from '../../src/host/container-listing';
import type { EventFilter } from '../../src/host/docker-host';
import { Containers } from '../../src/sources/containers';
import { isContainerSet } from '../../src/sources/container-set';
import { dockerEventTriggers } from '../../src/triggers/docker-events-source';
import type { Trigger } from '../../src/triggers/trigger';
import { FakeClock, flushPromises } from '../support/fake-clock';
import { FakeDocker } from '../support/fake-docker';

/** One entry of `GET /containers/json` as Docker 20.10 answers it. */
function raw(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Id: `id-${name}`,
    Names: [`/${name}`],
    Labels: { 'reconcile.vhost': `${name}.test` },
    State: 'running',
    Status: 'Up 3 minutes (healthy)',
    NetworkSettings: { Networks: { bridge: { IPAddress: '172.17.0.2', GlobalIPv6Address: '' }, zeta: { IPAddress: '198.18.0.5', GlobalIPv6Address: 'fd00::5' } } },
    Ports: [{ PrivatePort: 80, Type: 'tcp' }, { IP: '0.0.0.0', PrivatePort: 443, PublicPort: 8443, Type: 'tcp' }],
    ...extra,
  };
}

describe('container listing (adapter translation)', () => {
  it('keeps names, labels, state, health, networks in order and ports', () => {
    const listing = toListing([raw('web', { Names: ['/proxy/web-alias', '/web'] })]);
    assert.equal(listing.truncated, false);
    const [c] = listing.containers;
    assert.ok(c);
    assert.equal(c.name, 'web');
    assert.equal(c.id, 'id-web');
    assert.equal(c.labels['reconcile.vhost'], 'web.test');
    assert.equal(c.state, 'running');
    assert.equal(c.health, 'healthy');
    assert.deepEqual(c.networks, [
      { name: 'bridge', ip: '172.17.0.2', ip6: '' },
      { name: 'zeta', ip: '198.18.0.5', ip6: 'fd00::5' },
    ]);
    assert.deepEqual(c.ports, [
      { private: 80, public: null, type: 'tcp', hostIp: '' },
      { private: 443, public: 8443, type: 'tcp', hostIp: '0.0.0.0' },
    ]);
    assert.deepEqual(c.problems, []);
  });

  it('reads the health from the status line', () => {
    const health = (status: string) => toListing([raw('a', { Status: status })]).containers[0]?.health;
    assert.equal(health('Up 2 seconds (health: starting)'), 'starting');
    assert.equal(health('Up 2 minutes (unhealthy)'), 'unhealthy');
    assert.equal(health('Up 2 minutes'), null);
  });

  it('leaves out oversized labels and names them, and survives wrong types anywhere', () => {
    const big = 'x'.repeat(LISTING_LIMITS.labelValueBytes + 1);
    const listing = toListing([raw('a', { Labels: { ok: 'yes', huge: big, num: 5, ['k'.repeat(LISTING_LIMITS.labelKeyBytes + 1)]: 'v', __proto__: 'p' } }), 'junk', { Names: 7, Labels: [], NetworkSettings: null, Ports: {} }]);
    const [a, junk, typed] = listing.containers;
    assert.ok(a && junk && typed);
    assert.deepEqual({ ...a.labels }, { ok: 'yes' });
    assert.equal(a.problems.length, 2);
    assert.match(a.problems.join('; '), /label huge: value longer than 4096 bytes/);
    assert.equal(junk.name, '');
    assert.deepEqual(typed.networks, []);
    assert.deepEqual(typed.ports, []);
  });

  it('caps the number of containers and says so', () => {
    const many = Array.from({ length: LISTING_LIMITS.containers + 1 }, (_, i) => raw(`c${i}`));
    const listing = toListing(many);
    assert.equal(listing.containers.length, LISTING_LIMITS.containers);
    assert.equal(listing.truncated, true);
  });
});

describe('Containers source', () => {
  it('lists by labels on every read, sorts by name and passes on only the listed environment variables', async () => {
    const queries: unknown[] = [];
    const docker = new FakeDocker({
      listContainers: async (query) => {
        queries.push(query);
        return toListing([raw('zeta'), raw('alpha'), raw('Mid')]);
      },
    });
    const source = new Containers('web', { kind: 'Containers', labels: ['reconcile.vhost'], env: ['DOMAIN', 'MISSING'] }, docker, { DOMAIN: 'example.org', SECRET: 's3cret' });
    assert.deepEqual(source.labels(), ['reconcile.vhost']);
    assert.deepEqual(source.containers(), []);
    const read = await source.read();
    await source.read();
    assert.equal(queries.length, 2);
    assert.deepEqual(queries[0], { labels: ['reconcile.vhost'] });
    assert.equal(read.kind, 'value');
    assert.ok(read.kind === 'value' && isContainerSet(read.value));
    assert.deepEqual(read.value.containers.map((c) => c.name), ['Mid', 'alpha', 'zeta']);
    assert.deepEqual(read.value.env, { DOMAIN: 'example.org' });
  });

  it('is unavailable when Docker does not answer and invalid when too many containers match', async () => {
    const down = new Containers('web', { kind: 'Containers', labels: [], env: [] }, new FakeDocker({ listContainers: async () => Promise.reject(new Error('Docker daemon unreachable')) }), {});
    assert.deepEqual(await down.read(), { kind: 'unavailable', message: 'Docker daemon unreachable' });
    const many = new Containers('web', { kind: 'Containers', labels: ['a=b'], env: [] }, new FakeDocker({ listContainers: async () => ({ containers: [], truncated: true }) }), {});
    const read = await many.read();
    assert.equal(read.kind, 'invalid');
    assert.match(read.kind === 'invalid' ? read.message : '', /more than 2000 containers carry a=b/);
  });
});

describe('Docker events by label and of networks', () => {
  const labelled = (name: string, labels: Record<string, string>, action = 'start'): string =>
    JSON.stringify({ Type: 'container', Action: action, Actor: { ID: 'x', Attributes: { name, image: 'i', ...labels } } }) + '\n';

  it('asks the daemon for the labels and passes on only events of containers carrying all of them', async () => {
    const clock = new FakeClock();
    const filters: EventFilter[] = [];
    const stream = new PassThrough();
    const docker = new FakeDocker({ openEvents: async (filter): Promise<Readable> => (filters.push(filter), stream) });
    const seen: Trigger[] = [];
    const sub = dockerEventTriggers(docker, { labels: ['reconcile.vhost', 'tier=web'] }, clock, { onConnected: () => undefined, onDisconnected: () => undefined }).subscribe((t) => seen.push(t));
    await flushPromises();
    assert.deepEqual(filters[0]?.labels, ['reconcile.vhost', 'tier=web']);
    stream.write(labelled('a', { 'reconcile.vhost': 'a.test', tier: 'web' }));
    stream.write(labelled('b', { 'reconcile.vhost': 'b.test', tier: 'db' }));
    stream.write(labelled('c', { tier: 'web' }));
    await flushPromises();
    sub.unsubscribe();
    assert.deepEqual(seen.map((t) => t.detail ?? t.kind), ['docker-connected', 'start a']);
  });

  it('subscribes to network connect and disconnect of any container', async () => {
    const clock = new FakeClock();
    const filters: EventFilter[] = [];
    const stream = new PassThrough();
    const docker = new FakeDocker({ openEvents: async (filter): Promise<Readable> => (filters.push(filter), stream) });
    const seen: Trigger[] = [];
    const sub = dockerEventTriggers(docker, { networks: true }, clock, { onConnected: () => undefined, onDisconnected: () => undefined }).subscribe((t) => seen.push(t));
    await flushPromises();
    assert.equal(filters[0]?.type, 'network');
    assert.deepEqual(filters[0]?.actions, ['connect', 'disconnect']);
    stream.write(JSON.stringify({ Type: 'network', Action: 'connect', Actor: { ID: 'n', Attributes: { container: 'abc', name: 'testnet', type: 'bridge' } } }) + '\n');
    stream.write(labelled('a', {}));
    await flushPromises();
    sub.unsubscribe();
    assert.deepEqual(seen.map((t) => t.detail ?? t.kind), ['docker-connected', 'connect testnet']);
  });
});
