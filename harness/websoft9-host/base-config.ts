import { dirname, join } from 'node:path';
import type { EmulatedHost, YamlMapping } from './emulated-host';

type Paths = Pick<EmulatedHost, 'statusPath' | 'recorderPath' | 'containerName' | 'volumeName' | 'unitPath' | 'dropInDir' | 'firewalldFiles'>;

function dockerSocketPath(): string {
  const host = process.env.DOCKER_HOST ?? '';
  return host.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
}

/**
 * The controller configuration of an emulated host: apphub's `[cockpit] port` as the source,
 * the cockpit-socket and cockpit-firewalld resources on the host's files, the recorder as
 * systemctl and firewall-cmd, claims (`status.claimsDir`) in `<root>/run/claims` rather than the
 * machine's /run. A fresh copy on every call.
 */
export function hostBaseConfig(host: Paths, mode: 'dropin' | 'inplace'): YamlMapping {
  return {
    docker: { socketPath: dockerSocketPath() },
    status: { file: host.statusPath, claimsDir: join(dirname(dirname(host.statusPath)), 'run', 'claims') },
    commands: {
      systemctl: [host.recorderPath, 'systemctl'],
      firewallCmd: [host.recorderPath, 'firewall-cmd'],
    },
    sources: {
      apphub: {
        kind: 'ContainerIniValue',
        container: host.containerName,
        volume: host.volumeName,
        file: 'config.ini',
        section: 'cockpit',
        key: 'port',
      },
    },
    resources: [
      {
        name: 'cockpit-socket',
        kind: 'SystemdSocketPort',
        source: 'apphub',
        unit: 'cockpit.socket',
        unitPath: host.unitPath,
        dropInDir: host.dropInDir,
        mode,
      },
      {
        name: 'cockpit-firewalld',
        kind: 'FirewalldServicePort',
        source: 'apphub',
        files: [...host.firewalldFiles],
      },
    ],
  };
}
