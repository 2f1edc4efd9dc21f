/**
 * Live demo (`npm run demo`): an emulated Websoft9 host with every resource of the profile
 * (config/default.yaml), the real controller (`node dist/cli.js`) running against it, and a timer
 * that breaks the host in the ways that broke real ones. Every drift and its correction is shown
 * as it happens, with timings. Runs until Ctrl-C (or for one round with `--once-round`); Ctrl-C,
 * SIGTERM and errors stop the controller and remove the containers, volumes and temporary directory.
 *
 * Nothing on the machine is touched besides Docker objects labelled `reconciler.demo=true` (not the
 * tests' label, so that a CI clean-up of test objects leaves a running demo alone) and a temporary
 * directory: systemctl, firewall-cmd, nginx and apphub's CLI are recording stand-ins.
 *
 * Files: narration.ts (what is said), stage.ts (what scenes share), scenes-port.ts and
 * scenes-profile.ts (the scenes), lifecycle.ts (set-up, controller, shutdown), waiting.ts.
 */
import { existsSync } from 'node:fs';

import { CLI } from '../harness/run-cli';
import { Lifecycle } from './lifecycle';
import { Narrator, USAGE, intro } from './narration';
import { Output } from './output';
import { scene1, scene2, scene3, scene4 } from './scenes-port';
import { scene5, scene6 } from './scenes-profile';
import type { DemoOptions } from './stage';

const SCENES = [scene1, scene2, scene3, scene4, scene5, scene6];

async function play(lifecycle: Lifecycle, narrator: Narrator, options: DemoOptions): Promise<void> {
  intro(narrator.out);
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (\`npm run demo\` does)`);
  const stage = await lifecycle.setUp();
  await lifecycle.startController(stage);
  for (let round = 1; ; round++) {
    if (!options.onceRound) narrator.out.heading(`Round ${round}`, `the same ${SCENES.length} scenes; Ctrl-C to stop`);
    for (const scene of SCENES) await scene(stage);
    stage.printTimings();
    if (options.onceRound) return;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(USAGE);
    return;
  }
  const unknown = args.filter((a) => a !== '--once-round');
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument: ${unknown.join(' ')}\n\n${USAGE}`);
    process.exitCode = 64;
    return;
  }
  const onceRound = args.includes('--once-round');
  const options: DemoOptions = { onceRound, pauseMs: onceRound ? 500 : 3000, holdMs: onceRound ? 2000 : 4000 };
  const narrator = new Narrator(new Output());
  const lifecycle = new Lifecycle(narrator, options);

  const finish = (code: number): void => {
    // Exit explicitly: pending timers (backoff waits, pollers) must not keep the demo alive.
    process.stdout.write('', () => process.exit(code));
  };
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      narrator.say('still cleaning up, one moment…');
      return;
    }
    void lifecycle.shutdown(signal).then(finish);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('uncaughtException', (error) => lifecycle.fail(error));
  process.on('unhandledRejection', (error) => lifecycle.fail(error));

  try {
    await play(lifecycle, narrator, options);
    finish(await lifecycle.shutdown('done'));
  } catch (error) {
    lifecycle.fail(error);
    finish(await lifecycle.shutdown('error'));
  }
}

void main();
