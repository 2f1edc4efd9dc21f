import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  RECONCILER_UNIT,
  boxHttpsGet,
  boxStatus,
  cockpitAnswersInBox,
  cockpitSocketStatus,
  conditionOf,
  eventually,
  installProject,
} from '../../harness/box';
import {
  BOX_DOCKER0,
  BOX_NGINX_DATA,
  BOX_NGINX_VAR,
  BOX_PROXY,
  BOX_PROXY_PORT,
  COCKPIT_CONF,
  MIRRORED_CERT,
  MIRRORED_KEY,
  SHIPPED_CERT,
  SHIPPED_CN,
  SHIPPED_KEY,
  certificateCn,
  proxyReloads,
  startBoxWebsoft9,
  writeBoxApphubIni,
  type ProxyKeys,
} from '../support/box-websoft9';
import { DATA_DIR, shippedCustomSsl } from '../support/nginx-proxy';
import { bootedBox } from '../support/booted-box';

/**
 * The built-in Websoft9 profile (config/default.yaml, unchanged but for a short resync and the
 * credentials written by `method: ini` instead of apphub's CLI) against the real programs of the
 * real-host box: the real cockpit-ws checks the `Origin` of every WebSocket on /cockpit/socket
 * against cockpit.conf's `Origins` (the profile's `cockpit-origins`), and the proxy's lines go
 * through a real `nginx -t` and `nginx -s reload` in `websoft9-proxy` of the box's own dockerd
 * (`proxy-cockpit-port`, `cockpit-certs`, `proxy-ssl-certificate`, `proxy-ssl-certificate-key`).
 */

const USER_PORT = 9000;
const VENDOR_PORT = 9090;
const COCKPIT = `http://127.0.0.1:${USER_PORT}`;
const PROXY = `https://127.0.0.1:${BOX_PROXY_PORT}`;
/** The Origin the proxy sends (initproxy.conf) and the resource configures, and one it never configured. */
const PROXY_ORIGIN = `http://${BOX_DOCKER0}:9000`;
const FOREIGN_ORIGIN = 'http://198.18.43.7:9000';
const CONFIG = [
  'timing: { resyncInterval: 5s }',
  'resources:',
  '  gitea-credentials: { method: ini }',
  '  portainer-credentials: { method: ini }',
  '  proxy-credentials: { method: ini }',
  '',
].join('\n');
const MIRRORED: ProxyKeys = { docker0: BOX_DOCKER0, cert: MIRRORED_CERT, key: MIRRORED_KEY };
const WAIT_MS = 90_000;

