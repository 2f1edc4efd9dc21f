import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createHostDeps, createRuntime, loadConfig } from '../../src/app/create-runtime';
import { ConfigError, DEFAULT_CONFIG_PATH } from '../../src/config/load-config';
import { enabledResources, type Config } from '../../src/config/schema';
import { createLogger } from '../../src/app/create-logger';
import { configFiles } from '../support/config-files';

/** A configuration file with this text. */
const { file } = configFiles('config-overrides-');
const DEFAULTS = loadConfig();
const byName = (config: Config, name: string) => config.resources.find((r) => r.name === name);
const others = (config: Config, name: string) => config.resources.filter((r) => r.name !== name);

/** The ConfigError `load` throws (exit 64), checked to name every given key. */
function refusal(load: () => unknown, ...keys: string[]): ConfigError {
  let caught: unknown;
  assert.throws(load, (error: unknown) => ((caught = error), true));
  assert.ok(caught instanceof ConfigError, String(caught));
  for (const key of keys) assert.ok(caught.problems.some((p) => p.startsWith(key)), `${key} not named in: ${caught.message}`);
  return caught;
}

describe('overrides: resources as a mapping by name', () => {
  it('one line changes one field of one default resource, the rest stays the profile', () => {
    const config = loadConfig(file('resources: { cockpit-socket: { mode: inplace } }\n'));
    const socket = byName(config, 'cockpit-socket');
    assert.ok(socket?.kind === 'SystemdSocketPort');
    assert.equal(socket.mode, 'inplace');
    assert.deepEqual({ ...socket, mode: 'dropin' }, byName(DEFAULTS, 'cockpit-socket'));
    assert.deepEqual(others(config, 'cockpit-socket'), others(DEFAULTS, 'cockpit-socket'));
    assert.deepEqual(config.resources.map((r) => r.name), DEFAULTS.resources.map((r) => r.name), 'order kept');
  });

  it('enabled: false switches one off: configured, not built, nothing else changes', () => {
    const config = loadConfig(file('resources:\n  cockpit-firewalld: { enabled: false }\n'));
    assert.equal(byName(config, 'cockpit-firewalld')?.enabled, false);
    assert.deepEqual(
      enabledResources(config).map((r) => r.name),
      DEFAULTS.resources.map((r) => r.name).filter((name) => name !== 'cockpit-firewalld'),
    );
    const runtime = createRuntime(config, createHostDeps(config), createLogger('silent'));
    assert.deepEqual(runtime.resources.map((r) => r.name), enabledResources(config).map((r) => r.name));
    assert.ok(!runtime.resources.some((r) => r.name === 'cockpit-firewalld'));
  });

  it('two changes on one line, and a nested key (a list inside is replaced)', () => {
    const config = loadConfig(
      file("resources: { cockpit-socket: { mode: inplace }, cockpit-certs: { include: ['*.pem'], to: { subPath: ssl } } }\n"),
    );
    const certs = byName(config, 'cockpit-certs');
    assert.ok(certs?.kind === 'DirectoryMirror');
    assert.deepEqual(certs.include, ['*.pem']);
    assert.deepEqual(certs.to, { volume: 'websoft9_nginx_data', subPath: 'ssl' });
  });

  it('an unknown resource name is exit 64 naming it, with the name meant (or the known ones)', () => {
    const path = file('resources: { cockpit-sockt: { mode: inplace } }\n');
    const error = refusal(() => loadConfig(path), 'resources.cockpit-sockt');
    assert.equal(error.origin, path);
    assert.match(error.message, /no resource "cockpit-sockt" in the defaults \(did you mean "cockpit-socket"\?\)/);
    const far = refusal(() => loadConfig(file('resources: { nginx: { enabled: false } }\n')), 'resources.nginx');
    assert.match(far.message, /no resource "nginx" in the defaults \(cockpit-socket, cockpit-firewalld/);
  });

  it('a new name with a kind adds a resource after the defaults', () => {
    const config = loadConfig(file('resources:\n  extra-fw: { kind: FirewalldServicePort, source: apphub, files: [/srv/fw/cockpit.xml] }\n'));
    assert.equal(config.resources.length, DEFAULTS.resources.length + 1);
    assert.equal(config.resources.at(-1)?.name, 'extra-fw');
  });

  it('refuses: another kind, another name, a value that is not a mapping; every problem listed', () => {
    const path = file('resources:\n  cockpit-socket: { kind: FileLine }\n  cockpit-certs: { name: certs }\n  gitea-credentials: false\n');
    const error = refusal(() => loadConfig(path), 'resources.cockpit-socket.kind', 'resources.cockpit-certs.name', 'resources.gitea-credentials');
    assert.equal(error.problems.length, 3);
  });

  it('a key with nothing under it changes nothing', () => {
    assert.deepEqual(loadConfig(file('resources:\n  cockpit-socket:\n')).resources, DEFAULTS.resources);
  });

  it('a bad value in an override is named with the resource', () => {
    refusal(() => loadConfig(file('resources: { cockpit-socket: { mode: sideways } }\n')), 'resources.cockpit-socket.mode');
  });

  it('the list form still replaces the default list whole', () => {
    const config = loadConfig(file('resources:\n  - { name: only, kind: FirewalldServicePort, source: apphub, files: [/x.xml] }\n'));
    assert.deepEqual(config.resources.map((r) => r.name), ['only']);
  });

  it('switching one of two owners off resolves the conflict', () => {
    const second = '  socket-two: { kind: SystemdSocketPort, source: apphub, unit: cockpit.socket, unitPath: /lib/systemd/system/cockpit.socket, dropInDir: /etc/systemd/system/cockpit.socket.d }\n';
    refusal(() => loadConfig(file(`resources:\n${second}`)), 'resources.socket-two.unit');
    const config = loadConfig(file(`resources:\n${second}  cockpit-socket: { enabled: false }\n`));
    assert.deepEqual(enabledResources(config).filter((r) => r.kind === 'SystemdSocketPort').map((r) => r.name), ['socket-two']);
  });

  it('the packaged profile itself is read from its own path', () => {
    assert.ok(readFileSync(DEFAULT_CONFIG_PATH, 'utf8').includes('resources:'));
  });
});
