import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadConfig } from '../../src/app/create-runtime';
import { ConfigError } from '../../src/config/load-config';
import { didYouMean } from '../../src/core/closest';
import { configFiles } from '../support/config-files';
import { SEVEN_KEYS, SEVEN_MISTAKES } from '../support/seven-mistakes';

const { file } = configFiles('config-all-problems-');
const SEED = Number(process.env.FC_SEED ?? 42);

function problemsOf(text: string): string[] {
  try {
    loadConfig(file(text));
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return [...error.problems];
  }
  assert.fail(`accepted:\n${text}`);
}
const named = (problems: string[], key: string): string => {
  const found = problems.find((p) => p.startsWith(`${key}: `));
  assert.ok(found, `${key} not in:\n${problems.join('\n')}`);
  return found;
};

describe('config check finds every problem at once', () => {
  it('seven mistakes, one run: each named in the words of the file, with hints', () => {
    const problems = problemsOf(SEVEN_MISTAKES);
    assert.equal(problems.length, 7, problems.join('\n'));
    for (const key of SEVEN_KEYS) named(problems, key);
    assert.match(named(problems, 'resources.cockpit-sockett'), /did you mean "cockpit-socket"/);
    assert.match(named(problems, 'timing.resyncIntervl'), /unknown key \(did you mean "resyncInterval"\?\)/);
    assert.match(named(problems, 'resources.proxy-cockpit-port.sourse'), /did you mean "source"/);
    assert.match(named(problems, 'resources.cockpit-firewalld.enabled'), /"no".*YAML 1\.2.*write false/);
    assert.match(named(problems, 'resources.cockpit-socket.mode'), /did you mean "dropin"/);
    assert.match(named(problems, 'resources.cockpit-socket.source'), /"aphub".*did you mean "apphub"/);
    assert.match(named(problems, 'timing.maxDebounce'), /must not be shorter than timing\.debounce/);
  });

  it('the list form: positions with the resource name, rules across keys beside schema errors', () => {
    const problems = problemsOf(
      'timing: { backoffInitial: 2m, backoffMax: 1m }\nstatus: { file: relative }\nresources:\n' +
        '  - { name: a, kind: FirewalldServicePort, source: apphub, files: [/x.xml], enabled: off }\n' +
        '  - { name: b, kind: FirewalldServicePort, source: apphub, files: [/x.xml] }\n' +
        '  - { name: c, kind: FirewalldServicePort, source: nope, files: [/y.xml] }\n',
    );
    assert.match(named(problems, 'resources.0.enabled (resource "a")'), /write false/);
    named(problems, 'status.file');
    named(problems, 'timing.backoffMax');
    assert.match(named(problems, 'resources.2.source (resource "c")'), /names no source/);
    assert.equal(problems.length, 4, problems.join('\n'));
  });

  it('ownership between resources by name names both by name', () => {
    const problems = problemsOf('resources:\n  fw2: { kind: FirewalldServicePort, source: apphub, files: [/etc/firewalld/services/cockpit.xml] }\n  cockpit-socket: { mode: 3 }\n');
    assert.match(named(problems, 'resources.fw2.files.0'), /resource "cockpit-firewalld" \(resources\.cockpit-firewalld\.files\.0\)/);
    named(problems, 'resources.cockpit-socket.mode');
  });

  it('did you mean: near words only, never the word itself', () => {
    assert.equal(didYouMean('debunce', ['debounce', 'maxDebounce']), ' (did you mean "debounce"?)');
    assert.equal(didYouMean('Mode', ['mode']), ' (did you mean "mode"?)');
    assert.equal(didYouMean('nginx', ['cockpit-socket', 'cockpit-firewalld']), '');
    assert.equal(didYouMean('mode', ['mode']), '');
    // Any one-letter slip of a known key of six letters or more is found again (property).
    const keys = ['resyncInterval', 'debounce', 'maxDebounce', 'backoffInitial', 'backoffMax', 'passTimeout'];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.nat(), fc.constantFrom('x', ''), (key, at, letter) => {
        const i = at % key.length;
        const typo = key.slice(0, i) + letter + key.slice(i + 1);
        return typo === key || didYouMean(typo, keys) === ` (did you mean "${key}"?)`;
      }),
      { seed: SEED, numRuns: 300, verbose: true },
    );
  });
});

describe('a value that fits none of a key’s forms says what each form needs', () => {
  const withAfterChange = (afterChange: string): string =>
    [
      'sources:',
      '  web: { kind: Containers, labels: [reconcile.vhost] }',
      'resources:',
      '  vhosts:',
      '    kind: Template',
      '    source: web',
      '    template: /etc/reconciler/vhosts.conf.liquid',
      '    path: /etc/nginx/conf.d/vhosts.conf',
      `    afterChange: ${afterChange}`,
      '',
    ].join('\n');

  it('a check without its command: needs one of exec, systemctl (not "Invalid input")', () => {
    const problems = problemsOf(withAfterChange('{ check: { command: [nginx, -t] } }'));
    assert.match(named(problems, 'resources.vhosts.afterChange'), /: needs one of: exec, systemctl$/);
  });

  it('the closest form’s own problems, nested unions included', () => {
    const problems = problemsOf(withAfterChange('{ systemctl: [], check: {} }'));
    assert.match(named(problems, 'resources.vhosts.afterChange'), /systemctl: needs at least one argument; check: needs one of: exec, command$/);
  });

  it('a scalar where an object of either form goes: expected object', () => {
    const problems = problemsOf(withAfterChange('restart'));
    assert.match(named(problems, 'resources.vhosts.afterChange'), /: expected object$/);
  });
});
