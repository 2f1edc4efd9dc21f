/**
 * The real-host box: a Debian 12 container whose PID 1 is systemd, with firewalld, its own dockerd
 * (vfs), Cockpit (`cockpit.socket`) and nginx, for end-to-end tests and the bench.
 *
 *   const box = await bootBox();                 // builds the image once (mmdebstrap, 1-4 min), boots (~10 s)
 *   await installProject(box, { config: boxConfig() });  // npm pack → deploy/install.sh --root → the box; enable --now
 *   await startBoxApphub(box, 9000);             // apphub's stand-in in the box's own dockerd
 *   await box.waitForUnit('cockpit.socket', { active: ['active'] });
 *   await box.probeTcp(9000);                    // one bounded connect, inside the box
 *   await box.journal('reconciler.service');     // its journald lines
 *   await startComposeInBox(box, imageTag, config);  // or: deploy/docker-compose.yml in the box's dockerd (docker-compose up -d)
 *   await box.remove();                          // in after(); the box takes its dockerd's containers with it
 *
 * The image `reconciler-test/box:<hash of its inputs>` (labels `reconciler.test=true`,
 * `reconciler.box=true`) stays cached; box images of older inputs are removed when a new one is
 * built. Every box container carries `reconciler.box.run=<run id>` and `reconciler.test=true`
 * (or the labels given to `bootBox`). It runs with `--network none`: no packet leaves it.
 * Remove the cache with `docker image rm $(docker image ls -q --filter label=reconciler.box=true)`.
 */
export { BOX_DEB_DIR, BOX_LABEL, boxImageTag, ensureBoxImage } from './box-image';
export { Box, bootBox, type BootOptions, type BoxExecOptions, type BoxResult } from './box';
export { BOX_CONFIG_PATH, RECONCILER_UNIT, installProject, type InstallOptions } from './install-project';
export { BOX_COMPOSE_CONFIG, composeArgv, composeCliArgv, containerHealth, startComposeInBox } from './box-compose';
export { BOX_APPHUB, boxApphubIniPath, boxConfig, loadBusyboxIntoBox, loadImageIntoBox, startBoxApphub, writeBoxApphubPort } from './box-stack';
export { boxHttpGet, boxHttpsGet, boxStatus, cockpitAnswersInBox, cockpitSocketStatus, conditionOf, eventually, type BoxHttpAnswer, type BoxHttpsAnswer, type BoxStatusReport } from './box-probes';
export {
  SITES_NETWORK,
  TEMPLATE_DROP_IN,
  VHOSTS_CONF,
  nginxReloads,
  prepareTemplateBox,
  runSite,
  servedFor,
  templateBoxConfig,
  unfilteredVhostsTemplate,
  writeVhostsTemplate,
} from './box-template';
export { FIREWALL_DROP_IN, SCENE_CONTAINERS, SERVE, V6_NETWORK, enableBoxIpv6, enforcedIn, firewallConfig, policyMismatch, probeAll, runSceneContainer, setUpFirewallScene, type Probe, type SceneContainer } from './firewall-scene';
