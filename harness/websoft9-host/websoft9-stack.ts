/**
 * The rest of a Websoft9 host beside the emulated apphub: the proxy (Nginx Proxy Manager) with its
 * variables and data volumes, Gitea and Portainer with their credential files, Cockpit's
 * certificate directory and cockpit.conf, and apphub's `[nginx_proxy_manager]` keys that Websoft9
 * 2.2.10 adds (docker0_ip, ssl_cert, ssl_key). Together with the emulated host this is every
 * resource of the profile (config/default.yaml). Every container and volume carries the host's
 * labels (`HostObjects`).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import { docker } from '../docker-cli';
import { apphubConfigIni } from './apphub-config-ini';
import type { EmulatedHost, YamlMapping } from './emulated-host';
import { HostObjects } from './host-objects';

/** Resources whose desired value is apphub's port (the rest have their own sources). */
export const PORT_RESOURCES = ['cockpit-socket', 'cockpit-firewalld', 'proxy-cockpit-port'];
/** Apphub's CLI stand-in (`apphub setconfig …`), the same one the integration tests install. */
export const APPHUB_CLI = path.join(__dirname, 'apphub-cli.sh');
/** `nginx -s reload` stand-in in the proxy: records the call, reloads nothing. */
const NGINX_STAND_IN = '#!/bin/sh\necho "nginx $*" >> /tmp/nginx-calls\n';
/** apphub's `[nginx_proxy_manager]` keys of Websoft9 2.2.10: the proxy's Origin address and its TLS pair (paths in its /data volume). */
export const DOCKER0_IP = '172.17.0.1';
const SSL_CERT = '/data/custom_ssl/0-self-signed.cert';
const SSL_KEY = '/data/custom_ssl/0-self-signed.key';
/** apphub's config.ini with those keys (the standard file of `apphubConfigIni` has none). */
const withProxyKeys = (ini: string): string => ini.replace('listen_port = 443\n', `listen_port = 443\ndocker0_ip = ${DOCKER0_IP}\nssl_cert = ${SSL_CERT}\nssl_key = ${SSL_KEY}\n`);

/** The profile's other containers and volumes, with what the demo does to them. */
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
  /** The proxy's `custom_ssl.conf` (its TLS lines; host path in its volume). */
  readonly nginxSslPath: string;
  /** `<root>/etc/cockpit/cockpit.conf` (Origins). */
  readonly cockpitConfPath: string;
  /** The configuration overrides that add the profile's other eight resources. */
  config(): YamlMapping;
  /** apphub rewrites config.ini with another `[cockpit] port` (its other keys as they were). */
  setPort(port: number): Promise<void>;
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
  const objects = new HostObjects(host);
  const cleanup = (): Promise<void> => objects.cleanup();
  const volume = (suffix: string): Promise<{ name: string; path: string }> => objects.volume(suffix);
  const container = (suffix: string, mounts: string[] = []): Promise<string> => objects.container(suffix, mounts);
  const put = (name: string, file: string, text: string, mode?: number): Promise<void> => objects.write(name, file, text, mode);

  try {
    const nginxVar = await volume('nginx-var');
    const nginxData = await volume('nginx-data');
    const nginxVarPath = path.join(nginxVar.path, 'custom_var.conf');
    await fs.writeFile(nginxVarPath, '# Websoft9 variables\nset $cockpit_port 9090;\n');
    // As Websoft9 ships it: the installer's pair, and no final newline.
    const nginxSslPath = path.join(nginxVar.path, 'custom_ssl.conf');
    await fs.writeFile(nginxSslPath, 'ssl_certificate /data/custom_ssl/websoft9-self-signed.cert;\nssl_certificate_key /data/custom_ssl/websoft9-self-signed.key;');
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
    // Origins from before docker0 had its address (a host moved from another network).
    const cockpitConfPath = path.join(host.root, 'etc', 'cockpit', 'cockpit.conf');
    await fs.writeFile(cockpitConfPath, '[WebService]\nLoginTitle = Websoft9\nOrigins = http://10.0.0.1:9000 ws://10.0.0.1:9000\n');
    await host.setIni(withProxyKeys(await host.readIni()));

    const reload = { exec: { container: proxy, command: ['nginx', '-s', 'reload'] } };
    const apphubIni = { container: host.containerName, volume: host.volumeName };
    const proxyKey = (key: string, type: string): YamlMapping => ({ kind: 'ContainerIniValue', ...apphubIni, file: 'config.ini', section: 'nginx_proxy_manager', key, type });
    const sslLine = (name: string, source: string, directive: string): YamlMapping => ({
      name,
      kind: 'FileLine',
      source,
      volume: nginxVar.name,
      file: 'custom_ssl.conf',
      match: `^\\s*${directive}\\s`,
      template: `${directive} {value};`,
      afterChange: reload,
    });
    return {
      proxy,
      git,
      deployment,
      certDir,
      nginxVarPath,
      mirroredCertPath: path.join(nginxData.path, 'custom_ssl', '0-self-signed.cert'),
      nginxSslPath,
      cockpitConfPath,
      config: () => ({
        sources: {
          'docker0-ip': proxyKey('docker0_ip', 'ipv4'),
          'proxy-ssl-cert': proxyKey('ssl_cert', 'path'),
          'proxy-ssl-key': proxyKey('ssl_key', 'path'),
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
          sslLine('proxy-ssl-certificate', 'proxy-ssl-cert', 'ssl_certificate'),
          sslLine('proxy-ssl-certificate-key', 'proxy-ssl-key', 'ssl_certificate_key'),
          {
            name: 'cockpit-origins',
            kind: 'IniValue',
            source: 'docker0-ip',
            path: cockpitConfPath,
            section: 'WebService',
            key: 'Origins',
            template: 'http://{value}:9000 ws://{value}:9000',
            create: false,
            afterChange: { systemctl: ['try-restart', 'cockpit.service'] },
          },
        ],
      }),
      setPort: (port) => host.setIni(withProxyKeys(apphubConfigIni(port))),
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