describe('the Websoft9 profile against the real programs of the box (cockpit-ws Origins, nginx -t)', { timeout: 30 * 60_000 }, () => {
  const b = bootedBox(async (box) => {
    await startBoxWebsoft9(box, USER_PORT, MIRRORED);
    await installProject(box, { config: CONFIG, start: false });
    await eventually('the shipped proxy serves Cockpit', async () => (await boxHttpsGet(box, BOX_PROXY_PORT))?.status === 200, WAIT_MS);
  });
  const healthy = async (): Promise<boolean> => (await boxStatus(b()))?.healthy === true;
  const waitHealthy = async (what: string): Promise<void> =>
    eventually(what, healthy, WAIT_MS).catch(async (error: unknown) => {
      const status = (await b().exec(['reconcile', 'status'])).stdout;
      const journal = (await b().journal(RECONCILER_UNIT)).slice(-10).join('\n');
      throw new Error(`${String(error)}\n${status}\n${journal}`);
    });
  const customSsl = (): Promise<string> => b().run(['cat', `${BOX_NGINX_VAR}/custom_ssl.conf`]);

  it('fresh install: the real cockpit-ws refuses the proxy’s Origin, so Cockpit’s WebSocket through the proxy is refused', async () => {
    const vendor = `http://127.0.0.1:${VENDOR_PORT}`;
    assert.equal(await cockpitSocketStatus(b(), vendor, vendor), 101, 'the same origin is accepted: the probe sees an accepted upgrade');
    assert.equal(await cockpitSocketStatus(b(), vendor, PROXY_ORIGIN), 403);
    assert.equal(await cockpitSocketStatus(b(), PROXY, PROXY), 403, 'through the proxy (it sends the docker0 Origin)');
    const page = await boxHttpsGet(b(), BOX_PROXY_PORT);
    assert.equal(page?.certificateCn, SHIPPED_CN);
    assert.match(page?.body ?? '', /id="login-user-input"/, 'the login page itself is served: only the WebSocket fails');
  });

  it('the controller writes Origins: cockpit-ws accepts the configured origins, refuses others, and the WebSocket through the proxy opens', async () => {
    await b().run(['systemctl', 'enable', '--now', RECONCILER_UNIT], { timeoutMs: 180_000 });
    await waitHealthy('the whole profile in sync');
    assert.equal(
      await b().run(['cat', COCKPIT_CONF]),
      `[WebService]\nAllowUnencrypted = true\nLoginTitle = Websoft9\nOrigins = ${PROXY_ORIGIN} ws://${BOX_DOCKER0}:9000\n\n[Session]\nIdleTimeout = 15\n`,
    );
    assert.equal(await cockpitAnswersInBox(b(), USER_PORT), true);
    assert.equal(await cockpitSocketStatus(b(), COCKPIT, PROXY_ORIGIN), 101);
    assert.equal(await cockpitSocketStatus(b(), COCKPIT, `ws://${BOX_DOCKER0}:9000`), 101);
    assert.equal(await cockpitSocketStatus(b(), COCKPIT, FOREIGN_ORIGIN), 403);
    assert.equal(await cockpitSocketStatus(b(), COCKPIT, `https://${BOX_DOCKER0}:9000`), 403, 'the scheme is part of the origin');
    // Cockpit 287 takes Origins instead of the page's own origin (docs/resource-kinds.md, IniValue).
    assert.equal(await cockpitSocketStatus(b(), COCKPIT, COCKPIT), 403, 'the same origin is no longer accepted');
    assert.equal(await cockpitSocketStatus(b(), PROXY, PROXY), 101, 'through the proxy');
    for (const permanent of [[], ['--permanent']]) {
      assert.match(await b().run(['firewall-cmd', ...permanent, '--info-service=cockpit']), new RegExp(`^\\s*ports: ${USER_PORT}/tcp$`, 'm'));
    }
  });

  it('a new docker0_ip: Origins follows it and the real cockpit.service is restarted; the new origin is accepted, the old one refused', async () => {
    const moved = '172.17.0.9';
    assert.equal(await cockpitSocketStatus(b(), COCKPIT, PROXY_ORIGIN), 101, 'cockpit-ws runs (socket-activated) and accepts the proxy');
    const { MainPID: before } = await b().unitProperties('cockpit.service', ['MainPID']);
    assert.notEqual(before, '0');
    await writeBoxApphubIni(b(), USER_PORT, { ...MIRRORED, docker0: moved });
    await eventually('the new origin accepted', async () => (await cockpitSocketStatus(b(), COCKPIT, `http://${moved}:9000`)) === 101, WAIT_MS);
    assert.equal(await cockpitSocketStatus(b(), COCKPIT, PROXY_ORIGIN), 403);
    const { MainPID: afterRestart } = await b().unitProperties('cockpit.service', ['MainPID']);
    assert.notEqual(afterRestart, before, 'try-restart restarted cockpit-ws');
    await writeBoxApphubIni(b(), USER_PORT, MIRRORED);
    await eventually('the proxy’s origin accepted again', async () => (await cockpitSocketStatus(b(), PROXY, PROXY)) === 101, WAIT_MS);
    await waitHealthy('healthy again');
  });

  it('the proxy’s lines pass a real nginx -t and nginx is reloaded: Cockpit on the user’s port through the proxy, with Cockpit’s own certificate', async () => {
    assert.equal(await b().run(['cat', `${BOX_NGINX_VAR}/custom_var.conf`]), `set $cockpit_port ${USER_PORT};`);
    assert.equal(await customSsl(), shippedCustomSsl(MIRRORED_CERT, MIRRORED_KEY));
    assert.equal(await b().run(['cat', `${BOX_NGINX_DATA}/custom_ssl/0-self-signed.cert`]), await b().run(['cat', '/etc/cockpit/ws-certs.d/0-self-signed.cert']));
    assert.ok((await proxyReloads(b())) >= 1, 'nginx -s reload reached the master');
    const cn = await certificateCn(b(), '/etc/cockpit/ws-certs.d/0-self-signed.cert');
    assert.notEqual(cn, SHIPPED_CN);
    const page = await boxHttpsGet(b(), BOX_PROXY_PORT);
    assert.equal(page?.certificateCn, cn, 'the proxy serves Cockpit’s certificate');
    assert.match(page?.body ?? '', /id="login-user-input"/);
  });

  it('a valid change of ssl_cert/ssl_key is applied and nginx reloaded', async () => {
    const reloads = await proxyReloads(b());
    await writeBoxApphubIni(b(), USER_PORT, { docker0: BOX_DOCKER0, cert: SHIPPED_CERT, key: SHIPPED_KEY });
    await eventually('the shipped certificate served', async () => (await boxHttpsGet(b(), BOX_PROXY_PORT))?.certificateCn === SHIPPED_CN, WAIT_MS);
    assert.equal(await customSsl(), shippedCustomSsl(SHIPPED_CERT, SHIPPED_KEY));
    assert.ok((await proxyReloads(b())) > reloads, 'reloaded');
    await waitHealthy('healthy');
  });

  it('a line that breaks nginx -t is put back: CheckFailed naming the file, no reload, nginx keeps serving and would restart', async () => {
    const before = await customSsl();
    const reloads = await proxyReloads(b());
    await writeBoxApphubIni(b(), USER_PORT, { docker0: BOX_DOCKER0, cert: `${DATA_DIR}/custom_ssl/missing.cert`, key: SHIPPED_KEY });
    let message = '';
    await eventually('CheckFailed', async () => {
      const ready = conditionOf(await boxStatus(b()), 'proxy-ssl-certificate', 'Ready');
      message = ready?.message ?? '';
      return ready?.reason === 'CheckFailed';
    }, WAIT_MS);
    assert.match(message, /missing\.cert/, 'the first line of nginx -t names the file');
    // Each retry (with backoff) writes the line again for its own nginx -t: between them the
    // previous bytes are back, and they pass nginx -t (a restart of the proxy would work).
    await eventually('the bytes before the pass back', async () => (await customSsl()) === before, WAIT_MS);
    await eventually('nginx -t passes on the files on disk', async () => (await b().exec(['docker', 'exec', BOX_PROXY, 'nginx', '-t'])).code === 0, WAIT_MS);
    assert.equal(await proxyReloads(b()), reloads, 'no reload was sent');
    assert.equal((await boxHttpsGet(b(), BOX_PROXY_PORT))?.certificateCn, SHIPPED_CN, 'nginx still serves the previous certificate');
    await writeBoxApphubIni(b(), USER_PORT, MIRRORED);
    await waitHealthy('healthy again with the mirrored pair');
    assert.equal((await boxHttpsGet(b(), BOX_PROXY_PORT))?.certificateCn, await certificateCn(b(), '/etc/cockpit/ws-certs.d/0-self-signed.cert'));
  });
});
