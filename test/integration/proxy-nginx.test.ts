import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';

import { assertCockpitWs, cockpitAnswers, cockpitDeb, cockpitWsSkip, debSocketUnitPath, unpackDeb } from '../../harness/websoft9-host/cockpit-ws';
import { startDaemon, type DaemonProcess } from '../../harness/daemon-process';
import { assertDocker } from '../support/docker-required';
import { apphubConfigIni, createEmulatedHost, type EmulatedHost, type YamlValue } from '../../harness/websoft9-host';
import { freePort } from '../support/free-port';
import { DATA_DIR, cockpitThroughProxy, proxyId, selfSignedPair, shippedCustomSsl, shippedCustomVar, startNginxProxy, type HttpsAnswer, type NginxProxy } from '../support/nginx-proxy';
import { readStatusJson, readyOf, waitFor, type ConditionJson, type StatusJson } from '../../harness/status';
import { hookLogs, runSystemctlHook, stopCockpitSocket, systemdSocketHook } from '../support/systemd-socket-hook';

/**
 * Websoft9's proxy for real: Debian's nginx configured like initproxy.conf runs as the proxy
 * container in front of Debian's real cockpit-ws, and the controller keeps custom_var.conf,
 * custom_ssl.conf and cockpit.conf. The login page is fetched through nginx over TLS.
 */

const FAST = { resyncInterval: '10m', debounce: '100ms', maxDebounce: '1s', backoffInitial: '200ms', backoffMax: '1s' };
const DROP_IN_DIR = 'etc/systemd/system/cockpit.socket.d';
const DOCKER0 = '127.0.0.1'; // the proxy runs on the host network: Cockpit is reached on loopback
const CERT_A = `${DATA_DIR}/custom_ssl/websoft9-self-signed.cert`;
const KEY_A = `${DATA_DIR}/custom_ssl/websoft9-self-signed.key`;
const CERT_B = `${DATA_DIR}/custom_ssl/renewed.cert`;
const KEY_B = `${DATA_DIR}/custom_ssl/renewed.key`;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** apphub's config.ini with the proxy's keys as Websoft9 2.2.10 has them. */
function iniWith(port: number, proxy: { docker0: string; cert: string; key: string }): string {
  return apphubConfigIni(port).replace('listen_port = 443\n', `listen_port = 443\ndocker0_ip = ${proxy.docker0}\nssl_cert = ${proxy.cert}\nssl_key = ${proxy.key}\n`);
}

/** How many reloads the nginx master has done (it logs each SIGHUP). */
const reloads = (logs: string): number => logs.split('\n').filter((l) => /signal 1 \(SIGHUP\) received/.test(l)).length;

/** Another program on a port: a node process (its comm is `node`). */
function holdPort(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`port holder exited with ${code}`)));
  });
}

