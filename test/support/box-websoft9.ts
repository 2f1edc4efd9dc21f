import { boxApphubIniPath, loadImageIntoBox, startBoxApphub, type Box } from '../../harness/box';
import { BUSYBOX_IMAGE } from '../../harness/busybox-image';
import { apphubConfigIni } from '../../harness/websoft9-host';
import { ensureNginxImage } from './nginx-image';
import { DATA_DIR, VAR_DIR, proxyNginxConf, shippedCustomSsl, shippedCustomVar } from './nginx-proxy';

/**
 * The rest of a Websoft9 host inside the real-host box, in the box's own dockerd and under the
 * profile's own names, so that the built-in profile (config/default.yaml) runs unchanged: the proxy
 * `websoft9-proxy` (Debian's nginx, configured like Websoft9's initproxy.conf, on the default
 * bridge, reaching Cockpit at the docker0 address and sending `Origin: http://<docker0>:9000`) with
 * its volumes `websoft9_nginx_var` and `websoft9_nginx_data`, Gitea and Portainer stand-ins with
 * their credential files, apphub's config.ini with the proxy's keys, and cockpit.conf as
 * Websoft9's installer leaves it before `Origins` is written.
 */

/** The docker0 address of the box's dockerd (its default bridge's gateway). */
export const BOX_DOCKER0 = '172.17.0.1';
/** The proxy container, as the profile names it. */
export const BOX_PROXY = 'websoft9-proxy';
/** The proxy's HTTPS port, published on the box. */
export const BOX_PROXY_PORT = 8443;
/** The proxy's volumes, on the box. */
export const BOX_NGINX_VAR = '/var/lib/docker/volumes/websoft9_nginx_var/_data';
export const BOX_NGINX_DATA = '/var/lib/docker/volumes/websoft9_nginx_data/_data';
/** The pair the proxy ships with (CN `websoft9-shipped`), as the proxy sees it. */
export const SHIPPED_CERT = `${DATA_DIR}/custom_ssl/websoft9-self-signed.cert`;
export const SHIPPED_KEY = `${DATA_DIR}/custom_ssl/websoft9-self-signed.key`;
export const SHIPPED_CN = 'websoft9-shipped';
/** Cockpit's own pair once the profile's `cockpit-certs` mirrored it into the proxy's data volume. */
export const MIRRORED_CERT = `${DATA_DIR}/custom_ssl/0-self-signed.cert`;
export const MIRRORED_KEY = `${DATA_DIR}/custom_ssl/0-self-signed.key`;
/** Cockpit's configuration file and the bytes Websoft9's installer writes (no `Origins` yet). */
export const COCKPIT_CONF = '/etc/cockpit/cockpit.conf';
export const WEBSOFT9_COCKPIT_CONF = '[WebService]\nAllowUnencrypted = true\nLoginTitle = Websoft9\n\n[Session]\nIdleTimeout = 15\n';

/** The proxy's keys of apphub's config.ini (`[nginx_proxy_manager]`). */
export interface ProxyKeys {
  docker0: string;
  cert: string;
  key: string;
}

/** apphub's config.ini with Cockpit's port and the proxy's keys as Websoft9 2.2.10 has them. */
export function boxApphubIni(port: number, proxy: ProxyKeys): string {
  return apphubConfigIni(port).replace('listen_port = 443\n', `listen_port = 443\ndocker0_ip = ${proxy.docker0}\nssl_cert = ${proxy.cert}\nssl_key = ${proxy.key}\n`);
}

/** Rewrites apphub's config.ini (as apphub's `setconfig` would). */
export async function writeBoxApphubIni(box: Box, port: number, proxy: ProxyKeys): Promise<void> {
  await box.writeFile(boxApphubIniPath(), boxApphubIni(port, proxy));
}

/**
 * Sets up the stack in a booted box: cockpit.conf (Cockpit started once, so that its certificate
 * exists), apphub with `port` and `proxy`'s keys, the proxy serving the shipped pair and proxying to
 * Cockpit's vendor port 9090 (custom_var.conf as shipped), Gitea and Portainer stand-ins. Waits
 * until the proxy answers.
 */
