/**
 * The rest of a Websoft9 host beside the emulated apphub: the proxy (Nginx Proxy Manager) with its
 * variables and data volumes, Gitea and Portainer with their credential files, and Cockpit's
 * certificate directory. Together with the emulated host this is every resource of the profile
 * (config/default.yaml). Every container and volume carries the demo's label and the host's id.
 */
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { ensureBusyboxImage } from '../test/support/busybox-image';
import { docker, dockerQuiet } from '../test/support/docker-cli';
import { HOST_LABEL, type EmulatedHost, type YamlMapping } from '../test/support/emulated-host';

/** The demo's label (not the tests' `reconciler.test`: CI's clean-up must not remove a running demo). */
export const DEMO_LABEL_PAIR = 'reconciler.demo=true';
/**
 * Labels of every demo object. Containers inherit the busybox image's `reconciler.test=true`;
 * `reconciler.test=false` overrides it, so that `--filter label=reconciler.test=true` misses them.
 */
export const DEMO_LABELS = [DEMO_LABEL_PAIR, 'reconciler.test=false'];
/** Resources whose desired value is apphub's port (the rest have their own sources). */
export const PORT_RESOURCES = ['cockpit-socket', 'cockpit-firewalld', 'proxy-cockpit-port'];
/** Apphub's CLI stand-in (`apphub setconfig …`), the same one the integration tests install. */
const APPHUB_CLI = path.join(__dirname, '..', 'test', 'support', 'fixtures', 'apphub-cli.sh');
/** `nginx -s reload` stand-in in the proxy: records the call, reloads nothing. */
const NGINX_STAND_IN = '#!/bin/sh\necho "nginx $*" >> /tmp/nginx-calls\n';

export interface Websoft9Stack {
  readonly proxy: string;
  readonly git: string;
  readonly deployment: string;
  /** `<root>/etc/cockpit/ws-certs.d`, Cockpit's certificates (the mirror's source). */
  readonly certDir: string;
  /** The proxy's `custom_var.conf` (host path in its volume). */
  readonly nginxVarPath: string;
  /** The mirrored certificate in the proxy's data volume (`custom_ssl/0-self-signed.cert`). */
  readonly mirroredCertPath: string;
  /** The configuration overrides that add the profile's other five resources. */
  config(): YamlMapping;
  /** Writes a certificate as Cockpit's helper does (temp file + rename). */
  renewCertificate(text: string): Promise<void>;
  /** Gitea rewrites its credential file with a new password and restarts. */
  changeGiteaPassword(password: string): Promise<void>;
  /** `nginx -s reload` calls in the proxy since the last call (and forgets them). */
  takeProxyReloads(): Promise<string[]>;
  cleanup(): Promise<void>;
}

export const certificate = (serial: number): string => `demo certificate #${serial} (not a real one)\n`;
export const giteaPassword = (n: number): string => `gitea-demo-password-${n}`;