describe('the real nginx proxy in front of the real Cockpit', { skip: cockpitWsSkip() }, () => {
  let host: EmulatedHost | undefined;
  let proxy: NginxProxy | undefined;
  let daemon: DaemonProcess | undefined;
  let deb = '';
  let unitPath = '';
  let userPort = 0;
  let vendorPort = 9090;
  let cockpitConf = '';
  const h = (): EmulatedHost => {
    if (host === undefined) throw new Error('no emulated host (before failed)');
    return host;
  };
  const p = (): NginxProxy => {
    if (proxy === undefined) throw new Error('no proxy (before failed)');
    return proxy;
  };
  const status = async (): Promise<StatusJson | null> => readStatusJson(h().statusPath);
  const condition = async (resource: string, type: string) => (await status())?.resources.find((r) => r.name === resource)?.conditions.find((c) => c.type === type);
  const varFile = (name: string): string => path.join(p().varPath, name);
  const served = async (what: string, check: (cn: string) => boolean = () => true): Promise<HttpsAnswer> => {
    try {
      return (await waitFor(what, async (): Promise<HttpsAnswer | false> => {
        const answer = await cockpitThroughProxy(p().port);
        return answer !== null && check(answer.certificateCn) ? answer : false;
      })) as HttpsAnswer;
    } catch (error: unknown) {
      throw new Error(`${String(error)}\nnginx:\n${await p().logs()}\n${await hookLogs(h().root)}\ncommands: ${(await h().commands()).join('; ')}\n${daemon?.stderr().slice(-3000) ?? ''}`);
    }
  };
  /** A pass now (SIGHUP reloads and reconciles), waited for by the pass counter. */
  const passNow = async (): Promise<void> => {
    const passes = (await status())?.stats.passes ?? 0;
    daemon?.process.kill('SIGHUP');
    await waitFor('a pass after SIGHUP', async () => ((await status())?.stats.passes ?? 0) > passes);
  };

  before(async () => {
    assertCockpitWs();
    await assertDocker();
    deb = await cockpitDeb();
    const unitRelative = await debSocketUnitPath(deb);
    userPort = await freePort();
    if (!(await portIsFree(vendorPort))) vendorPort = await freePort();
    host = await createEmulatedHost({ port: userPort, vendorPort });
    unitPath = path.join(host.root, unitRelative);
    if (unitPath !== host.unitPath) {
      await fs.mkdir(path.dirname(unitPath), { recursive: true });
      await fs.rename(host.unitPath, unitPath);
    }
    await host.setIni(iniWith(userPort, { docker0: DOCKER0, cert: CERT_A, key: KEY_A }));
    cockpitConf = path.join(host.root, 'etc/cockpit/cockpit.conf');
    await fs.mkdir(path.dirname(cockpitConf), { recursive: true });
    await fs.writeFile(cockpitConf, '[WebService]\nAllowUnencrypted = true\n\n[Session]\nIdleTimeout = 15');

    // The proxy as shipped: Cockpit's vendor port in custom_var.conf, the self-signed pair.
    proxy = await startNginxProxy({
      id: proxyId(),
      port: await freePort(),
      docker0: DOCKER0,
      prepare: async (varPath, dataPath) => {
        await fs.writeFile(path.join(varPath, 'custom_var.conf'), shippedCustomVar(vendorPort));
        await fs.writeFile(path.join(varPath, 'custom_ssl.conf'), shippedCustomSsl(CERT_A, KEY_A));
        await selfSignedPair(path.join(dataPath, 'custom_ssl'), 'websoft9-self-signed', 'reconciler-test-a');
        await selfSignedPair(path.join(dataPath, 'custom_ssl'), 'renewed', 'reconciler-test-b');
      },
    });

    const base = host.baseConfig();
    const sources = base.sources as Record<string, YamlValue>;
    const apphub = { kind: 'ContainerIniValue', container: host.containerName, volume: host.volumeName, file: 'config.ini', section: 'nginx_proxy_manager' };
    const reload = { exec: { container: proxy.name, command: ['nginx', '-s', 'reload'] }, check: { exec: { container: proxy.name, command: ['nginx', '-t'] } } };
    const resources = (base.resources as YamlValue[]).map((r) => (typeof r === 'object' && r !== null && !Array.isArray(r) && 'unitPath' in r ? { ...r, unitPath } : r));
    await host.writeConfig({
      timing: FAST,
      listenCheck: { procNet: '/proc/self/net' },
      sources: {
        ...sources,
        'docker0-ip': { ...apphub, key: 'docker0_ip', type: 'ipv4' },
        'proxy-ssl-cert': { ...apphub, key: 'ssl_cert', type: 'path' },
        'proxy-ssl-key': { ...apphub, key: 'ssl_key', type: 'path' },
      },
      resources: [
        ...resources,
        { name: 'proxy-cockpit-port', kind: 'FileLine', source: 'apphub', volume: proxy.varVolume, file: 'custom_var.conf', match: '^\\s*set\\s+\\$cockpit_port\\s', template: 'set $cockpit_port {value};', afterChange: reload },
        { name: 'proxy-ssl-certificate', kind: 'FileLine', source: 'proxy-ssl-cert', volume: proxy.varVolume, file: 'custom_ssl.conf', match: '^\\s*ssl_certificate\\s', template: 'ssl_certificate {value};', afterChange: reload },
        { name: 'proxy-ssl-certificate-key', kind: 'FileLine', source: 'proxy-ssl-key', volume: proxy.varVolume, file: 'custom_ssl.conf', match: '^\\s*ssl_certificate_key\\s', template: 'ssl_certificate_key {value};', afterChange: reload },
        { name: 'cockpit-origins', kind: 'IniValue', source: 'docker0-ip', path: cockpitConf, section: 'WebService', key: 'Origins', template: 'http://{value}:9000 ws://{value}:9000', afterChange: { systemctl: ['try-restart', 'cockpit.service'] } },
      ],
    });
    await host.setCommandHook('systemctl', systemdSocketHook({ unitPath: unitRelative, dropInDir: DROP_IN_DIR }));
    await runSystemctlHook(host.root, ['start', 'cockpit.socket']);
    await waitFor('Cockpit on the vendor port', () => cockpitAnswers(vendorPort));
  });

  after(async () => {
    const code = daemon === undefined ? 0 : (daemon.process.exitCode ?? (await daemon.stop()));
    if (host !== undefined) {
      const left = await stopCockpitSocket(host.root);
      await host.cleanup();
      assert.deepEqual(left, [], 'every cockpit-ws stopped');
    }
    await proxy?.cleanup();
    assert.equal(code, 0, daemon?.stderr());
  });

  it('(1) before the controller: the shipped proxy serves Cockpit on the vendor port through nginx', async () => {
    const answer = await served('the login page through nginx (vendor port)');
    assert.equal(answer.certificateCn, 'reconciler-test-a');
  });

  it('(2) the controller moves Cockpit and the proxy together; Origins written; Listening True on the real cockpit-ws', async (t: TestContext) => {
    daemon = startDaemon(['--config', h().configPath]);
    await waitFor('the first pass to converge', async () => (await status())?.resources.every((r) => r.inSync));
    await waitFor('Cockpit on the user’s port', () => cockpitAnswers(userPort));
    await served('the login page through nginx (user port)');
    assert.equal(await fs.readFile(varFile('custom_var.conf'), 'utf8'), `set $cockpit_port ${userPort};`, 'no final newline added');
    assert.equal(await fs.readFile(varFile('custom_ssl.conf'), 'utf8'), shippedCustomSsl(CERT_A, KEY_A), 'already right: untouched');
    assert.equal(await fs.readFile(cockpitConf, 'utf8'), '[WebService]\nAllowUnencrypted = true\nOrigins = http://127.0.0.1:9000 ws://127.0.0.1:9000\n\n[Session]\nIdleTimeout = 15');
    await passNow(); // the pass after the restart sees cockpit-ws listening
    const listening = await condition('cockpit-socket', 'Listening');
    assert.equal(listening?.status, 'True', JSON.stringify(listening));
    assert.match(listening?.message ?? '', /cockpit-ws/);
    t.diagnostic(`Listening: ${listening?.message ?? ''}`);
  });

  it('(3) a package upgrade of cockpit-ws while apphub is down: the login page stays served through nginx', async (t: TestContext) => {
    await h().stopApphub();
    await waitFor('DesiredStateUnavailable', async () => readyOf(await status(), 'cockpit-socket')?.reason === 'DesiredStateUnavailable');
    await h().clearCommands();
    let probes = 0;
    let failures = 0;
    let probing = true;
    const prober = (async () => {
      while (probing) {
        probes++;
        if ((await cockpitThroughProxy(p().port)) === null) failures++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const installed = await unpackDeb(deb, h().root);
    assert.ok(installed.includes(path.relative(h().root, unitPath)), installed.join(', '));
    if (vendorPort !== 9090) {
      const unit = await fs.readFile(unitPath, 'utf8');
      await fs.writeFile(`${unitPath}.tmp`, unit.replace('ListenStream=9090', `ListenStream=${vendorPort}`));
      await fs.rename(`${unitPath}.tmp`, unitPath);
    }
    // The postinst, straight to the systemd stand-in: the drop-in keeps the user's port.
    await runSystemctlHook(h().root, ['daemon-reload']);
    await runSystemctlHook(h().root, ['restart', 'cockpit.socket']);
    await served('the login page through nginx during the upgrade (apphub down)');
    const snapshot = await h().snapshot();
    await new Promise((r) => setTimeout(r, 1500)); // file triggers and backoff retries
    probing = false;
    await prober;
    assert.ok(await cockpitThroughProxy(p().port), 'served after the upgrade, apphub still down');
    assert.deepEqual(await h().snapshot(), snapshot, 'nothing written while apphub is down');
    assert.deepEqual(await h().commands(), [], 'no command while apphub is down');
    await h().startApphub();
    await waitFor('Ready again', async () => readyOf(await status(), 'cockpit-socket')?.status === 'True');
    await served('the login page through nginx after apphub is back');
    t.diagnostic(`${probes} probes through nginx during the upgrade, ${failures} refused (the postinst restart of cockpit.socket)`);
  });

  it('(4) a changed ssl_cert/ssl_key is live after the reload; a hostile path writes nothing', async () => {
    await h().setIni(iniWith(userPort, { docker0: DOCKER0, cert: CERT_B, key: KEY_B }));
    await served('the renewed certificate through nginx', (cn) => cn === 'reconciler-test-b');
    assert.equal(await fs.readFile(varFile('custom_ssl.conf'), 'utf8'), shippedCustomSsl(CERT_B, KEY_B), 'both lines, no final newline added');
    const before = await fs.readFile(varFile('custom_ssl.conf'), 'utf8');
    await h().setIni(iniWith(userPort, { docker0: DOCKER0, cert: `${CERT_A}; include /etc/passwd`, key: KEY_B }));
    await waitFor('InvalidDesiredValue', async () => readyOf(await status(), 'proxy-ssl-certificate')?.reason === 'InvalidDesiredValue');
    assert.equal(await fs.readFile(varFile('custom_ssl.conf'), 'utf8'), before);
    assert.equal((await cockpitThroughProxy(p().port))?.certificateCn, 'reconciler-test-b');
    await h().setIni(iniWith(userPort, { docker0: DOCKER0, cert: CERT_B, key: KEY_B }));
    await waitFor('Ready again', async () => readyOf(await status(), 'proxy-ssl-certificate')?.status === 'True');
  });

  it('(5) Listening False when Cockpit is stopped; PortInUse naming the program, and no restart, when another holds the port', async () => {
    await runSystemctlHook(h().root, ['stop', 'cockpit.socket']);
    await passNow();
    assert.equal((await condition('cockpit-socket', 'Listening'))?.reason, 'NotListening');

    const otherPort = await freePort();
    const holder = await holdPort(otherPort);
    try {
      await h().clearCommands();
      await h().setIni(iniWith(otherPort, { docker0: DOCKER0, cert: CERT_B, key: KEY_B }));
      await waitFor('PortInUse', async () => readyOf(await status(), 'cockpit-socket')?.reason === 'PortInUse');
      const listening = await condition('cockpit-socket', 'Listening');
      assert.equal(listening?.reason, 'PortInUse');
      assert.match(listening?.message ?? '', new RegExp(`node \\(pid ${holder.pid ?? -1}\\)`));
      assert.ok(!(await h().commands()).some((c) => c.includes('restart cockpit.socket')), (await h().commands()).join('; '));
      assert.doesNotMatch(await fs.readFile(path.join(h().root, DROP_IN_DIR, 'listen.conf'), 'utf8'), new RegExp(`=${otherPort}$`, 'm'));
    } finally {
      holder.kill();
      await new Promise((r) => holder.once('exit', r));
    }
    await passNow();
    await waitFor('Cockpit on the new port', () => cockpitAnswers(otherPort));
    await passNow();
    assert.equal((await condition('cockpit-socket', 'Listening'))?.status, 'True');
    await served('the login page through nginx on the new port');
    userPort = otherPort;
  });
  it('(6) an ssl_cert naming a missing file: nginx -t fails, the previous custom_ssl.conf is back, nginx still serves, CheckFailed', async () => {
    const before = await fs.readFile(varFile('custom_ssl.conf'));
    const reloadsBefore = reloads(await p().logs());
    await h().clearCommands();
    await h().setIni(iniWith(userPort, { docker0: DOCKER0, cert: `${DATA_DIR}/custom_ssl/missing.cert`, key: KEY_B }));
    const ready = (await waitFor('CheckFailed', async () => {
      const r = readyOf(await status(), 'proxy-ssl-certificate');
      return r?.reason === 'CheckFailed' ? r : false;
    })) as ConditionJson;
    assert.match(ready.message, /missing\.cert/, 'the first line of nginx -t names the file');
    assert.deepEqual(await fs.readFile(varFile('custom_ssl.conf')), before, 'the bytes before this pass are back');
    assert.equal((await cockpitThroughProxy(p().port))?.certificateCn, 'reconciler-test-b', 'nginx still serves the previous certificate');
    assert.equal(reloads(await p().logs()), reloadsBefore, 'no reload was sent');
    await h().setIni(iniWith(userPort, { docker0: DOCKER0, cert: CERT_B, key: KEY_B }));
    await waitFor('Ready again', async () => readyOf(await status(), 'proxy-ssl-certificate')?.status === 'True');
  });
});
