/** Scenes 1–4: Cockpit's port, the setting that broke real hosts, broken in four ways. */
import { promises as fs } from 'node:fs';

import { runCli } from '../harness/run-cli';
import { OTHER_PORT, OWNED_FILES, START_PORT, VENDOR_PORT, type Stage } from './stage';
import { PORT_RESOURCES } from '../harness/websoft9-host';

const dropInText = (port: number): string => `[Socket]\nListenStream=\nListenStream=${port}\n`;

async function replaceByRename(file: string, text: string): Promise<void> {
  const staged = `${file}.dpkg-new`;
  await fs.writeFile(staged, text);
  await fs.rename(staged, file);
}

/** What a cockpit package upgrade does: the vendor unit and the drop-in replaced by rename. */
async function packageUpgrade(stage: Stage): Promise<void> {
  await stage.act(async () => {
    await stage.host.simulatePackageUpgrade(VENDOR_PORT);
    await replaceByRename(stage.host.dropInPath, dropInText(VENDOR_PORT));
  });
}

/** Scene 1: a package upgrade resets the port to 9090. */
export async function scene1(stage: Stage): Promise<void> {
  const { narrator } = stage;
  await stage.sceneStart(1, 'a package upgrade resets Cockpit to 9090', 'dpkg replaces cockpit.socket and an upgrade script resets the drop-in to 9090, both by rename (new inodes).');
  const before = stage.watcher.seq;
  narrator.say(`upgrade: cockpit.socket.dpkg-new → cockpit.socket, listen.conf.dpkg-new → listen.conf (both ListenStream=${VENDOR_PORT})`);
  const t0 = Date.now();
  await packageUpgrade(stage);
  const broken = Date.now();
  const marker = await stage.passMarker();
  const drift = await stage.waitFor('listen.conf to show the reset', (e) => e.id === 'dropin' && e.state.port !== stage.desired, before);
  narrator.drift(`listen.conf says ${drift.state.summary}, apphub says ${stage.desired}`);
  const fixed = await stage.waitFor(`listen.conf back on ${stage.desired}`, (e) => stage.hostMatches(e.snapshot, stage.desired), drift.seq);
  await stage.corrected(1, fixed.at - broken, `listen.conf back to ListenStream=${stage.desired}`, t0);
  await stage.between(marker);
}

/** Scene 2: apphub is down while the upgrade resets the port: nothing may be written. */
export async function scene2(stage: Stage): Promise<void> {
  const { narrator, host, watcher } = stage;
  await stage.sceneStart(
    2,
    'apphub is down while an upgrade resets the port (what broke real hosts)',
    "apphub is stopped, as during a Websoft9 upgrade; then the same reset as in scene 1. Its port can't be read now.",
  );
  narrator.say('docker stop apphub');
  await stage.act(() => host.stopApphub());
  const unavailable = (name: string, s: Parameters<Stage['inSync']>[0]): boolean =>
    s.resources.some((r) => r.name === name && r.conditions.some((c) => c.type === 'Ready' && c.reason === 'DesiredStateUnavailable'));
  await stage.waitStatus('DesiredStateUnavailable in the status', (s) => PORT_RESOURCES.every((name) => unavailable(name, s)));
  narrator.say("the controller noticed: apphub's port is unknown, so it will not touch the host (and retries with backoff)");

  const commandsBefore = (await stage.act(() => host.commands())).length;
  const before = watcher.seq;
  narrator.say(`upgrade: cockpit.socket and listen.conf replaced again (ListenStream=${VENDOR_PORT})`);
  await packageUpgrade(stage);
  const drift = await stage.waitFor('listen.conf to show the reset', (e) => e.id === 'dropin' && e.state.port !== stage.desired, before);
  narrator.drift(`listen.conf says ${drift.state.summary} while apphub is down; the old watcher fell back to ${VENDOR_PORT} right here`);

  await stage.waiter.pause(stage.options.holdMs);
  const written = watcher.since(drift.seq).filter((e) => OWNED_FILES.includes(e.id));
  const calls = (await stage.act(() => host.commands())).slice(commandsBefore);
  const reloads = await stage.act(() => stage.stack.takeProxyReloads());
  if (written.length > 0 || calls.length > 0 || reloads.length > 0) {
    const what = [...written.map((e) => `${e.file.label} ${e.state.summary}`), ...calls, ...reloads];
    throw new Error(`something was written while apphub was down: ${what.join('; ')}`);
  }
  narrator.ok(`for ${(stage.options.holdMs / 1000).toFixed(1)} s nothing was written and no command ran: unknown is not a default`);

  narrator.say(`reconcile status   (node dist/cli.js status --status-file ${host.statusPath})`);
  const status = await stage.act(() => runCli(['status', '--status-file', host.statusPath]));
  const { out } = narrator;
  for (const line of status.stdout.trimEnd().split('\n')) out.plain(`      ${line}`);
  out.plain(out.paint('dim', `      exit code ${status.code}${status.code === 1 ? ': unhealthy, as it should be (a monitoring probe would alert)' : ''}`));

  narrator.say('docker start apphub');
  const marker = await stage.passMarker();
  const started = Date.now();
  const beforeStart = watcher.seq;
  await stage.act(() => host.startApphub());
  const fixed = await stage.waitFor(`listen.conf back on ${stage.desired}`, (e) => stage.hostMatches(e.snapshot, stage.desired), beforeStart);
  await stage.corrected(2, fixed.at - started, `apphub is back and says ${stage.desired}: listen.conf back to ListenStream=${stage.desired}`, started, 'docker start');
  await stage.between(marker);
}

