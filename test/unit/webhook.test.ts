import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { FetchHttpPoster } from '../../src/adapters/fetch-http-poster';
import { NodeAppendLog } from '../../src/adapters/node-append-log';
import { systemClock } from '../../src/adapters/system-clock';
import type { PassResult } from '../../src/controller/outcome';
import { Journal } from '../../src/status/journal/journal';
import { Webhook } from '../../src/status/journal/webhook';
import { Metrics } from '../../src/status/metrics';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A real HTTP server on 127.0.0.1 whose answer each test decides; it records every request body. */
class HookServer {
  readonly bodies: string[] = [];
  handler: Handler = (_req, res) => res.end('ok');
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        this.bodies.push(body);
        this.handler(req, res, body);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** A server that answers is given ample time on a busy machine; one that never answers times out fast. */
const ANSWERED = { timeoutMs: 20_000, retryDelaysMs: [50, 100] };
const UNANSWERED = { timeoutMs: 1000, retryDelaysMs: [50, 100] };

describe('journal webhook against a local HTTP server', () => {
  const server = new HookServer();
  before(() => server.start());
  after(() => server.stop());

  const hook = (failures: string[], timing = ANSWERED) => new Webhook({ url: server.url, poster: new FetchHttpPoster(), clock: systemClock, ...timing, onFailure: (p) => failures.push(p) });

  it('success: one POST of the JSON entry, no failure', async () => {
    server.bodies.length = 0;
    let contentType = '';
    server.handler = (req, res) => {
      contentType = req.headers['content-type'] ?? '';
      res.writeHead(204).end();
    };
    const failures: string[] = [];
    const webhook = hook(failures);
    webhook.send('{"resource":"a"}');
    assert.equal(await webhook.flush(60_000), true);
    assert.deepEqual(server.bodies, ['{"resource":"a"}']);
    assert.equal(contentType, 'application/json');
    assert.deepEqual(failures, []);
  });

  it('500 then success: retried after the backoff, delivered once, no failure', async () => {
    server.bodies.length = 0;
    let calls = 0;
    server.handler = (_req, res) => res.writeHead(++calls === 1 ? 500 : 200).end();
    const failures: string[] = [];
    const webhook = hook(failures);
    webhook.send('{"resource":"b"}');
    assert.equal(await webhook.flush(60_000), true);
    assert.deepEqual(server.bodies, ['{"resource":"b"}', '{"resource":"b"}']);
    assert.deepEqual(failures, []);
  });

  it('timeout: every attempt times out, the entry is given up and counted once', async () => {
    server.bodies.length = 0;
    server.handler = () => undefined; // never answers
    const failures: string[] = [];
    const webhook = hook(failures, UNANSWERED);
    webhook.send('{"resource":"c"}');
    assert.equal(await webhook.flush(60_000), true);
    assert.equal(server.bodies.length, 3, 'first try and two retries');
    assert.deepEqual(failures, ['timed out after 3 attempts']);
  });

  it('a pass never waits on it: record() resolves while the server still holds the request; failures reach the metric', async () => {
    server.bodies.length = 0;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    server.handler = (_req, res) => void held.then(() => res.writeHead(503).end());
    const metrics = new Metrics(['r']);
    const dir = await mkdtemp(join(tmpdir(), 'webhook-journal-'));
    try {
      const webhook = new Webhook({ url: server.url, poster: new FetchHttpPoster(), clock: systemClock, timeoutMs: 10_000, retryDelaysMs: [], onFailure: () => metrics.webhookFailure() });
      const journal = new Journal({ log: new NodeAppendLog(), file: join(dir, 'j.jsonl'), maxBytes: 1 << 20, logger: pino({ level: 'silent' }), webhook });
      const pass: PassResult = {
        startedAt: 0,
        finishedAt: 1,
        triggers: ['file'],
        dryRun: false,
        result: 'converged',
        resources: [{ name: 'r', kind: 'FileLine', desired: 1, observed: 1, inSync: true, ready: 'True', reason: 'Applied', message: '', changed: true, failed: false, plan: null, actions: [] }],
      };
      assert.equal(await journal.record(pass), 1);
      assert.match(await readFile(join(dir, 'j.jsonl'), 'utf8'), /"resource":"r"/);
      // The entry is on disk and record() has returned, yet the webhook has not been answered.
      while (server.bodies.length === 0) await new Promise((r) => setTimeout(r, 10));
      assert.equal(webhook.pending, 1);
      release();
      assert.equal(await journal.flush(60_000), true);
      assert.match(await metrics.text(), /^reconciler_journal_webhook_failures_total 1$/m);
    } finally {
      release();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a full queue drops entries and counts them, without waiting', () => {
    const failures: string[] = [];
    const webhook = new Webhook({ url: 'http://127.0.0.1:9/never', poster: { postJson: () => new Promise(() => undefined) }, clock: systemClock, maxQueue: 2, onFailure: (p) => failures.push(p) });
    for (let i = 0; i < 4; i++) webhook.send(`{"i":${i}}`);
    assert.equal(webhook.pending, 2);
    assert.equal(failures.length, 2);
    assert.match(failures[0] ?? '', /queue full/);
  });
});
