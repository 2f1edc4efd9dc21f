import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEmptyPlan, type Plan } from '../../src/resources/plan';
import { planFirewalld, RELOAD_FIREWALLD, type FirewalldState } from '../../src/resources/firewalld-service-port/plan-firewalld';
import { parseServicePorts } from '../../src/resources/firewalld-service-port/service-xml';

const ETC = '/etc/firewalld/services/cockpit.xml';
const USR = '/usr/lib/firewalld/services/cockpit.xml';

const xml = (port: string, extra = ''): string =>
  [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<service>',
    '  <short>Cockpit</short>',
    '  <description>Cockpit lets you access and configure your server remotely.</description>',
    `  <port protocol="tcp" port="${port}"/>${extra}`,
    '</service>',
    '',
  ].join('\n');
const VENDOR = xml('9090');
const noRetry = { retryCommands: false };
const retry = { retryCommands: true };

/** The state after apply() wrote the plan's changes. */
function applied(state: FirewalldState, plan: Plan): FirewalldState {
  return {
    files: state.files.map((f) => {
      const change = plan.changes.find((c) => c.path === f.path);
      if (!change) return f;
      assert.equal(change.before, f.text);
      assert.equal(typeof change.after, 'string');
      return { path: f.path, text: change.after.toString() };
    }),
  };
}

describe('RELOAD_FIREWALLD', () => {
  it('is firewall-cmd --reload, only while firewall-cmd --state succeeds', () => {
    assert.ok('tool' in RELOAD_FIREWALLD);
    assert.equal(RELOAD_FIREWALLD.tool, 'firewallCmd');
    assert.deepEqual(RELOAD_FIREWALLD.args, ['--reload']);
    assert.deepEqual(RELOAD_FIREWALLD.onlyIf?.args, ['--state']);
    assert.equal(typeof RELOAD_FIREWALLD.onlyIf?.otherwise, 'string');
  });
});

