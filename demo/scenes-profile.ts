/** Scenes 5–6: the rest of the profile — Cockpit's certificate and the apps' credentials. */
import type { StatusJson } from '../harness/status';
import type { Stage } from './stage';
import { certificate, giteaPassword } from '../harness/websoft9-host';

const fingerprint = (status: StatusJson | null, name: string): string | null =>
  String(status?.resources.find((r) => r.name === name)?.desired ?? '') || null;

/** Scene 5: Cockpit renews its certificate; the proxy must serve the new one. */
export async function scene5(stage: Stage): Promise<void> {
  const { narrator, stack } = stage;
  const serial = ++stage.renewals;
  const text = certificate(serial);
  await stage.sceneStart(5, 'Cockpit renews its certificate', "Cockpit's helper writes a new 0-self-signed.cert (temp file + rename); the proxy serves a copy from its volume.");
  const before = stage.watcher.seq;
  narrator.say(`ws-certs.d/0-self-signed.cert replaced: "${text.trim()}"`);
  const t0 = Date.now();
  await stage.act(() => stack.renewCertificate(text));
  const marker = await stage.passMarker();
  const fixed = await stage.waitFor('the proxy volume to hold the new certificate', (e) => e.id === 'cert' && e.state.content === text, before);
  await stage.corrected(5, fixed.at - t0, 'custom_ssl/0-self-signed.cert mirrored (mode kept), nginx reloaded in the proxy', t0, 'the renewal');
  await stage.between(marker);
}

/** Scene 6: Gitea's admin password changes; apphub's config.ini must follow (never printed). */
export async function scene6(stage: Stage): Promise<void> {
  const { narrator, stack, host } = stage;
  const n = ++stage.renewals;
  await stage.sceneStart(6, "Gitea's admin password changes", 'Gitea rewrites /data/gitea/credential and restarts; apphub must learn the new password (through its own CLI).');
  const old = fingerprint(await stage.waitStatus('the status file', () => true), 'gitea-credentials');
  narrator.say('websoft9-git: new password in /data/gitea/credential, docker restart (the password is not shown)');
  const t0 = Date.now();
  await stage.act(() => stack.changeGiteaPassword(giteaPassword(n)));
  const restarted = Date.now();
  const marker = await stage.passMarker();
  const status = await stage.waitStatus(
    "apphub's [gitea] password to follow",
    (s) => s.resources.some((r) => r.name === 'gitea-credentials' && r.inSync && fingerprint(s, r.name) !== old),
    10_000,
  );
  const done = Date.now();
  narrator.say(`the controller saw the container restart; fingerprint ${old ?? '?'} → ${fingerprint(status, 'gitea-credentials') ?? '?'}`);
  const ini = await stage.act(() => host.readIni());
  if (!ini.includes(`user_pwd = ${giteaPassword(n)}`)) throw new Error("apphub's config.ini does not hold Gitea's new password");
  await stage.corrected(6, done - restarted, "apphub's config.ini [gitea] user_pwd set through `apphub setconfig` (checked, not printed)", t0, 'the restart');
  await stage.between(marker);
}
