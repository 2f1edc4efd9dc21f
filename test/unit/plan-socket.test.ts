import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEmptyPlan, type CommandStep, type Plan } from '../../src/resources/plan';
import { formatListen, listenPorts } from '../../src/resources/systemd-socket-port/listen-stream';
import {
  compareNames,
  effectiveOf,
  planSocket,
  rewritePorts,
  type SocketSettings,
  type SocketState,
  type UnitText,
} from '../../src/resources/systemd-socket-port/plan-socket';
import { cockpitSocketUnit } from '../../harness/websoft9-host';

const UNIT_PATH = '/lib/systemd/system/cockpit.socket';
const DIR = '/etc/systemd/system/cockpit.socket.d';
const LISTEN_CONF = `${DIR}/listen.conf`;

/** The Debian/Ubuntu cockpit-ws unit, as a package upgrade (re)writes it. */
const VENDOR = cockpitSocketUnit(9090);

const dropin: SocketSettings = { unit: 'cockpit.socket', service: 'cockpit.service', mode: 'dropin', dropInPath: LISTEN_CONF };
const inplace: SocketSettings = { ...dropin, mode: 'inplace' };
const noRetry = { retryCommands: false };
const retry = { retryCommands: true };

const RESTART: CommandStep[] = [
  { tool: 'systemctl', args: ['daemon-reload'] },
  { tool: 'systemctl', args: ['restart', 'cockpit.socket'] },
  { tool: 'systemctl', args: ['try-restart', 'cockpit.service'] },
];

const unit = (text: string): UnitText => ({ path: UNIT_PATH, text });
const drop = (name: string, text: string): UnitText => ({ path: `${DIR}/${name}`, text });
const state = (unitText: string | null, ...dropIns: UnitText[]): SocketState => ({
  unit: unitText === null ? null : unit(unitText),
  dropIns: [...dropIns].sort((a, b) => compareNames(a.path, b.path)),
});
const listenConf = (...values: string[]): string => ['[Socket]', 'ListenStream=', ...values.map((v) => `ListenStream=${v}`), ''].join('\n');

/** File content of a change; the planners write text. */
function textOf(content: string | Buffer | null): string | null {
  if (content === null) return null;
  assert.equal(typeof content, 'string');
  return content.toString();
}

/** What apply() would leave on disk: the state with the plan's file changes made. */
function applied(before: SocketState, plan: Plan): SocketState {
  let unitFile = before.unit;
  const dropIns = [...before.dropIns];
  for (const change of plan.changes) {
    const current = change.path === unitFile?.path ? unitFile : dropIns.find((d) => d.path === change.path);
    const after = textOf(change.after) as string;
    assert.equal(textOf(change.before), current?.text ?? null, `before of ${change.path} is what is on disk`);
    assert.notEqual(after, textOf(change.before), `a change to ${change.path} changes something`);
    if (change.path === unitFile?.path) unitFile = { path: String(change.path), text: after };
    else if (current) dropIns[dropIns.indexOf(current)] = { path: String(change.path), text: after };
    else dropIns.push({ path: String(change.path), text: after });
  }
  const name = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
  dropIns.sort((a, b) => compareNames(name(a.path), name(b.path)));
  return { unit: unitFile, dropIns };
}

const effective = (s: SocketState): string[] => effectiveOf(s).map(formatListen);

