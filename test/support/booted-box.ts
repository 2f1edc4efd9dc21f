import { after, before } from 'node:test';

import { bootBox, type Box } from '../../harness/box';
import { assertDocker } from './docker-required';

/**
 * One real-host box for the `describe` block it is called in: `before` boots it (Docker
 * required) and runs `setUp`, `after` removes it with everything its dockerd holds. Returns the
 * box for the tests, which throws when `before` failed.
 */
export function bootedBox(setUp: (box: Box) => Promise<void>): () => Box {
  let box: Box | undefined;
  before(async () => {
    await assertDocker();
    box = await bootBox({ log: (line) => console.log(line) });
    await setUp(box);
  }, { timeout: 25 * 60_000 });
  after(async () => {
    await box?.remove();
  });
  return () => {
    if (box === undefined) throw new Error('no box (before failed)');
    return box;
  };
}
