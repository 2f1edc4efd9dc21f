import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import { parse } from 'yaml';

import type { Box } from './box';
import { loadImageIntoBox } from './box-stack';

const DEPLOY_DIR = path.join(__dirname, '..', '..', 'deploy');

/** Where the box keeps the Compose deployment: deploy/docker-compose.yml and its override, unchanged. */
const BOX_COMPOSE_DIR = '/opt/reconciler/deploy';
/** The Compose project of deploy/docker-compose.yml's header (`-p websoft9-reconciler`). */
const PROJECT = 'websoft9-reconciler';
/** The override for daemons that refuse `privileged` (the box's dockerd does: see {@link startComposeInBox}). */
const UNPRIVILEGED = 'docker-compose.unprivileged.yml';
/** The configuration the service mounts (`./reconciler.yaml:/etc/reconciler/config.yaml:ro`), in the box. */
export const BOX_COMPOSE_CONFIG = `${BOX_COMPOSE_DIR}/reconciler.yaml`;

/**
 * `docker-compose` (1.29, Debian's) in the box with the project name and both files, as a user
 * types it: `docker-compose -p websoft9-reconciler -f docker-compose.yml -f docker-compose.unprivileged.yml <args>`.
 */
export function composeArgv(...args: string[]): string[] {
  return ['docker-compose', '-p', PROJECT, '-f', `${BOX_COMPOSE_DIR}/docker-compose.yml`, '-f', `${BOX_COMPOSE_DIR}/${UNPRIVILEGED}`, ...args];
}

/** `docker-compose exec -T reconciler node /app/dist/cli.js <args>` in the box (no TTY: output for a test). */
export function composeCliArgv(...args: string[]): string[] {
  return composeArgv('exec', '-T', 'reconciler', 'node', '/app/dist/cli.js', ...args);
}

/**
 * Deploys the reconciler in the box as deploy/README.md tells users: the machine's image `image`
 * (a build of deploy/Dockerfile's equivalent; no registry) loaded into the box's dockerd under
 * the name docker-compose.yml gives it, so that Compose uses it and builds nothing;
 * deploy/docker-compose.yml and deploy/docker-compose.unprivileged.yml copied unchanged, `config`
 * as the reconciler.yaml beside them; `docker-compose up -d`.
 *
 * The override is needed because the box's dockerd runs in a container whose capability bounding
 * set lacks CAP_SYS_RESOURCE: `privileged: true` fails there ("unable to apply caps").
 * Returns the service's container name.
 */
export async function startComposeInBox(box: Box, image: string, config: string): Promise<string> {
  const compose = parse(await fs.readFile(path.join(DEPLOY_DIR, 'docker-compose.yml'), 'utf8')) as {
    services: { reconciler: { image: string; container_name: string } };
  };
  const service = compose.services.reconciler;
  await loadImageIntoBox(box, image);
  await box.run(['docker', 'tag', image, service.image]);
  for (const file of ['docker-compose.yml', UNPRIVILEGED]) {
    await box.writeFile(`${BOX_COMPOSE_DIR}/${file}`, await fs.readFile(path.join(DEPLOY_DIR, file)));
  }
  await box.writeFile(BOX_COMPOSE_CONFIG, config);
  await box.run(composeArgv('up', '-d'), { timeoutMs: 180_000 });
  return service.container_name;
}

/** `docker inspect`'s health of a container in the box's dockerd (`starting`, `healthy`, `unhealthy`), '' without one. */
export async function containerHealth(box: Box, container: string): Promise<string> {
  const result = await box.exec(['docker', 'inspect', '--format', '{{if .State.Health}}{{.State.Health.Status}}{{end}}', container]);
  return result.code === 0 ? result.stdout.trim() : '';
}
