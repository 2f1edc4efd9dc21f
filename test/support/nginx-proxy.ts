import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { request } from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';

import { TEST_LABEL_PAIR, delay, docker, dockerQuiet } from '../../harness/docker-cli';
import { ensureNginxImage } from './nginx-image';

const execFileAsync = promisify(execFile);

/** Where the proxy container mounts its volumes (as Websoft9's compose file does). */
export const VAR_DIR = '/etc/custom';
export const DATA_DIR = '/data';

/** The files as Websoft9's proxy image ships them: one line each, no final newline. */
export const shippedCustomVar = (port: number): string => `set $cockpit_port ${port};`;
export const shippedCustomSsl = (cert: string, key: string): string => `ssl_certificate ${cert};\nssl_certificate_key ${key};`;

/**
 * The proxy's nginx.conf, shaped like Websoft9's initproxy.conf: the server includes
 * custom_ssl.conf, `location /` includes custom_var.conf and proxies to `$cockpit_port` on the
 * docker0 address with the fixed `Origin: http://<docker0>:9000`.
 */
export function proxyNginxConf(listenPort: number, docker0: string): string {
  return `user nobody nogroup;
worker_processes 1;
error_log stderr notice;
pid /run/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  server {
    listen 127.0.0.1:${listenPort} ssl default_server;
    server_name _;
    include ${VAR_DIR}/custom_ssl.conf;
    location / {
      include ${VAR_DIR}/custom_var.conf;
      # Required to proxy the connection to Cockpit
      proxy_pass http://${docker0}:$cockpit_port;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Origin http://${docker0}:9000;
      proxy_http_version 1.1;
      proxy_buffering off;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      gzip off;
    }
  }
}
`;
}

/** A running proxy: the container, its two volumes (host paths known), and its HTTPS port on 127.0.0.1. */
export interface NginxProxy {
  name: string;
  varVolume: string;
  dataVolume: string;
  /** Host path of the var volume (custom_var.conf, custom_ssl.conf). */
  varPath: string;
  /** Host path of the data volume (custom_ssl/ with the certificates). */
  dataPath: string;
  port: number;
  logs(): Promise<string>;
  cleanup(): Promise<void>;
}

/** Writes a self-signed pair `<dir>/<name>.cert` and `.key` with the given CN (openssl). */
export async function selfSignedPair(dir: string, name: string, commonName: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await execFileAsync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${commonName}`, '-keyout', path.join(dir, `${name}.key`), '-out', path.join(dir, `${name}.cert`)], { timeout: 60_000 });
}

async function mountpoint(volume: string): Promise<string> {
  return (await docker(['volume', 'inspect', '--format', '{{.Mountpoint}}', volume])).stdout.trim();
}

/**
 * Starts the proxy as Websoft9 runs `websoft9-proxy`: volumes at /etc/custom and /data, the files
 * given by `prepare` (called with both host paths before the start), host network so that nginx
 * listens on 127.0.0.1:`port` and reaches Cockpit on loopback. Waits until nginx answers.
 */
export async function startNginxProxy(options: { id: string; port: number; docker0: string; prepare: (varPath: string, dataPath: string) => Promise<void> }): Promise<NginxProxy> {
  const image = await ensureNginxImage();
  const name = `reconciler-test-proxy-${options.id}`;
  const varVolume = `${name}-var`;
  const dataVolume = `${name}-data`;
  const confDir = await fs.mkdtemp(path.join(os.tmpdir(), 'reconciler-nginx-conf-'));
  const cleanup = async (): Promise<void> => {
    await dockerQuiet(['rm', '-f', '-v', name]);
    await dockerQuiet(['volume', 'rm', '-f', varVolume]);
    await dockerQuiet(['volume', 'rm', '-f', dataVolume]);
    await fs.rm(confDir, { recursive: true, force: true });
  };
  try {
    for (const volume of [varVolume, dataVolume]) await docker(['volume', 'create', '--label', TEST_LABEL_PAIR, volume]);
    const varPath = await mountpoint(varVolume);
    const dataPath = await mountpoint(dataVolume);
    await options.prepare(varPath, dataPath);
    const conf = path.join(confDir, 'nginx.conf');
    await fs.writeFile(conf, proxyNginxConf(options.port, options.docker0));
    await docker(['run', '-d', '--name', name, '--label', TEST_LABEL_PAIR, '--network', 'host', '-v', `${varVolume}:${VAR_DIR}`, '-v', `${dataVolume}:${DATA_DIR}`, '-v', `${conf}:/etc/nginx/nginx.conf:ro`, image]);
    const logs = async (): Promise<string> => {
      const out = await docker(['logs', name]).catch((error: unknown) => ({ stdout: '', stderr: String(error) }));
      return `${out.stdout}${out.stderr}`;
    };
    const deadline = Date.now() + 60_000;
    while ((await httpsGet(options.port)) === null) {
      if (Date.now() > deadline) throw new Error(`nginx did not answer on 127.0.0.1:${options.port}:\n${await logs()}`);
      await delay(100);
    }
    return { name, varVolume, dataVolume, varPath, dataPath, port: options.port, logs, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** What an HTTPS GET / through the proxy returned: status, body and the CN of the certificate served. */
export interface HttpsAnswer {
  status: number;
  body: string;
  certificateCn: string;
}

/** `GET https://127.0.0.1:port/` (self-signed: not verified), null when nothing answered. */
export function httpsGet(port: number, timeoutMs = 10_000): Promise<HttpsAnswer | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', agent: false, rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      const cn = (res.socket as TLSSocket).getPeerCertificate().subject?.CN;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, certificateCn: typeof cn === 'string' ? cn : '' }));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/** Cockpit's real login page, served through the proxy (status 200, the login form, Cockpit named). */
export async function cockpitThroughProxy(port: number): Promise<HttpsAnswer | null> {
  const answer = await httpsGet(port);
  return answer !== null && answer.status === 200 && answer.body.includes('id="login-user-input"') && /cockpit/i.test(answer.body) ? answer : null;
}

/** A unique id for the proxy's names. */
export const proxyId = (): string => randomBytes(5).toString('hex');
