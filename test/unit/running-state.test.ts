import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandResult, CommandRunner } from '../../src/host/command-runner';
import type { CommandStep } from '../../src/resources/plan';
import { planSocket, type SocketState } from '../../src/resources/systemd-socket-port/plan-socket';
import { parseShow, systemctlShow, type RunningSocket } from '../../src/resources/systemd-socket-port/running-state';
import { cockpitSocketUnit } from '../../harness/websoft9-host';

const DIR = '/etc/systemd/system/cockpit.socket.d';
const settings = { unit: 'cockpit.socket', service: 'cockpit.service', mode: 'dropin' as const, dropInPath: `${DIR}/listen.conf` };
const inSync = (running?: RunningSocket): SocketState => ({
  unit: { path: '/lib/systemd/system/cockpit.socket', text: cockpitSocketUnit(9090) },
  dropIns: [{ path: `${DIR}/listen.conf`, text: '[Socket]\nListenStream=\nListenStream=9000\n' }],
  ...(running ? { running } : {}),
});
const args = (commands: CommandStep[]): string[] => commands.map((c) => ('exec' in c ? c.exec.argv : c.args).join(' '));

describe('parseShow (systemctl show -p NeedDaemonReload,Listen)', () => {
  const cases: [string, string, RunningSocket][] = [
    ['nothing (a stand-in)', '', { needDaemonReload: null, listenPorts: null, activeState: null }],
    ['reload needed, IPv6 any', 'NeedDaemonReload=yes\nListen=[::]:9090 (Stream)\n', { needDaemonReload: true, listenPorts: [9090], activeState: null }],
    ['in sync, two addresses one port', 'NeedDaemonReload=no\nListen=0.0.0.0:9000 (Stream)\nListen=[::]:9000 (Stream)\n', { needDaemonReload: false, listenPorts: [9000], activeState: null }],
    ['bare port', 'Listen=9000 (Stream)', { needDaemonReload: null, listenPorts: [9000], activeState: null }],
    ['unix socket and datagram ignored', 'Listen=/run/cockpit/sock (Stream)\nListen=[::]:53 (Datagram)\n', { needDaemonReload: null, listenPorts: null, activeState: null }],
    ['garbage', 'NeedDaemonReload=maybe\nListen=[::]:99999 (Stream)\nListen=x', { needDaemonReload: null, listenPorts: null, activeState: null }],
    ['active socket', 'NeedDaemonReload=no\nListen=[::]:9000 (Stream)\nActiveState=active\n', { needDaemonReload: false, listenPorts: [9000], activeState: 'active' }],
    ['failed socket, hostile state ignored', 'ActiveState=failed\nActiveState=x y', { needDaemonReload: null, listenPorts: null, activeState: 'failed' }],
    ['CRLF', 'NeedDaemonReload=yes\r\n', { needDaemonReload: true, listenPorts: null, activeState: null }],
  ];
  for (const [name, stdout, expected] of cases) it(name, () => assert.deepEqual(parseShow(stdout), expected));
});

describe('planSocket with the running state', () => {
  it('files right, nothing known: nothing to do', () => {
    assert.deepEqual(planSocket(9000, inSync(), settings, { retryCommands: false }).commands, []);
    assert.deepEqual(planSocket(9000, inSync({ needDaemonReload: null, listenPorts: null, activeState: null }), settings, { retryCommands: false }).commands, []);
  });
  it('NeedDaemonReload=yes: daemon-reload and the restarts', () => {
    const plan = planSocket(9000, inSync({ needDaemonReload: true, listenPorts: [9000], activeState: null }), settings, { retryCommands: false });
    assert.deepEqual(args(plan.commands), ['daemon-reload', 'restart cockpit.socket', 'try-restart cockpit.service']);
    assert.deepEqual(plan.changes, []);
  });
  it('loaded but still listening on the old port: the restarts only', () => {
    const plan = planSocket(9000, inSync({ needDaemonReload: false, listenPorts: [9090], activeState: null }), settings, { retryCommands: false });
    assert.deepEqual(args(plan.commands), ['restart cockpit.socket', 'try-restart cockpit.service']);
  });
  it('loaded and listening on the desired port: in sync', () => {
    assert.deepEqual(planSocket(9000, inSync({ needDaemonReload: false, listenPorts: [9000], activeState: null }), settings, { retryCommands: false }).commands, []);
  });
});

describe('systemctlShow', () => {
  const runner = (result: CommandResult | Error): CommandRunner & { argv: string[][] } => {
    const argv: string[][] = [];
    return { argv, run: async (a) => (argv.push([...a]), result instanceof Error ? Promise.reject(result) : result) };
  };
  const commands = { prefix: ['nsenter', '-t', '1', '--'], systemctl: ['systemctl'], firewallCmd: ['firewall-cmd'], timeoutMs: 1000 };
  it('asks through commands.prefix and commands.systemctl', async () => {
    const r = runner({ kind: 'exited', exitCode: 0, stdout: 'NeedDaemonReload=yes\n', stderr: '' });
    assert.deepEqual(await systemctlShow(r, commands)('cockpit.socket'), { needDaemonReload: true, listenPorts: null, activeState: null });
    assert.deepEqual(r.argv, [['nsenter', '-t', '1', '--', 'systemctl', 'show', '-p', 'NeedDaemonReload,Listen,ActiveState', 'cockpit.socket']]);
  });
  it('a failure of any kind is unknown', async () => {
    const unknown = { needDaemonReload: null, listenPorts: null, activeState: null };
    for (const result of [
      { kind: 'exited', exitCode: 1, stdout: 'NeedDaemonReload=yes', stderr: '' },
      { kind: 'not-found', message: 'ENOENT' },
      { kind: 'timed-out', timeoutMs: 1000, stderr: '' },
      new Error('boom'),
    ] as (CommandResult | Error)[]) {
      assert.deepEqual(await systemctlShow(runner(result), commands)('cockpit.socket'), unknown);
    }
  });
});
