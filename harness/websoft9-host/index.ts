/**
 * The emulated Websoft9 host: one module for the tests, the bench and the demo. A temp root
 * shaped like a fresh Cockpit install, apphub's stand-in container with its config.ini volume,
 * a recording systemctl/firewall-cmd, the controller's configuration pointing at all of it, and
 * (`HostObjects`, `createWebsoft9Stack`) the rest of a Websoft9 host's containers and volumes.
 */
export { apphubConfigIni, INI_SECRET } from './apphub-config-ini';
export { cockpitSocketUnit, firewalldCockpitXml } from './cockpit-files';
export { createEmulatedHost } from './create-emulated-host';
export {
  APPHUB_CONFIG_DIR,
  HOST_LABEL,
  type EmulatedHost,
  type EmulatedHostOptions,
  type HealthStatus,
  type RecordedTool,
  type YamlMapping,
  type YamlValue,
} from './emulated-host';
export { mergeYaml } from './merge-yaml';
export { HostObjects } from './host-objects';
export { APPHUB_CLI, DOCKER0_IP, PORT_RESOURCES, certificate, createWebsoft9Stack, giteaPassword, type Websoft9Stack } from './websoft9-stack';