/** Builds the stack for `host`; removes what it made if any step fails. */
export async function createWebsoft9Stack(host: EmulatedHost): Promise<Websoft9Stack> {
  const labels = [...DEMO_LABELS, `${HOST_LABEL}=${host.id}`].flatMap((label) => ['--label', label]);
  const image = await ensureBusyboxImage();
  const containers: string[] = [];
  const volumes: string[] = [];
  const cleanup = async (): Promise<void> => {
    for (const name of containers) await dockerQuiet(['rm', '-f', '-v', name]);
    for (const name of volumes) await dockerQuiet(['volume', 'rm', '-f', name]);
  };
  const volume = async (suffix: string): Promise<{ name: string; path: string }> => {
    const name = `${host.volumeName}-${suffix}`;
    await docker(['volume', 'create', ...labels, name]);
    volumes.push(name);
    return { name, path: (await docker(['volume', 'inspect', '--format', '{{.Mountpoint}}', name])).stdout.trim() };
  };
  const container = async (suffix: string, mounts: string[] = []): Promise<string> => {
    const name = `${host.containerName}-${suffix}`;
    await docker(['run', '-d', '--name', name, ...labels, ...mounts.flatMap((m) => ['-v', m]), image]);
    containers.push(name);
    return name;
  };
  const put = async (name: string, file: string, text: string, mode = 0o644): Promise<void> => {
    const dir = await fs.mkdtemp(path.join(tmpdir(), 'reconciler-demo-cp-'));
    try {
      await fs.writeFile(path.join(dir, 'f'), text, { mode });
      await docker(['exec', name, 'mkdir', '-p', path.posix.dirname(file)]);
      await docker(['cp', path.join(dir, 'f'), `${name}:${file}`]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  };

  try {
    const nginxVar = await volume('nginx-var');
    const nginxData = await volume('nginx-data');
    const nginxVarPath = path.join(nginxVar.path, 'custom_var.conf');
    await fs.writeFile(nginxVarPath, '# Websoft9 variables\nset $cockpit_port 9090;\n');
    const proxy = await container('proxy', [`${nginxVar.name}:/data/nginx/custom`, `${nginxData.name}:/data`]);
    await put(proxy, '/bin/nginx', NGINX_STAND_IN, 0o755);
    await put(proxy, '/data/credential', JSON.stringify({ username: 'admin@example.com', password: 'proxy-demo-password' }));
    const git = await container('git');
    await put(git, '/data/gitea/credential', JSON.stringify({ username: 'websoft9', password: giteaPassword(1) }));
    const deployment = await container('deployment');
    await put(deployment, '/data/credential', 'portainer-demo-password\n');
    await docker(['cp', APPHUB_CLI, `${host.containerName}:/bin/apphub`]);
    const certDir = path.join(host.root, 'etc', 'cockpit', 'ws-certs.d');
    await fs.mkdir(certDir, { recursive: true });
    await fs.writeFile(path.join(certDir, '0-self-signed.cert'), certificate(1));
    await fs.writeFile(path.join(certDir, '0-self-signed.key'), 'demo key (not a real one)\n', { mode: 0o600 });

    const reload = { exec: { container: proxy, command: ['nginx', '-s', 'reload'] } };
    const apphubIni = { container: host.containerName, volume: host.volumeName };
    return {
      proxy,
      git,
      deployment,
      certDir,
      nginxVarPath,
      mirroredCertPath: path.join(nginxData.path, 'custom_ssl', '0-self-signed.cert'),
      config: () => ({
        sources: {
          'gitea-credential': { kind: 'ContainerFile', container: git, path: '/data/gitea/credential', format: 'json' },
          'portainer-credential': { kind: 'ContainerFile', container: deployment, path: '/data/credential', format: 'password', username: 'admin' },
          'proxy-credential': { kind: 'ContainerFile', container: proxy, path: '/data/credential', format: 'json' },
        },
        resources: [
          ...((host.baseConfig().resources ?? []) as YamlMapping[]),
          {
            name: 'proxy-cockpit-port',
            kind: 'FileLine',
            source: 'apphub',
            volume: nginxVar.name,
            file: 'custom_var.conf',
            match: '^\\s*set\\s+\\$cockpit_port\\s',
            template: 'set $cockpit_port {value};',
            afterChange: reload,
          },
          {
            name: 'cockpit-certs',
            kind: 'DirectoryMirror',
            from: { path: certDir },
            to: { volume: nginxData.name, subPath: 'custom_ssl' },
            include: ['*.cert', '*.crt', '*.key', '*.pem'],
            prune: false,
            afterChange: reload,
          },
          { name: 'gitea-credentials', kind: 'ContainerCredentials', source: 'gitea-credential', section: 'gitea', ...apphubIni },
          { name: 'portainer-credentials', kind: 'ContainerCredentials', source: 'portainer-credential', section: 'portainer', ...apphubIni },
          { name: 'proxy-credentials', kind: 'ContainerCredentials', source: 'proxy-credential', section: 'nginx_proxy_manager', ...apphubIni },
        ],
      }),
      async renewCertificate(text) {
        const staged = path.join(certDir, '.0-self-signed.cert.tmp');
        await fs.writeFile(staged, text);
        await fs.rename(staged, path.join(certDir, '0-self-signed.cert'));
      },
      async changeGiteaPassword(password) {
        await put(git, '/data/gitea/credential', JSON.stringify({ username: 'websoft9', password }));
        await docker(['restart', '-t', '0', git]); // Gitea rewrites its credential at start
      },
      async takeProxyReloads() {
        const { stdout } = await docker(['exec', proxy, 'sh', '-c', 'cat /tmp/nginx-calls 2>/dev/null; rm -f /tmp/nginx-calls']);
        return stdout.split('\n').filter((line) => line !== '');
      },
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * Removes every container and volume that carries the demo's label and this host's id: the last
 * sweep on exit, for whatever a failed step left behind (never another demo's or a test's objects).
 */
export async function removeDemoObjects(hostId: string): Promise<number> {
  const filters = ['--filter', `label=${DEMO_LABEL_PAIR}`, '--filter', `label=${HOST_LABEL}=${hostId}`];
  const lines = (text: string): string[] => text.split('\n').filter((s) => s.trim() !== '');
  const ids = lines((await docker(['ps', '-aq', ...filters])).stdout);
  if (ids.length > 0) await dockerQuiet(['rm', '-f', '-v', ...ids]);
  const vols = lines((await docker(['volume', 'ls', '-q', ...filters])).stdout);
  if (vols.length > 0) await dockerQuiet(['volume', 'rm', '-f', ...vols]);
  return ids.length + vols.length;
}