describe('planSocket, dropin mode', () => {
  const cases: { name: string; port: number; state: SocketState; changes: [string, string | null, string][]; retry?: boolean }[] = [
    {
      name: 'vendor unit: writes listen.conf with a reset and the port',
      port: 9000,
      state: state(VENDOR),
      changes: [[LISTEN_CONF, null, '[Socket]\nListenStream=\nListenStream=9000\n']],
    },
    {
      name: 'vendor unit with CRLF: our drop-in still uses LF',
      port: 9000,
      state: state(VENDOR.replace(/\n/g, '\r\n')),
      changes: [[LISTEN_CONF, null, '[Socket]\nListenStream=\nListenStream=9000\n']],
    },
    {
      name: 'desired port equal to the vendor one but a stale listen.conf',
      port: 9090,
      state: state(VENDOR, drop('listen.conf', listenConf('9001'))),
      changes: [[LISTEN_CONF, listenConf('9001'), listenConf('9090')]],
    },
    {
      name: 'addresses and paths are kept',
      port: 9000,
      state: state('[Socket]\nListenStream=[::]:9090\nListenStream=0.0.0.0:9090\nListenStream=/run/cockpit/ws.sock\n'),
      changes: [[LISTEN_CONF, null, listenConf('[::]:9000', '0.0.0.0:9000', '/run/cockpit/ws.sock')]],
    },
    {
      name: 'only a path: the port is added after it',
      port: 9000,
      state: state('[Socket]\nListenStream=/run/cockpit/ws.sock\n'),
      changes: [[LISTEN_CONF, null, listenConf('/run/cockpit/ws.sock', '9000')]],
    },
    {
      name: 'no ListenStream at all',
      port: 9000,
      state: state('[Unit]\nDescription=x\n'),
      changes: [[LISTEN_CONF, null, listenConf('9000')]],
    },
    {
      name: 'two vendor ports collapse into one',
      port: 9000,
      state: state('[Socket]\nListenStream=9090\nListenStream=9091\n'),
      changes: [[LISTEN_CONF, null, listenConf('9000')]],
    },
    {
      name: 'invalid vendor values are dropped (systemd ignores them too)',
      port: 9000,
      state: state('[Socket]\nListenStream=99999\nListenStream=9090\n'),
      changes: [[LISTEN_CONF, null, listenConf('9000')]],
    },
    {
      name: 'stale listen.conf (9001) is rewritten',
      port: 9000,
      state: state(VENDOR, drop('listen.conf', listenConf('9001'))),
      changes: [[LISTEN_CONF, listenConf('9001'), listenConf('9000')]],
    },
    {
      name: 'listen.conf without reset is rewritten',
      port: 9000,
      state: state(VENDOR, drop('listen.conf', '[Socket]\nListenStream=9000\n')),
      changes: [[LISTEN_CONF, '[Socket]\nListenStream=9000\n', listenConf('9000')]],
    },
    {
      name: 'a drop-in sorting after listen.conf is rewritten too',
      port: 9000,
      state: state(VENDOR, drop('override.conf', '[Socket]\nListenStream=9090\n')),
      changes: [
        [LISTEN_CONF, null, listenConf('9000')],
        [`${DIR}/override.conf`, '[Socket]\nListenStream=9090\n', '[Socket]\nListenStream=9000\n'],
      ],
    },
    {
      name: 'a later drop-in keeps its other lines byte-identical',
      port: 9000,
      state: state(VENDOR, drop('zz.conf', '# mine\r\n[Socket]\r\nBacklog=5\r\nListenStream=[::1]:9090\r\n')),
      changes: [
        [LISTEN_CONF, null, listenConf('9000')],
        [`${DIR}/zz.conf`, '# mine\r\n[Socket]\r\nBacklog=5\r\nListenStream=[::1]:9090\r\n', '# mine\r\n[Socket]\r\nBacklog=5\r\nListenStream=[::1]:9000\r\n'],
      ],
    },
    {
      name: 'an earlier drop-in is the base and is not touched',
      port: 9000,
      state: state(VENDOR, drop('00-local.conf', listenConf('127.0.0.1:9090'))),
      changes: [[LISTEN_CONF, null, listenConf('127.0.0.1:9000')]],
    },
    {
      name: 'stale listen.conf, earlier and later drop-ins together',
      port: 9000,
      state: state(
        VENDOR,
        drop('00-local.conf', '[Socket]\nListenStream=/run/x.sock\n'),
        drop('listen.conf', listenConf('9001')),
        drop('override.conf', '[Socket]\nListenStream=9090\n'),
      ),
      changes: [
        [LISTEN_CONF, listenConf('9001'), listenConf('9000', '/run/x.sock')],
        [`${DIR}/override.conf`, '[Socket]\nListenStream=9090\n', '[Socket]\nListenStream=9000\n'],
      ],
    },
    {
      name: 'not in sync with retryCommands: same plan',
      port: 9000,
      state: state(VENDOR),
      changes: [[LISTEN_CONF, null, listenConf('9000')]],
      retry: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planSocket(c.port, c.state, dropin, c.retry ? retry : noRetry);
      assert.equal(plan.problem, undefined);
      assert.equal(plan.absent, undefined);
      assert.deepEqual(
        plan.changes.map((ch) => [ch.path, textOf(ch.before), textOf(ch.after)]),
        c.changes,
      );
      assert.deepEqual(plan.commands, RESTART);
      assert.ok(!plan.changes.some((ch) => ch.path === UNIT_PATH), 'the vendor unit is never changed');
      assert.deepEqual(listenPorts(effectiveOf(applied(c.state, plan))), [c.port]);
    });
  }

  const inSync: [string, number, SocketState][] = [
    ['listen.conf already right', 9000, state(VENDOR, drop('listen.conf', listenConf('9000')))],
    ['vendor port is the desired one', 9090, state(VENDOR)],
    ['in sync through an address', 9000, state('[Socket]\nListenStream=[::]:9000\nListenStream=/run/x.sock\n')],
    ['in sync although listen.conf is a foreign shape', 9000, state(VENDOR, drop('listen.conf', '[Socket]\r\nListenStream=\r\nListenStream=9000\r\n'))],
    ['in sync through another drop-in', 9000, state(VENDOR, drop('override.conf', listenConf('9000')))],
  ];
  for (const [name, port, s] of inSync) {
    it(`in sync: ${name} -> empty plan`, () => {
      const plan = planSocket(port, s, dropin, noRetry);
      assert.deepEqual(plan, { changes: [], commands: [] });
      assert.ok(isEmptyPlan(plan));
    });
    it(`in sync with retryCommands: ${name} -> only the three systemctl commands`, () => {
      assert.deepEqual(planSocket(port, s, dropin, retry), { changes: [], commands: RESTART });
    });
  }

  const problems: [string, SocketState][] = [
    ['a later drop-in resets to only a path', state(VENDOR, drop('zz.conf', '[Socket]\nListenStream=\nListenStream=/run/only.sock\n'))],
    ['a later drop-in resets to nothing', state(VENDOR, drop('zz.conf', '[Socket]\nListenStream=\n'))],
    ['a later drop-in resets to an invalid value', state(VENDOR, drop('zz.conf', '[Socket]\nListenStream=\nListenStream=99999\n'))],
  ];
  for (const [name, s] of problems) {
    it(`problem: ${name}`, () => {
      for (const options of [noRetry, retry]) {
        const plan = planSocket(9000, s, dropin, options);
        assert.equal(typeof plan.problem, 'string');
        assert.match(plan.problem as string, /cockpit\.socket/);
        assert.deepEqual(plan.changes, []);
        assert.deepEqual(plan.commands, []);
      }
    });
  }

  it('absent: the unit file is missing', () => {
    for (const s of [state(null), state(null, drop('listen.conf', listenConf('9001')))]) {
      for (const settings of [dropin, inplace]) {
        const plan = planSocket(9000, s, settings, retry);
        assert.equal(typeof plan.absent, 'string');
        assert.equal(plan.problem, undefined);
        assert.deepEqual(plan.changes, []);
        assert.deepEqual(plan.commands, []);
      }
    }
  });

  it('uses the configured unit and service names in the commands', () => {
    const settings: SocketSettings = { unit: 'web.socket', service: 'web-worker.service', mode: 'dropin', dropInPath: '/etc/systemd/system/web.socket.d/listen.conf' };
    const plan = planSocket(9000, state(VENDOR), settings, noRetry);
    assert.deepEqual(plan.commands, [
      { tool: 'systemctl', args: ['daemon-reload'] },
      { tool: 'systemctl', args: ['restart', 'web.socket'] },
      { tool: 'systemctl', args: ['try-restart', 'web-worker.service'] },
    ]);
    assert.deepEqual(plan.changes.map((c) => c.path), ['/etc/systemd/system/web.socket.d/listen.conf']);
  });
});