describe('planFirewalld', () => {
  const cases: { name: string; port: number; files: [string, string][]; changed: [string, string][]; retry?: boolean }[] = [
    { name: 'vendor file on 9090 -> 9000', port: 9000, files: [[USR, VENDOR]], changed: [[USR, xml('9000')]] },
    { name: 'both files rewritten', port: 9000, files: [[ETC, VENDOR], [USR, VENDOR]], changed: [[ETC, xml('9000')], [USR, xml('9000')]] },
    { name: 'only the stale file rewritten', port: 9000, files: [[ETC, xml('9000')], [USR, VENDOR]], changed: [[USR, xml('9000')]] },
    { name: 'udp untouched', port: 9000, files: [[ETC, xml('9090', '\n  <port protocol="udp" port="9090"/>')]], changed: [[ETC, xml('9000', '\n  <port protocol="udp" port="9090"/>')]] },
    { name: 'leading zero is not the port', port: 9000, files: [[ETC, xml('09000')]], changed: [[ETC, xml('9000')]] },
    { name: 'range is not the port', port: 9000, files: [[ETC, xml('9000-9001')]], changed: [[ETC, xml('9000')]] },
    { name: 'one of two tcp ports stale', port: 9000, files: [[ETC, xml('9000', '\n  <port protocol="tcp" port="9090"/>')]], changed: [[ETC, xml('9000', '\n  <port protocol="tcp" port="9000"/>')]] },
    {
      name: 'missing tcp port is inserted',
      port: 9000,
      files: [[ETC, '<service>\n  <short>Cockpit</short>\n</service>\n']],
      changed: [[ETC, '<service>\n  <short>Cockpit</short>\n  <port protocol="tcp" port="9000"/>\n</service>\n']],
    },
    { name: 'not in sync with retryCommands: same plan', port: 9000, files: [[USR, VENDOR]], changed: [[USR, xml('9000')]], retry: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const state: FirewalldState = { files: c.files.map(([path, text]) => ({ path, text })) };
      const plan = planFirewalld(c.port, state, c.retry ? retry : noRetry);
      assert.equal(plan.problem, undefined);
      assert.equal(plan.absent, undefined);
      assert.deepEqual(
        plan.changes.map((ch) => [ch.path, ch.after]),
        c.changed,
      );
      for (const change of plan.changes) assert.equal(change.before, c.files.find(([p]) => p === change.path)?.[1]);
      assert.deepEqual(plan.commands, [RELOAD_FIREWALLD]);
    });
  }

  const inSync: [string, [string, string][]][] = [
    ['one file', [[USR, xml('9000')]]],
    ['two files', [[ETC, xml('9000')], [USR, xml('9000')]]],
    ['tcp in sync, udp elsewhere', [[ETC, xml('9000', '\n  <port protocol="udp" port="1"/>')]]],
    ['single quotes', [[ETC, "<service><port protocol='tcp' port='9000'/></service>"]]],
    ['commented stale port', [[ETC, '<service>\n<!-- <port protocol="tcp" port="9090"/> -->\n<port protocol="tcp" port="9000"/>\n</service>']]],
  ];
  for (const [name, files] of inSync) {
    const state: FirewalldState = { files: files.map(([path, text]) => ({ path, text })) };
    it(`in sync: ${name} -> empty plan, no reload`, () => {
      const plan = planFirewalld(9000, state, noRetry);
      assert.deepEqual(plan, { changes: [], commands: [] });
      assert.ok(isEmptyPlan(plan));
    });
    it(`in sync with retryCommands: ${name} -> only the reload`, () => {
      assert.deepEqual(planFirewalld(9000, state, retry), { changes: [], commands: [RELOAD_FIREWALLD] });
    });
  }

  const problems: [string, [string, string][]][] = [
    ['a zone file', [[ETC, '<zone><port protocol="tcp" port="9090"/></zone>']]],
    ['an empty file', [[ETC, '']]],
    ['a half-written file', [[ETC, '<?xml version="1.0"?>\n<service>\n  <port protocol="tcp" port="9090"/>\n']]],
    ['one good and one bad file', [[ETC, VENDOR], [USR, 'garbage']]],
  ];
  for (const [name, files] of problems) {
    it(`problem: ${name} -> nothing written, no reload`, () => {
      for (const options of [noRetry, retry]) {
        const plan = planFirewalld(9000, { files: files.map(([path, text]) => ({ path, text })) }, options);
        assert.equal(typeof plan.problem, 'string');
        assert.ok((plan.problem as string).length > 0);
        assert.deepEqual(plan.changes, []);
        assert.deepEqual(plan.commands, []);
      }
    });
  }

  it('absent: no file exists -> nothing to do, even when retrying', () => {
    for (const options of [noRetry, retry]) {
      const plan = planFirewalld(9000, { files: [] }, options);
      assert.equal(typeof plan.absent, 'string');
      assert.equal(plan.problem, undefined);
      assert.deepEqual(plan.changes, []);
      assert.deepEqual(plan.commands, []);
    }
  });

  it('is idempotent: apply the plan, plan again -> empty (many ports and files)', () => {
    const variants: string[] = [
      VENDOR,
      VENDOR.replace(/\n/g, '\r\n'),
      xml('9000'),
      xml('9090', '\n  <port protocol="udp" port="9090"/>'),
      xml('9090', '\n  <port protocol="tcp" port="9091"/>'),
      "<service><port port='1' protocol='tcp'/></service>",
      '<service>\n  <short>x</short>\n</service>\n',
      '<service><port protocol="udp" port="53"/></service>',
      '<service>\n<!-- <port protocol="tcp" port="9090"/> -->\n</service>',
      '<service><port protocol="tcp"/></service>',
    ];
    let count = 0;
    for (const port of [1, 80, 443, 9000, 9090, 9091, 65535]) {
      for (const a of variants) {
        for (const b of [null, ...variants]) {
          const state: FirewalldState = { files: [{ path: ETC, text: a }, ...(b === null ? [] : [{ path: USR, text: b }])] };
          const plan = planFirewalld(port, state, noRetry);
          assert.equal(plan.problem, undefined);
          assert.equal(plan.commands.length, plan.changes.length > 0 ? 1 : 0);
          const after = applied(state, plan);
          for (const file of after.files) {
            const parsed = parseServicePorts(file.text);
            assert.ok(parsed.ok);
            if (parsed.ok) assert.deepEqual([...new Set(parsed.tcpPorts)], [String(port)]);
          }
          assert.deepEqual(planFirewalld(port, after, noRetry), { changes: [], commands: [] });
          count++;
        }
      }
    }
    assert.equal(count, 7 * variants.length * (variants.length + 1));
  });
});
