import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DockerApi, type DockerApiError } from '../../src/adapters/docker-api';
import { DockerodeHost } from '../../src/adapters/dockerode-host';

// A stand-in daemon on a unix socket: the requests it saw, and canned answers.
describe('Docker API over node:http (adapters/docker-api.ts)', () => {
  let dir: string;
  let socket: string;
  let server: Server;
  const seen: string[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docker-api-'));
    socket = join(dir, 'docker.sock');
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      if (req.url === '/containers/apphub/json') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ Id: 'abc', Name: '/apphub', State: { Running: true, Status: 'running', Health: { Status: 'healthy' } }, Mounts: [{ Type: 'volume', Name: 'v', Source: '/var/lib/docker/volumes/v/_data', Destination: '/data' }] }));
      } else if (req.url === '/_ping') {
        res.end('OK');
      } else if (req.url?.startsWith('/containers/json?')) {
        res.end(JSON.stringify([{ Id: '1', Names: ['/web'], Labels: { a: 'b' }, State: 'running', Status: 'Up (healthy)' }]));
      } else if (req.url === '/volumes/broken') {
        res.statusCode = 500;
        res.end('not json at all');
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ message: 'No such container: ghost' }));
      }
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('answers inspect, list and ping as dockerode did', async () => {
    const host = new DockerodeHost(socket);
    assert.deepEqual(await host.inspectContainer('apphub'), {
      id: 'abc',
      name: 'apphub',
      running: true,
      status: 'running',
      health: 'healthy',
      mounts: [{ type: 'volume', name: 'v', source: '/var/lib/docker/volumes/v/_data', destination: '/data' }],
    });
    await host.ping();
    const listing = await host.listContainers({ labels: ['a=b'], all: true });
    assert.equal(listing.containers[0]?.name, 'web');
    assert.equal(listing.containers[0]?.health, 'healthy');
    const query = new URLSearchParams(seen.find((u) => u.startsWith('/containers/json?'))?.split('?')[1]);
    assert.equal(query.get('all'), '1');
    assert.deepEqual(JSON.parse(query.get('filters') ?? ''), { label: ['a=b'] });
  });

  it('a 404 is "not there" (null); names are escaped into the path', async () => {
    const host = new DockerodeHost(socket);
    assert.equal(await host.inspectContainer('gh/../ost'), null);
    assert.ok(seen.includes('/containers/gh%2F..%2Fost/json'), seen.join(' '));
    assert.equal(await host.volumeMountpoint('ghost'), null);
  });

  it('other HTTP errors carry the status and the daemon message', async () => {
    const api = new DockerApi(socket);
    await assert.rejects(api.getJson('/volumes/broken', AbortSignal.timeout(5000)), (error: DockerApiError) => error.statusCode === 500 && /not json at all/.test(error.message));
    await assert.rejects(new DockerodeHost(socket).volumeMountpoint('broken'), /Docker API error \(HTTP 500\) while trying to inspect volume broken/);
  });

  it('no daemon: DOCKER_UNREACHABLE, as before', async () => {
    await assert.rejects(new DockerodeHost(join(dir, 'missing.sock')).inspectContainer('apphub'), /Docker daemon unreachable \(ENOENT\)/);
  });
});