describe('planSocket, inplace mode', () => {
  const cases: { name: string; port: number; state: SocketState; changes: [string, string | null, string][] }[] = [
    {
      name: 'vendor unit: only its ListenStream line changes',
      port: 9000,
      state: state(VENDOR),
      changes: [[UNIT_PATH, VENDOR, VENDOR.replace('ListenStream=9090', 'ListenStream=9000')]],
    },
    {
      name: 'CRLF and byte order mark kept',
      port: 9000,
      state: state(`\uFEFF${VENDOR.replace(/\n/g, '\r\n')}`),
      changes: [[UNIT_PATH, `\uFEFF${VENDOR.replace(/\n/g, '\r\n')}`, `\uFEFF${VENDOR.replace('ListenStream=9090', 'ListenStream=9000').replace(/\n/g, '\r\n')}`]],
    },
    {
      name: 'addresses and paths kept',
      port: 9000,
      state: state('[Socket]\nListenStream=[::]:9090\nListenStream=/run/x.sock\n  ListenStream = 127.0.0.1:9090\n'),
      changes: [[UNIT_PATH, '[Socket]\nListenStream=[::]:9090\nListenStream=/run/x.sock\n  ListenStream = 127.0.0.1:9090\n', '[Socket]\nListenStream=[::]:9000\nListenStream=/run/x.sock\n  ListenStream=127.0.0.1:9000\n']],
    },
    {
      name: 'no port in [Socket]: ListenStream=<port> added there',
      port: 9000,
      state: state('[Unit]\nDescription=x\n\n[Socket]\nListenStream=/run/x.sock\n\n[Install]\nWantedBy=sockets.target\n'),
      changes: [[UNIT_PATH, '[Unit]\nDescription=x\n\n[Socket]\nListenStream=/run/x.sock\n\n[Install]\nWantedBy=sockets.target\n', '[Unit]\nDescription=x\n\n[Socket]\nListenStream=/run/x.sock\nListenStream=9000\n\n[Install]\nWantedBy=sockets.target\n']],
    },
    {
      name: 'no [Socket] section: created',
      port: 9000,
      state: state('[Unit]\nDescription=x\n'),
      changes: [[UNIT_PATH, '[Unit]\nDescription=x\n', '[Unit]\nDescription=x\n\n[Socket]\nListenStream=9000\n']],
    },
    {
      name: 'drop-ins are rewritten too',
      port: 9000,
      state: state(VENDOR, drop('listen.conf', listenConf('9001'))),
      changes: [
        [UNIT_PATH, VENDOR, VENDOR.replace('ListenStream=9090', 'ListenStream=9000')],
        [LISTEN_CONF, listenConf('9001'), listenConf('9000')],
      ],
    },
    {
      name: 'a unit already on the port with a stale drop-in: only the drop-in changes',
      port: 9000,
      state: state(VENDOR.replace('9090', '9000'), drop('override.conf', '[Socket]\nListenStream=9090\n')),
      changes: [[`${DIR}/override.conf`, '[Socket]\nListenStream=9090\n', '[Socket]\nListenStream=9000\n']],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planSocket(c.port, c.state, inplace, noRetry);
      assert.equal(plan.problem, undefined);
      assert.deepEqual(
        plan.changes.map((ch) => [ch.path, textOf(ch.before), textOf(ch.after)]),
        c.changes,
      );
      assert.deepEqual(plan.commands, RESTART);
      assert.deepEqual(listenPorts(effectiveOf(applied(c.state, plan))), [c.port]);
    });
  }

  it('every line but the ListenStream ones stays byte-identical', () => {
    for (const eol of ['\n', '\r\n']) {
      const text = VENDOR.replace(/\n/g, eol);
      const plan = planSocket(12345, state(text), inplace, noRetry);
      const [change] = plan.changes;
      assert.ok(change);
      const before = text.split(eol);
      const after = (textOf(change.after) as string).split(eol);
      assert.equal(after.length, before.length);
      before.forEach((line, i) => assert.equal(after[i], line.startsWith('ListenStream=') ? 'ListenStream=12345' : line));
    }
  });

  it('in sync -> empty plan; with retryCommands -> only the restart commands', () => {
    const s = state(VENDOR.replace('9090', '9000'));
    assert.deepEqual(planSocket(9000, s, inplace, noRetry), { changes: [], commands: [] });
    assert.deepEqual(planSocket(9000, s, inplace, retry), { changes: [], commands: RESTART });
  });

  it('problem: a later drop-in resets to only a path', () => {
    const plan = planSocket(9000, state(VENDOR, drop('zz.conf', '[Socket]\nListenStream=\nListenStream=/run/only.sock\n')), inplace, noRetry);
    assert.equal(typeof plan.problem, 'string');
    assert.deepEqual(plan.changes, []);
    assert.deepEqual(plan.commands, []);
  });
});