export async function startBoxWebsoft9(box: Box, port: number, proxy: ProxyKeys): Promise<void> {
  await box.writeFile(COCKPIT_CONF, WEBSOFT9_COCKPIT_CONF);
  await box.run(['systemctl', 'start', 'cockpit.service'], { timeoutMs: 120_000 }); // makes ws-certs.d/0-self-signed.*
  await startBoxApphub(box, port);
  await writeBoxApphubIni(box, port, proxy);
  const nginx = await ensureNginxImage();
  await loadImageIntoBox(box, nginx);
  for (const volume of ['websoft9_nginx_var', 'websoft9_nginx_data']) await box.run(['docker', 'volume', 'create', volume]);
  await box.writeFile(`${BOX_NGINX_VAR}/custom_var.conf`, shippedCustomVar(9090));
  await box.writeFile(`${BOX_NGINX_VAR}/custom_ssl.conf`, shippedCustomSsl(SHIPPED_CERT, SHIPPED_KEY));
  const shipped = (file: string): string => `${BOX_NGINX_DATA}/custom_ssl/${file.slice(file.lastIndexOf('/') + 1)}`;
  await box.run(['mkdir', '-p', `${BOX_NGINX_DATA}/custom_ssl`]);
  await box.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${SHIPPED_CN}`, '-keyout', shipped(SHIPPED_KEY), '-out', shipped(SHIPPED_CERT)], { timeoutMs: 60_000 });
  await box.writeFile(`${BOX_NGINX_DATA}/credential`, JSON.stringify({ username: 'admin@example.com', password: 'proxy-box-password' }));
  // On the default bridge, as Websoft9 runs it: nginx listens on every address of the container.
  await box.writeFile('/opt/websoft9-proxy/nginx.conf', proxyNginxConf(BOX_PROXY_PORT, BOX_DOCKER0).replace('listen 127.0.0.1:', 'listen '));
  await box.run([
    'docker', 'run', '-d', '--name', BOX_PROXY, '-p', `${BOX_PROXY_PORT}:${BOX_PROXY_PORT}`,
    '-v', `websoft9_nginx_var:${VAR_DIR}`, '-v', `websoft9_nginx_data:${DATA_DIR}`, '-v', '/opt/websoft9-proxy/nginx.conf:/etc/nginx/nginx.conf:ro', nginx,
  ]);
  await startWithFile(box, 'websoft9-git', '/data/gitea/credential', JSON.stringify({ username: 'websoft9', password: 'gitea-box-password' }));
  await startWithFile(box, 'websoft9-deployment', '/data/credential', 'portainer-box-password\n');
}

/** A busybox container of the box's dockerd holding one file (its credential); loaded by startBoxApphub. */
async function startWithFile(box: Box, name: string, file: string, content: string): Promise<void> {
  await box.run(['docker', 'run', '-d', '--name', name, BUSYBOX_IMAGE]);
  await box.run(['docker', 'exec', '-i', name, 'sh', '-c', `mkdir -p ${file.slice(0, file.lastIndexOf('/'))} && cat > ${file}`], { input: content });
}

/** How many reloads the proxy's nginx master has done (it logs each SIGHUP). */
export async function proxyReloads(box: Box): Promise<number> {
  const logs = await box.exec(['docker', 'logs', BOX_PROXY]);
  return `${logs.stdout}${logs.stderr}`.split('\n').filter((line) => /signal 1 \(SIGHUP\) received/.test(line)).length;
}

/** The CN of a certificate file in the box. */
export async function certificateCn(box: Box, file: string): Promise<string> {
  const subject = await box.run(['openssl', 'x509', '-noout', '-subject', '-in', file]);
  return /CN\s*=\s*([^,\n]+)/.exec(subject)?.[1]?.trim() ?? '';
}
