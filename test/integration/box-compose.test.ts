import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { BOX_COMPOSE_CONFIG, boxStatus, composeArgv, composeCliArgv, containerHealth, eventually, startComposeInBox, startBoxApphub } from '../../harness/box';
import { SEED_RESOURCES, SEED_USER_PORT, seedScenario, untilHealthy, type SeedDeployment } from '../support/box-seed-scenario';
import { bootedBox } from '../support/booted-box';
import { ensureReconcilerImage } from '../support/reconciler-image';

/**
 * The seed scenario of box-seed.test.ts against the Compose deployment: deploy/docker-compose.yml
 * (with deploy/docker-compose.unprivileged.yml: the box's dockerd refuses `privileged`) run by
 * Debian's docker-compose in the box's own dockerd, `pid: host`, and deploy/reconciler.yaml's
 * `commands.prefix` entering the namespaces of the box's PID 1 (systemd) to run its `systemctl`
 * and `firewall-cmd`. The image is the tests' build of deploy/Dockerfile's equivalent
 * (test/support/reconciler-image.ts), loaded into the box under the name the Compose file gives.
 */

/** deploy/reconciler.yaml as shipped, with the box's resources (the profile's others need the whole Websoft9 stack). */
const CONFIG = `${readFileSync(path.join(__dirname, '..', '..', 'deploy', 'reconciler.yaml'), 'utf8')}\n${SEED_RESOURCES}`;
/** The status as the service's healthcheck reads it (the configuration names the status file and the resync interval). */
const STATUS = ['status', '--config', '/etc/reconciler/config.yaml'];

describe('the seed on the real-host box, deployed with deploy/docker-compose.yml', { timeout: 30 * 60_000 }, () => {
  let container = '';
  const b = bootedBox(async (box) => {
    const image = await ensureReconcilerImage();
    await startBoxApphub(box, SEED_USER_PORT);
    container = await startComposeInBox(box, image.tag, CONFIG);
    await untilHealthy(compose);
  });
  const compose: SeedDeployment = {
    box: b,
    status: () => boxStatus(b(), composeCliArgv(...STATUS, '--json')),
    config: CONFIG,
    stop: async () => {
      await b().run(composeArgv('stop', 'reconciler'), { timeoutMs: 120_000 });
    },
    // The file bind mount keeps the replaced file's old inode until the container starts again
    // (deploy/docker-compose.yml says so): write, then start. /lib/systemd/system is mounted
    // read-write, so inplace mode needs nothing else.
    startInplace: async (config) => {
      await b().writeFile(BOX_COMPOSE_CONFIG, config);
      await b().run(composeArgv('start', 'reconciler'), { timeoutMs: 120_000 });
    },
    diagnostics: async () => `${(await b().exec(composeCliArgv(...STATUS))).stdout}\n${(await b().exec(['docker', 'logs', '--tail', '8', container])).stderr}`,
  };

  it('runs as the Compose files ask: host PID namespace, not privileged, SYS_ADMIN and SYS_PTRACE, the configuration mounted', async () => {
    const format = '{{.HostConfig.PidMode}} {{.HostConfig.Privileged}} {{join .HostConfig.CapAdd ","}} {{.Config.Image}}';
    assert.equal((await b().run(['docker', 'inspect', '--format', format, container])).trim(), 'host false SYS_ADMIN,SYS_PTRACE docker-host-reconciler:0.1.0');
    assert.equal(await b().run(composeArgv('exec', '-T', 'reconciler', 'cat', '/etc/reconciler/config.yaml')), CONFIG);
  });

  it('the container turns healthy (docker inspect), and `status` through docker-compose exec says so', async () => {
    // The healthcheck runs every 30 s (deploy/docker-compose.yml): the first one 30 s after the start.
    await eventually('docker inspect: healthy', async () => (await containerHealth(b(), container)) === 'healthy', 120_000);
    const table = await b().exec(composeCliArgv(...STATUS));
    assert.equal(table.code, 0, table.stdout + table.stderr);
    assert.match(table.stdout, /^cockpit-socket\s+9000\s+9000\s+True\s+InSync/m);
    assert.match(table.stdout, /^healthy$/m);
  });

  seedScenario(compose);

  it('the container is still healthy at the end (docker inspect)', async () => {
    await eventually('docker inspect: healthy', async () => (await containerHealth(b(), container)) === 'healthy', 120_000);
  });
});
