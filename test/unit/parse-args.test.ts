import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCliArgs } from '../../src/cli/parse-args';
import { UsageError } from '../../src/core/errors';

const refused = (argv: string[], message: RegExp): void => {
  assert.throws(() => parseCliArgs(argv), (error: unknown) => error instanceof UsageError && message.test(error.message), argv.join(' '));
};

describe('command line: each flag only where it applies', () => {
  it('--json without --once is refused on the controller, like --dry-run', () => {
    refused(['--json'], /^the controller \(no --once\) does not take --json: --json goes with --once or status or history$/);
    refused(['--dry-run'], /does not take --dry-run: --dry-run goes with --once$/);
    refused(['--detailed-exitcodes'], /--detailed-exitcodes goes with --once/);
    refused(['--resource', 'x'], /--resource goes with --once or history/);
    refused(['--watch'], /--watch goes with status/);
  });
  it('the other commands name what they do not take', () => {
    refused(['--once', '--metrics-addr', '127.0.0.1:1'], /^--once does not take --metrics-addr: --metrics-addr goes with the controller$/);
    refused(['status', '--dry-run'], /^status does not take --dry-run/);
    refused(['status', '--log-level', 'debug'], /^status does not take --log-level/);
    refused(['history', '--once'], /^history does not take --once/);
    refused(['history', '--resource', 'a', '--resource', 'b'], /history takes one --resource/);
    refused(['status', '--interval', '1s'], /--interval goes with status --watch/);
    refused(['status', '--watch', '--interval', 'soon'], /--interval must be a duration/);
    refused(['config', 'check', '--json'], /config check does not take --json/);
  });
  it('unknown options, commands and missing values in our own words, with a guess', () => {
    refused(['--jsn'], /^unknown option --jsn \(did you mean --json\?\)$/);
    refused(['-x'], /^unknown option -x \(-h: help, -V: version\)$/);
    refused(['--config'], /^--config needs a value/);
    refused(['--once=yes'], /^--once takes no value$/);
    refused(['stauts'], /^unknown command: stauts \(did you mean "status"\?\)$/);
    refused(['config', 'chek'], /did you mean "check"/);
  });
  it('-V and --version anywhere; -h', () => {
    for (const argv of [['-V'], ['--version'], ['status', '-V'], ['config', 'check', '--version']]) assert.equal(parseCliArgs(argv).command, 'version', argv.join(' '));
    assert.equal(parseCliArgs(['-h']).command, 'help');
  });
  it('accepted combinations', () => {
    const once = parseCliArgs(['--once', '--dry-run', '--json', '--resource', 'a', '--resource', 'b', '--resource', 'a']);
    assert.deepEqual([once.command, once.dryRun, once.json, once.targets], ['once', true, true, ['a', 'b']]);
    assert.equal(parseCliArgs(['history', '--resource', 'a', '--json']).resource, 'a');
    assert.equal(parseCliArgs(['status', '--watch']).watchIntervalMs, 2000);
    assert.equal(parseCliArgs(['status', '--watch', '--interval', '5s']).watchIntervalMs, 5000);
    assert.deepEqual(parseCliArgs(['--metrics-addr', '127.0.0.1:9464', '--log-level', 'warn']).metricsAddr, { host: '127.0.0.1', port: 9464 });
    assert.equal(parseCliArgs(['status', '--json', '--config', '/x.yaml']).json, true);
  });
});
