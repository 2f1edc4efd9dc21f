import { docker, dockerQuiet } from '../../harness/docker-cli';

/** A single-node swarm for a test, and how to leave it as it was found. */
export interface SwarmSession {
  /** True when this session ran `docker swarm init` (and so will leave the swarm). */
  created: boolean;
  /** Number of nodes (a global service runs one task per node). */
  nodes: number;
  /** Leaves the swarm and removes docker_gwbridge when this session created them; else nothing. */
  restore(): Promise<void>;
}

/**
 * Joins the test to a swarm: uses the daemon's swarm when it is already an active manager, else
 * runs `docker swarm init --advertise-addr 127.0.0.1` and remembers to leave it. A node that is a
 * worker, locked or in error is reported, not changed.
 */
export async function ensureSwarm(): Promise<SwarmSession> {
  const state = (await docker(['info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'])).stdout.trim();
  let created = false;
  let hadGwBridge = true;
  if (state.startsWith('inactive')) {
    hadGwBridge = (await docker(['network', 'ls', '-q', '--filter', 'name=^docker_gwbridge$'])).stdout.trim() !== '';
    await docker(['swarm', 'init', '--advertise-addr', '127.0.0.1'], { timeoutMs: 60_000 });
    created = true;
  } else if (state !== 'active true') {
    throw new Error(`the Docker daemon is in a swarm state the test cannot use (LocalNodeState ControlAvailable = "${state}"): need inactive, or an active manager`);
  }
  const nodes = (await docker(['node', 'ls', '-q'])).stdout.split('\n').filter((line) => line.trim() !== '').length;
  return {
    created,
    nodes,
    restore: async () => {
      if (!created) return;
      await dockerQuiet(['swarm', 'leave', '--force']);
      // `swarm init` creates this bridge and `swarm leave` keeps it.
      if (!hadGwBridge) await dockerQuiet(['network', 'rm', 'docker_gwbridge']);
    },
  };
}