/** Scene 3: the user changes the port in apphub. */
export async function scene3(stage: Stage): Promise<void> {
  const { narrator } = stage;
  const next = stage.desired === OTHER_PORT ? START_PORT : OTHER_PORT;
  const old = stage.desired;
  await stage.sceneStart(3, `the user changes Cockpit's port to ${next} in apphub`, `apphub rewrites config.ini with [cockpit] port = ${next}; the host must follow.`);
  const before = stage.watcher.seq;
  stage.desired = next;
  narrator.say(`apphub: config.ini rewritten (temp file + rename) with [cockpit] port = ${next}`);
  const t0 = Date.now();
  await stage.act(() => stage.stack.setPort(next));
  const broken = Date.now();
  const marker = await stage.passMarker();
  const drift = await stage.waitFor(`config.ini to say ${next}`, (e) => e.id === 'ini' && e.state.port === next, before);
  narrator.drift(`apphub says ${drift.state.port ?? '?'}, the host still says ${old}`);
  const fixed = await stage.waitFor(`the host on ${next}`, (e) => stage.hostMatches(e.snapshot, next), drift.seq);
  await stage.corrected(3, fixed.at - broken, `listen.conf, both cockpit.xml files and the proxy's $cockpit_port now say ${next}`, t0);
  await stage.between(marker);
}

/** Scene 4: firewalld's cockpit.xml edited by hand. */
export async function scene4(stage: Stage): Promise<void> {
  const { narrator } = stage;
  const [xml = ''] = stage.host.firewalldFiles;
  await stage.sceneStart(4, "someone edits firewalld's cockpit.xml by hand", `an admin opens etc/firewalld/services/cockpit.xml and puts port ${VENDOR_PORT} back (written in place).`);
  const before = stage.watcher.seq;
  narrator.say(`editing etc/firewalld/services/cockpit.xml in place: port="${VENDOR_PORT}"`);
  const t0 = Date.now();
  await stage.act(async () => {
    const text = await fs.readFile(xml, 'utf8');
    await fs.writeFile(xml, text.replace(/(<port\b[^>]*\bport=")[^"]*(")/, `$1${VENDOR_PORT}$2`));
  });
  const broken = Date.now();
  const marker = await stage.passMarker();
  const drift = await stage.waitFor('cockpit.xml to show the edit', (e) => e.id === 'xml-etc' && e.state.port !== stage.desired, before);
  narrator.drift(`cockpit.xml says ${drift.state.summary}, apphub says ${stage.desired}`);
  const fixed = await stage.waitFor(`cockpit.xml back on ${stage.desired}`, (e) => stage.hostMatches(e.snapshot, stage.desired), drift.seq);
  await stage.corrected(4, fixed.at - broken, `cockpit.xml back to port="${stage.desired}", firewalld reloaded`, t0);
  await stage.between(marker);
}
