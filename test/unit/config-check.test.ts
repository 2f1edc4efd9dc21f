import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { UsageError } from '../../src/core/errors';
import { DEFAULT_CONFIG_PATH, validateConfig } from '../../src/config/load-config';
import { mergeConfig, type Yaml } from '../../src/config/merge-config';
import { afterChangeContainers, afterChangeSteps } from '../../src/resources/after-change';

const DEFAULTS = parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as Yaml;
const line = (afterChange: Yaml): Yaml => ({
  name: 'proxy-port',
  kind: 'FileLine',
  source: 'apphub',
  path: '/srv/custom_var.conf',
  match: '^set ',
  template: 'set $cockpit_port {value};',
  afterChange,
});
const validate = (over: { [key: string]: Yaml }) => validateConfig(mergeConfig(DEFAULTS, over), '/etc/reconciler/config.yaml');
const refused = (over: { [key: string]: Yaml }, key: RegExp): void => {
  assert.throws(() => validate(over), (error: unknown) => error instanceof UsageError && key.test(error.message));
};

describe('configuration: afterChange.check and timing.passTimeout', () => {
  it('passTimeout defaults to 30 s and takes durations', () => {
    assert.equal(validate({}).timing.passTimeout, 30_000);
    assert.equal(validate({ timing: { passTimeout: '2m' } }).timing.passTimeout, 120_000);
  });
  it('passTimeout below 1 s or not a duration is refused, naming the key', () => {
    refused({ timing: { passTimeout: '10ms' } }, /timing\.passTimeout/);
    refused({ timing: { passTimeout: 'soon' } }, /timing\.passTimeout/);
  });
  it('check in a container or on the host, with exec or systemctl', () => {
    const inContainer = { exec: { container: 'websoft9-proxy', command: ['nginx', '-s', 'reload'] }, check: { exec: { container: 'websoft9-proxy', command: ['nginx', '-t'] } } };
    const onHost = { systemctl: ['reload', 'nginx.service'], check: { command: ['nginx', '-t'] } };
    for (const afterChange of [inContainer, onHost]) {
      const config = validate({ resources: [line(afterChange)] });
      assert.deepEqual((config.resources[0] as { afterChange?: unknown }).afterChange, afterChange);
    }
    assert.deepEqual(afterChangeSteps(inContainer), [{ exec: { container: 'websoft9-proxy', argv: ['nginx', '-s', 'reload'] }, check: { exec: { container: 'websoft9-proxy', argv: ['nginx', '-t'] } } }]);
    assert.deepEqual(afterChangeSteps(onHost), [{ tool: 'systemctl', args: ['reload', 'nginx.service'], check: { host: { argv: ['nginx', '-t'] } } }]);
    assert.deepEqual(afterChangeContainers({ systemctl: ['reload', 'x.service'], check: { exec: { container: 'websoft9-proxy', command: ['nginx', '-t'] } } }), ['websoft9-proxy']);
  });
  it('bad checks are refused, naming the key', () => {
    refused({ resources: [line({ systemctl: ['reload', 'x'], check: { command: [] } })] }, /afterChange/);
    refused({ resources: [line({ systemctl: ['reload', 'x'], check: { shell: 'nginx -t' } })] }, /afterChange/);
    refused({ resources: [line({ systemctl: ['reload', 'x'], check: { exec: { container: '../x', command: ['nginx', '-t'] } } })] }, /afterChange/);
  });
});
