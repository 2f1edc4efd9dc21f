/** The emulated Websoft9 host's contract: its options, its paths and what tests, bench and demo do with it. */
/** Per-host label (value = {@link EmulatedHost.id}) next to `reconciler.test=true`. */
export const HOST_LABEL = 'reconciler.test.host';

/** Where apphub's config volume is mounted inside the stand-in container (as in Websoft9). */
export const APPHUB_CONFIG_DIR = '/websoft9/apphub/src/config';

/** The tools the recording stand-in answers for. */
export type RecordedTool = 'systemctl' | 'firewall-cmd';

/** Docker health states of the stand-in container. */
export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** A YAML value as written to the config file. */
export type YamlValue = string | number | boolean | null | readonly YamlValue[] | YamlMapping;

/** A YAML mapping; in overrides, an `undefined` value deletes the key. */
export interface YamlMapping {
  readonly [key: string]: YamlValue | undefined;
}

/** Options of {@link createEmulatedHost}. */
export interface EmulatedHostOptions {
  /** `[cockpit] port` in config.ini: a number, a string written verbatim, or null for no key. Default 9000. */
  port?: number | string | null;
  /** `ListenStream=` of the vendor cockpit.socket and port of the firewalld XML files. Default 9090. */
  vendorPort?: number;
  /** Give the apphub stand-in a Docker health check (`test -f /tmp/healthy`, every 1 s). Default false. */
  health?: boolean;
  /** With `health`, whether the container starts healthy (waited for). Default true. */
  healthy?: boolean;
  /** `mode` of the cockpit-socket resource. Default `dropin`. */
  mode?: 'dropin' | 'inplace';
  /** Create the firewalld cockpit.xml files. Default true (the resource is configured either way). */
  firewalld?: boolean;
  /**
   * Pre-create the (empty) drop-in directory. Default false: a fresh Cockpit install has no
   * `/etc/systemd/system/cockpit.socket.d`; the controller creates it. Only for tests of programs
   * that cannot cope with its absence (the edge-triggered baseline's `inotifywait`).
   */
  dropInDir?: boolean;
  /**
   * `key=value` labels of the container and volume instead of `reconciler.test=true`: the demo uses
   * its own, so that the CI's clean-up of test objects leaves a running demo alone.
   */
  labels?: readonly string[];
  /** Prefix of the temp root's, the container's and the volume's names. Default `reconciler-test`. */
  namePrefix?: string;
}

/** An emulated Websoft9 host: temp root with Cockpit/firewalld files, apphub stand-in, recorder, config. */
export interface EmulatedHost {
  /** Random id; also the value of the {@link HOST_LABEL} label on the container and volume. */
  readonly id: string;
  /** `key=value` labels of its container and volume (the {@link HOST_LABEL} one included); `HostObjects` uses them too. */
  readonly labels: readonly string[];
  /** Temporary root directory of the emulated host. */
  readonly root: string;
  /** `<root>/config.yaml`, the controller configuration (`--config`). */
  readonly configPath: string;
  /** `<root>/status/status.json` (the `status` directory exists). */
  readonly statusPath: string;
  /** `<root>/lib/systemd/system/cockpit.socket`, the vendor unit as Debian's cockpit-ws package ships it. */
  readonly unitPath: string;
  /** `<root>/etc/systemd/system/cockpit.socket.d` (absent at start unless `dropInDir: true`). */
  readonly dropInDir: string;
  /** `<dropInDir>/listen.conf` (absent at start). */
  readonly dropInPath: string;
  /** The firewalld cockpit.xml paths (etc first, then usr/lib); absent when `firewalld: false`. */
  readonly firewalldFiles: string[];
  /** Unique name of the apphub stand-in container. */
  readonly containerName: string;
  /** Unique name of the named volume holding config.ini. */
  readonly volumeName: string;
  /** Host path of config.ini (volume Mountpoint + `/config.ini`). */
  readonly configIniPath: string;
  /** `<root>/bin/record`, the recording systemctl/firewall-cmd stand-in. */
  readonly recorderPath: string;
  /** `<root>/commands.log`, one line per recorded call. */
  readonly commandsLogPath: string;
  /** The configuration written by `writeConfig()` without overrides (a fresh copy). */
  baseConfig(): YamlMapping;
  /** Rewrites config.yaml as the base configuration deep-merged with `overrides` (lists replace). */
  writeConfig(overrides?: YamlMapping): Promise<void>;
  /** Replaces config.ini: by temp file + rename, or with `inPlace` by truncate-then-write as apphub does. */
  setIni(text: string, options?: { inPlace?: boolean }): Promise<void>;
  /** Rewrites config.ini with the standard content and another `[cockpit] port` (see `apphubConfigIni`). */
  setPort(value: number | string | null): Promise<void>;
  /** Current text of config.ini, read from the host path. */
  readIni(): Promise<string>;
  /** `docker stop` the apphub stand-in. */
  stopApphub(): Promise<void>;
  /** `docker start` the stand-in (re-creating it if it was removed) and wait until it is running. */
  startApphub(): Promise<void>;
  /** `docker rm -f` the stand-in (the volume stays). */
  removeApphub(): Promise<void>;
  /** Creates or removes `/tmp/healthy` in the container (needs `health: true`). */
  setHealthy(healthy: boolean): Promise<void>;
  /** Waits until Docker reports the given health status (default timeout 20 s). */
  waitHealth(status: HealthStatus, timeoutMs?: number): Promise<void>;
  /**
   * Makes calls of `tool` fail (stderr `simulated failure`, exit 1; still recorded). Without `match`
   * every call fails; with it, only calls whose recorded line contains `match` (e.g. `--reload`).
   */
  failCommand(tool: RecordedTool, match?: string): Promise<void>;
  /** Undoes {@link EmulatedHost.failCommand}. */
  clearFailure(tool: RecordedTool): Promise<void>;
  /** Controls `firewall-cmd --state`: `running` (exit 0) or `not running` (exit 252). */
  setFirewalldRunning(running: boolean): Promise<void>;
  /**
   * Installs (or with null removes) a `#!/bin/sh` hook run after recording in place of the built-in
   * behaviour, with the tool's arguments and RECORD_ROOT=<root> (e.g. to start cockpit-ws on restart).
   */
  setCommandHook(tool: RecordedTool, script: string | null): Promise<void>;
  /** Recorded calls, one string per call (`systemctl daemon-reload`), [] when none; read-only `systemctl show` queries left out. */
  commands(): Promise<string[]>;
  /** Empties the command log. */
  clearCommands(): Promise<void>;
  /** Relative path → contents of every regular file under lib/, etc/ and usr/ of the root. */
  snapshot(): Promise<Record<string, string>>;
  /** Replaces the vendor unit by rename with the package's unit (what a cockpit upgrade does). */
  simulatePackageUpgrade(vendorPort?: number): Promise<void>;
  /** Removes the container, the volume and the temp root. Idempotent. */
  cleanup(): Promise<void>;
}