describe('rewritePorts', () => {
  const cases: [string, string, number, string][] = [
    ['bare port', '[Socket]\nListenStream=9090\n', 9000, '[Socket]\nListenStream=9000\n'],
    ['address kept', '[Socket]\nListenStream=[::]:9090\n', 9000, '[Socket]\nListenStream=[::]:9000\n'],
    ['IPv4 address kept', '[Socket]\nListenStream=127.0.0.1:9090\n', 9000, '[Socket]\nListenStream=127.0.0.1:9000\n'],
    ['paths, resets and invalid values untouched', '[Socket]\nListenStream=\nListenStream=/run/x.sock\nListenStream=@a\nListenStream=99999\n', 9000, '[Socket]\nListenStream=\nListenStream=/run/x.sock\nListenStream=@a\nListenStream=99999\n'],
    ['already on the port: same text', '[Socket]\n ListenStream = 9000 \n', 9000, '[Socket]\n ListenStream = 9000 \n'],
    ['other sections untouched', '[Service]\nListenStream=9090\n[Socket]\nListenStream=9090\n', 9000, '[Service]\nListenStream=9090\n[Socket]\nListenStream=9000\n'],
    ['comments untouched', '[Socket]\n# ListenStream=9090\nListenStream=9090\n', 9000, '[Socket]\n# ListenStream=9090\nListenStream=9000\n'],
    ['CRLF', '[Socket]\r\nListenStream=9090\r\nBacklog=5\r\n', 9000, '[Socket]\r\nListenStream=9000\r\nBacklog=5\r\n'],
    ['continuation collapsed', '[Socket]\nListenStream=\\\n 9090\nBacklog=5\n', 9000, '[Socket]\nListenStream=9000\nBacklog=5\n'],
    ['no ListenStream', '[Unit]\nDescription=x', 9000, '[Unit]\nDescription=x'],
    ['empty text', '', 9000, ''],
  ];
  for (const [name, text, port, expected] of cases) {
    it(name, () => assert.equal(rewritePorts(text, port), expected));
  }
});

