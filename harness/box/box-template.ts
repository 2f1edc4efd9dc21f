import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { BUSYBOX_IMAGE } from '../busybox-image';
import type { Box } from './box';
import { loadBusyboxIntoBox } from './box-stack';

/**
 * The box set up for the Template kind as a user would: the shipped nginx example (deploy/examples/)
 * rendering `/etc/nginx/conf.d/vhosts.conf` for the box's own nginx from containers of the box's
 * dockerd labelled `reconcile.vhost`, and the shipped `/etc/hosts` block example over containers
 * labelled `reconcile.hosts`. The containers answer HTTP with their own name (busybox httpd).
 */

const EXAMPLES = path.join(__dirname, '..', '..', 'deploy', 'examples');
/** The box's Docker network of the sites (a subnet of 198.18.0.0/15, inside the box only). */
export const SITES_NETWORK = { name: 'vhosts', prefix: '198.18.45.' };
const VHOSTS_TEMPLATE = '/etc/reconciler/vhosts.conf.liquid';
/** The file the vhosts resource renders for nginx. */
export const VHOSTS_CONF = '/etc/nginx/conf.d/vhosts.conf';
const HOSTS_TEMPLATE = '/etc/reconciler/hosts.liquid';
/** nginx logs its reconfigurations here at `notice` level (one `signal 1 (SIGHUP) received` line per reload). */
const NGINX_LOG = '/var/log/nginx/error.log';

/**
 * What the shipped unit needs beyond its own ReadWritePaths= for these two resources: the files it
 * renders, and what `nginx -t` opens for writing (its pid file and its error log).
 */
export const TEMPLATE_DROP_IN = '[Service]\nReadWritePaths=/etc/nginx/conf.d /etc/hosts /run/nginx.pid -/var/log/nginx\n';

/** The controller's configuration: the two resources of deploy/examples/, and `extra` YAML lines. */
export function templateBoxConfig(extra = ''): string {
  return [
    extra,
    'sources:',
    '  web: { kind: Containers, labels: [reconcile.vhost] }',
    '  names: { kind: Containers, labels: [reconcile.hosts] }',
    'resources:',
    '  - name: vhosts',
    '    kind: Template',
    '    source: web',
    `    template: ${VHOSTS_TEMPLATE}`,
    `    path: ${VHOSTS_CONF}`,
    '    afterChange:',
    '      systemctl: [reload, nginx]',
    '      check: { command: [nginx, -t] }',
    '  - name: etc-hosts',
    '    kind: Template',
    '    source: names',
    `    template: ${HOSTS_TEMPLATE}`,
    '    path: /etc/hosts',
    '    block: { begin: "# BEGIN reconcile containers", end: "# END reconcile containers" }',
    '',
  ].join('\n');
}

/**
 * The shipped nginx template without the `hostname` filter on `server_name`: a user's template as
 * docker-gen's are, where only `nginx -t` stands between a hostile label and the proxy.
 */
export function unfilteredVhostsTemplate(): string {
  const shipped = readFileSync(path.join(EXAMPLES, 'nginx-vhosts.conf.liquid'), 'utf8');
  const unfiltered = shipped.replace('server_name {{ c.labels["reconcile.vhost"] | hostname }};', 'server_name {{ c.labels["reconcile.vhost"] }};');
  if (unfiltered === shipped) throw new Error('deploy/examples/nginx-vhosts.conf.liquid no longer has the server_name line this test edits');
  return unfiltered;
}

/** Writes a new text of the vhosts template (the controller watches it). */
export async function writeVhostsTemplate(box: Box, text: string): Promise<void> {
  await box.writeFile(VHOSTS_TEMPLATE, text);
}

/**
 * Prepares the box before `installProject`: busybox in its dockerd, the sites' network, nginx
 * logging its reloads, the two templates and the unit's drop-in.
 */
export async function prepareTemplateBox(box: Box): Promise<void> {
  await loadBusyboxIntoBox(box);
  await box.run(['docker', 'network', 'create', '--subnet', `${SITES_NETWORK.prefix}0/24`, SITES_NETWORK.name]);
  await box.sh(`sed -i 's#^error_log ${NGINX_LOG};#error_log ${NGINX_LOG} notice;#' /etc/nginx/nginx.conf && grep -q '^error_log ${NGINX_LOG} notice;' /etc/nginx/nginx.conf && systemctl restart nginx`);
  await writeVhostsTemplate(box, unfilteredVhostsTemplate());
  await box.writeFile(HOSTS_TEMPLATE, readFileSync(path.join(EXAMPLES, 'etc-hosts.liquid'), 'utf8'));
  await box.writeFile('/etc/systemd/system/reconciler.service.d/template.conf', TEMPLATE_DROP_IN);
}

/** Starts (or creates, with `start: false`) a container of the sites' network at `.host` that answers HTTP on port 80 with its name. */
export async function runSite(box: Box, name: string, labels: readonly string[], host: number, options: { start?: boolean } = {}): Promise<void> {
  const serve = `mkdir -p /www && echo ${name} > /www/index.html && exec httpd -f -p 80 -h /www`;
  const args = ['--name', name, '--network', SITES_NETWORK.name, '--ip', `${SITES_NETWORK.prefix}${host}`, ...labels.flatMap((l) => ['--label', l]), BUSYBOX_IMAGE, 'sh', '-c', serve];
  await box.run(['docker', ...(options.start === false ? ['create'] : ['run', '-d']), ...args], { timeoutMs: 120_000 });
}

/** How many times nginx's master process reconfigured (reloaded) since the box started. */
export async function nginxReloads(box: Box): Promise<number> {
  const out = await box.run(['grep', '-c', 'signal 1 (SIGHUP) received', NGINX_LOG]).catch(() => '0');
  return Number(out.trim());
}

/** The body nginx in the box answers for `Host: host` on port 80 (trimmed), or null when nothing answered. */
export async function servedFor(box: Box, host: string): Promise<string | null> {
  const result = await box.exec(['curl', '-sS', '-m', '5', '-H', `Host: ${host}`, 'http://127.0.0.1/'], { timeoutMs: 30_000 });
  return result.code === 0 ? result.stdout.trim() : null;
}
