import { describe } from 'node:test';

import { BOX_CONFIG_PATH, RECONCILER_UNIT, boxStatus, installProject, startBoxApphub } from '../../harness/box';
import { SEED_RESOURCES, SEED_USER_PORT, seedScenario, untilHealthy, type SeedDeployment } from '../support/box-seed-scenario';
import { bootedBox } from '../support/booted-box';

/**
 * The seed on a real host: systemd as PID 1, the real cockpit.socket, firewalld and the box's own
 * dockerd running apphub; the project installed by deploy/install.sh and run by the shipped unit.
 * The scenario (test/support/box-seed-scenario.ts) is shared with the Compose deployment
 * (box-compose.test.ts): real package upgrades while apphub is stopped, Cockpit ends on the
 * user's port.
 */

describe('the seed on the real-host box (systemd, firewalld, dockerd, Cockpit)', { timeout: 30 * 60_000 }, () => {
  const b = bootedBox(async (box) => {
    await startBoxApphub(box, SEED_USER_PORT);
    await installProject(box, { config: SEED_RESOURCES });
    await untilHealthy(unit);
  });

  const unit: SeedDeployment = {
    box: b,
    status: () => boxStatus(b()),
    config: SEED_RESOURCES,
    stop: async () => {
      await b().run(['systemctl', 'stop', RECONCILER_UNIT], { timeoutMs: 120_000 });
    },
    // What a user does for inplace mode (the unit's comment): the shipped unit stays unchanged.
    startInplace: async (config) => {
      await b().writeFile('/etc/systemd/system/reconciler.service.d/inplace.conf', '[Service]\nReadWritePaths=/lib/systemd/system /usr/lib/systemd/system\n');
      await b().writeFile(BOX_CONFIG_PATH, config, '0640');
      await b().run(['systemctl', 'daemon-reload']);
      await b().run(['systemctl', 'start', RECONCILER_UNIT], { timeoutMs: 180_000 });
    },
    diagnostics: async () => `${(await b().exec(['reconcile', 'status'])).stdout}\n${(await b().journal(RECONCILER_UNIT)).slice(-8).join('\n')}`,
  };

  seedScenario(unit);
});