describe('effectiveOf', () => {
  const cases: [string, SocketState, string[]][] = [
    ['vendor', state(VENDOR), ['9090']],
    ['vendor + listen.conf', state(VENDOR, drop('listen.conf', listenConf('9000'))), ['9000']],
    ['drop-ins in the given order, after the unit', state(VENDOR, drop('a.conf', '[Socket]\nListenStream=1\n'), drop('b.conf', listenConf('2'))), ['2']],
    ['drop-in without reset adds', state(VENDOR, drop('a.conf', '[Socket]\nListenStream=[::]:1\n')), ['9090', '[::]:1']],
    ['no unit: drop-ins only', state(null, drop('a.conf', '[Socket]\nListenStream=1\n')), ['1']],
    ['drop-in without [Socket] changes nothing', state(VENDOR, drop('a.conf', '[Unit]\nDescription=y\nListenStream=1\n')), ['9090']],
  ];
  for (const [name, s, expected] of cases) {
    it(name, () => assert.deepEqual(effective(s), expected));
  }
});

describe('compareNames', () => {
  it('orders like strcmp for ASCII names', () => {
    const names = ['z.conf', 'listen.conf', '00-a.conf', 'Listen.conf', 'listen.conf.d', 'listen-2.conf', 'override.conf'];
    assert.deepEqual([...names].sort(compareNames), ['00-a.conf', 'Listen.conf', 'listen-2.conf', 'listen.conf', 'listen.conf.d', 'override.conf', 'z.conf']);
    assert.equal(compareNames('a', 'a'), 0);
  });
});

