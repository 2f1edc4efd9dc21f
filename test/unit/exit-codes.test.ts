import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { onceExitCode } from '../../src/cli/exit-codes';
import { formatSummary, passToJson, resultName } from '../../src/cli/format-pass';
import { passResultOf, type PassResult, type ResourceOutcome } from '../../src/controller/outcome';

const COMMANDS = { prefix: [], systemctl: ['systemctl'], firewallCmd: ['firewall-cmd'], timeoutMs: 1000 };

const inSync: ResourceOutcome = { name: 'a', kind: 'FileLine', desired: 1, observed: 1, inSync: true, ready: 'True', reason: 'InSync', message: 'ok', changed: false, failed: false, plan: null, actions: [] };
const applied: ResourceOutcome = { ...inSync, name: 'b', reason: 'Applied', changed: true };
const unavailable: ResourceOutcome = { ...inSync, name: 'c', desired: null, inSync: false, ready: 'Unknown', reason: 'DesiredStateUnavailable', message: 'container x is not running', failed: true };
const applyFailed: ResourceOutcome = { ...inSync, name: 'd', inSync: false, ready: 'False', reason: 'ApplyFailed', message: 'boom', changed: true, failed: true };
const drift: ResourceOutcome = { ...inSync, name: 'e', inSync: false, ready: 'False', reason: 'DriftDetected', message: 'write x' };

function pass(resources: ResourceOutcome[], dryRun = false): PassResult {
  return { startedAt: 0, finishedAt: 3, triggers: ['once'], dryRun, result: passResultOf(resources), resources };
}

const detailed = (p: PassResult, statusWritten = true) => onceExitCode(p, { detailed: true, statusWritten });
const plain = (p: PassResult, statusWritten = true) => onceExitCode(p, { detailed: false, statusWritten });

describe('--once exit codes', () => {
  it('--detailed-exitcodes: 0 in sync and unchanged, 2 changed and in sync, 4 not converged, 6 changed but not converged', () => {
    assert.equal(detailed(pass([inSync])), 0);
    assert.equal(detailed(pass([inSync, applied])), 2);
    assert.equal(detailed(pass([inSync, unavailable])), 4);
    assert.equal(detailed(pass([applied, unavailable])), 6);
    assert.equal(detailed(pass([applyFailed])), 6, 'a file written before the command failed is a change');
    assert.equal(detailed(pass([applied]), false), 6, 'a status file that cannot be written is not converged');
  });

  it('--detailed-exitcodes with --dry-run: 2 when something would change, 4 when it cannot plan', () => {
    assert.equal(detailed(pass([inSync], true)), 0);
    assert.equal(detailed(pass([inSync, drift], true)), 2);
    assert.equal(detailed(pass([unavailable], true)), 4);
    assert.equal(detailed(pass([drift, unavailable], true)), 6);
  });

  it('default codes are unchanged: 0 converged, 1 not; dry run 0, 2 drift, 1 error', () => {
    assert.equal(plain(pass([inSync])), 0);
    assert.equal(plain(pass([applied])), 0);
    assert.equal(plain(pass([applied, unavailable])), 1);
    assert.equal(plain(pass([applied]), false), 1);
    assert.equal(plain(pass([inSync], true)), 0);
    assert.equal(plain(pass([drift], true)), 2);
    assert.equal(plain(pass([drift, unavailable], true)), 1);
  });
});

describe('result names', () => {
  it('text and JSON name the result alike (a dry run that cannot read its source says "unavailable", not "error")', () => {
    const cases: [PassResult, string][] = [
      [pass([inSync]), 'unchanged'],
      [pass([applied]), 'converged'],
      [pass([unavailable]), 'unavailable'],
      [pass([applyFailed]), 'failed'],
      [pass([inSync], true), 'in-sync'],
      [pass([drift], true), 'drift'],
      [pass([drift, unavailable], true), 'unavailable'],
    ];
    for (const [p, name] of cases) {
      assert.equal(resultName(p), name);
      assert.equal((passToJson(p, COMMANDS, 0) as { result: string }).result, name);
      assert.match(formatSummary(p), new RegExp(`^(pass|dry run) ${name}: .* \\(3ms\\)$`, 'm'));
    }
  });

  it('prints each reason once: in the row, with the message on its own line', () => {
    const text = formatSummary(pass([inSync, unavailable]));
    assert.equal(text.split('DesiredStateUnavailable').length - 1, 1, text);
    assert.equal(text.split('container x is not running').length - 1, 1, text);
  });
});
