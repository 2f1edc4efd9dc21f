import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { configJsonSchema } from '../../src/config/file-schema';

const ROOT = join(__dirname, '..', '..');
const COMMITTED = join(ROOT, 'config', 'schema.json');
const EXAMPLES = ['config/default.yaml', 'deploy/reconciler.yaml', 'deploy/reconciler-swarm.yaml', 'deploy/config.example.yaml'];

const validator = (): ((data: unknown) => string[]) => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(JSON.parse(readFileSync(COMMITTED, 'utf8')) as object);
  return (data) => (validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
};

describe('config/schema.json', () => {
  it('is current (generated from the zod schema)', () => {
    const current = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
    assert.ok(readFileSync(COMMITTED, 'utf8') === current, 'config/schema.json is out of date: run `npm run schema` and commit config/schema.json');
  });

  for (const example of EXAMPLES) {
    it(`validates ${example}, which names it in a yaml-language-server modeline`, () => {
      const text = readFileSync(join(ROOT, example), 'utf8');
      assert.match(text, /^# yaml-language-server: \$schema=\S*schema\.json$/m);
      // An empty file (only comments) is a valid configuration: the profile as it is.
      assert.deepEqual(validator()(parse(text) ?? {}), []);
    });
  }

  it('accepts the override forms and rejects what loading would refuse', () => {
    const check = validator();
    assert.deepEqual(check(parse('resources: { cockpit-socket: { mode: inplace }, cockpit-firewalld: { enabled: false } }\ntiming: { resyncInterval: 1m }\ndocker:\n')), []);
    assert.notDeepEqual(check(parse('timing: { resyncInterval: soon }\n')), []);
    assert.notDeepEqual(check(parse('resources: { cockpit-socket: { mode: sideways } }\n')), []);
    assert.notDeepEqual(check(parse('dockr: { socketPath: /x }\n')), []);
    assert.notDeepEqual(check(parse('resources:\n  - { name: x, kind: FileLine }\n')), []);
  });
});