describe('planSocket is idempotent (apply the plan, plan again: nothing left to do)', () => {
  const units: [string, string][] = [
    ['vendor', VENDOR],
    ['vendor CRLF', VENDOR.replace(/\n/g, '\r\n')],
    ['vendor with BOM', `\uFEFF${VENDOR}`],
    ['vendor already on 9000', VENDOR.replace('9090', '9000')],
    ['addresses', '[Socket]\nListenStream=[::]:9090\nListenStream=0.0.0.0:9090\n'],
    ['path and port', '[Socket]\nListenStream=/run/cockpit.sock\nListenStream=9090\n'],
    ['only a path', '[Socket]\nListenStream=/run/cockpit.sock\n'],
    ['no [Socket]', '[Unit]\nDescription=x\n'],
    ['empty unit', ''],
    ['continuation', '[Socket]\nListenStream=\\\n  9090\nBacklog=5\n'],
    ['invalid value', '[Socket]\nListenStream=99999\nListenStream=9090\n'],
    ['duplicate ports', '[Socket]\nListenStream=9090\nListenStream=9091\nListenStream=9090\n'],
    ['reset in the unit', '[Socket]\nListenStream=9090\nListenStream=\nListenStream=127.0.0.1:9091\n'],
  ];
  const dropInSets: [string, UnitText[]][] = [
    ['no drop-ins', []],
    ['stale listen.conf', [drop('listen.conf', listenConf('9001'))]],
    ['listen.conf on 9000', [drop('listen.conf', listenConf('9000'))]],
    ['listen.conf CRLF', [drop('listen.conf', '[Socket]\r\nListenStream=\r\nListenStream=9000\r\n')]],
    ['listen.conf with only a path', [drop('listen.conf', listenConf('/run/x.sock'))]],
    ['earlier address', [drop('00-local.conf', listenConf('127.0.0.1:9090'))]],
    ['later port', [drop('override.conf', '[Socket]\nListenStream=9090\n')]],
    ['later reset to a path', [drop('zz.conf', listenConf('/run/only.sock'))]],
    ['later reset to nothing', [drop('zz.conf', '[Socket]\nListenStream=\n')]],
    ['unrelated drop-in', [drop('10-limits.conf', '[Socket]\nBacklog=10\n')]],
    ['everything', [drop('00-local.conf', listenConf('[::1]:9090', '/run/y.sock')), drop('listen.conf', listenConf('9001')), drop('override.conf', '[Socket]\r\nListenStream=0.0.0.0:9090\r\n')]],
  ];
  const ports = [1, 80, 443, 9000, 9001, 9090, 9091, 12345, 65535];

  for (const settings of [dropin, inplace]) {
    it(`${settings.mode}: ${units.length} units x ${dropInSets.length} drop-in sets x ${ports.length} ports`, () => {
      let converged = 0;
      let problems = 0;
      for (const [unitName, unitText] of units) {
        for (const [setName, dropIns] of dropInSets) {
          for (const port of ports) {
            const label = `${settings.mode} / ${unitName} / ${setName} / ${port}`;
            const before = state(unitText, ...dropIns);
            const plan = planSocket(port, before, settings, noRetry);
            assert.equal(plan.absent, undefined, label);
            if (plan.problem !== undefined) {
              problems++;
              assert.deepEqual([plan.changes, plan.commands], [[], []], label);
              continue;
            }
            if (isEmptyPlan(plan)) {
              assert.deepEqual(listenPorts(effectiveOf(before)), [port], label);
            } else {
              assert.deepEqual(plan.commands, RESTART, label);
            }
            if (settings.mode === 'dropin') assert.ok(!plan.changes.some((c) => c.path === UNIT_PATH), `${label}: unit untouched`);
            const after = applied(before, plan);
            assert.deepEqual(listenPorts(effectiveOf(after)), [port], `${label}: converges`);
            assert.deepEqual(planSocket(port, after, settings, noRetry), { changes: [], commands: [] }, `${label}: second plan is empty`);
            assert.deepEqual(planSocket(port, after, settings, retry), { changes: [], commands: RESTART }, `${label}: retry only restarts`);
            // Paths survive the rewrite (except in listen.conf, which dropin mode owns and regenerates).
            const others = settings.mode === 'dropin' ? { ...before, dropIns: before.dropIns.filter((d) => d.path !== LISTEN_CONF) } : before;
            const pathsBefore = effectiveOf(others).filter((v) => v.kind === 'other').map(formatListen);
            const pathsAfter = effectiveOf(after).filter((v) => v.kind === 'other').map(formatListen);
            if (!isEmptyPlan(plan)) for (const p of pathsBefore) assert.ok(pathsAfter.includes(p), `${label}: ${p} kept`);
            converged++;
          }
        }
      }
      assert.ok(converged > 0 && problems > 0, `${converged} converged, ${problems} problems`);
    });
  }

  it('moving the port again and again always converges in one step', () => {
    for (const settings of [dropin, inplace]) {
      let s = state(VENDOR, drop('override.conf', '[Socket]\nListenStream=[::]:9090\n'));
      for (const port of [9000, 9001, 9000, 80, 65535, 1, 9090, 9000]) {
        const plan = planSocket(port, s, settings, noRetry);
        assert.equal(plan.problem, undefined);
        s = applied(s, plan);
        assert.deepEqual(listenPorts(effectiveOf(s)), [port]);
        assert.ok(isEmptyPlan(planSocket(port, s, settings, noRetry)));
      }
      if (settings.mode === 'dropin') assert.equal(s.unit?.text, VENDOR);
    }
  });
});
