import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileSystem } from '../../src/host/file-system';
import { HolderMemo, checkListening, listeningCondition } from '../../src/resources/systemd-socket-port/listening';
import { planSocket, type SocketState } from '../../src/resources/systemd-socket-port/plan-socket';
import type { RunningSocket } from '../../src/resources/systemd-socket-port/running-state';

const L = (address: string, port: number, inode: string) => ({ address, port, inode });

describe('listeningCondition', () => {
  it('NotListening when no LISTEN entry has the port', () => {
    assert.equal(listeningCondition(9000, [L('0.0.0.0', 9090, '1')], []).reason, 'NotListening');
  });
  it('True when systemd or cockpit holds it', () => {
    const c = listeningCondition(9000, [L('::', 9000, '1')], [{ pid: 1, program: 'systemd' }, { pid: 50, program: 'cockpit-ws' }]);
    assert.equal(c.status, 'True');
    assert.match(c.message, /systemd, cockpit-ws/);
  });
  it('Unknown (HolderUnknown) when no visible process holds the socket; the restart is not blocked', () => {
    const c = listeningCondition(9000, [L('0.0.0.0', 9000, '7')], []);
    assert.deepEqual([c.status, c.reason], ['Unknown', 'HolderUnknown']);
  });
  it('PortInUse naming the program when another process holds it', () => {
    const c = listeningCondition(9000, [L('0.0.0.0', 9000, '7')], [{ pid: 4242, program: 'nginx' }]);
    assert.deepEqual([c.status, c.reason], ['False', 'PortInUse']);
    assert.match(c.message, /nginx \(pid 4242\)/);
  });
});

/** A /proc made of a map: files and links. */
function fakeProc(files: Record<string, string>, links: Record<string, string>): FileSystem {
  const no = (): never => {
    throw new Error('unused');
  };
  return {
    readFile: async (p) => (String(p) in files ? Buffer.from(files[String(p)] as string) : null),
    listDir: async (p) => {
      const names = new Set([...Object.keys(files), ...Object.keys(links)].filter((k) => k.startsWith(`${p}/`)).map((k) => k.slice(p.length + 1).split('/')[0] as string));
      return names.size === 0 ? null : [...names];
    },
    readLink: async (p) => links[p] ?? null,
    exists: no,
    writeFileAtomic: no,
    remove: no,
    listTree: no,
    realPath: no,
  };
}

const TCP = '  sl  local_address rem_address   st\n   0: 00000000:2328 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0 100 0 0 10 0\n';

describe('checkListening', () => {
  it('finds the holder through /proc/<pid>/fd and comm', async () => {
    const fs = fakeProc({ '/proc/1/net/tcp': TCP, '/proc/1/comm': 'init\n', '/proc/33/comm': 'python3\n' }, { '/proc/1/fd/0': '/dev/null', '/proc/33/fd/3': 'socket:[777]' });
    const c = await checkListening(fs, '/proc/1/net', 9000);
    assert.equal(c.reason, 'PortInUse');
    assert.match(c.message, /python3 \(pid 33\)/);
  });
  it('ListenCheckFailed when neither tcp nor tcp6 exists', async () => {
    assert.equal((await checkListening(fakeProc({}, {}), '/proc/1/net', 9000)).status, 'Unknown');
  });
});

describe('planSocket with the Listening condition', () => {
  const unit = { path: '/lib/systemd/system/cockpit.socket', text: '[Socket]\nListenStream=9090\n' };
  const settings = { unit: 'cockpit.socket', service: 'cockpit.service', mode: 'dropin' as const, dropInPath: '/etc/systemd/system/cockpit.socket.d/listen.conf' };
  const inUse = listeningCondition(9000, [L('0.0.0.0', 9000, '7')], [{ pid: 5, program: 'nginx' }]);
  it('PortInUse: nothing written, no restart', () => {
    const state: SocketState = { unit, dropIns: [], listening: inUse };
    const plan = planSocket(9000, state, settings, { retryCommands: false });
    assert.deepEqual([plan.changes, plan.commands, plan.problemReason], [[], [], 'PortInUse']);
    assert.match(plan.problem ?? '', /nginx.*not restarting cockpit\.socket/);
  });
  it('PortInUse while in sync: no retried restart either', () => {
    const state: SocketState = { unit: { ...unit, text: '[Socket]\nListenStream=9000\n' }, dropIns: [], listening: inUse };
    assert.equal(planSocket(9000, state, settings, { retryCommands: true }).problemReason, 'PortInUse');
    assert.deepEqual(planSocket(9000, state, settings, { retryCommands: false }), { changes: [], commands: [] });
  });
  it('NotListening does not block the restart', () => {
    const state: SocketState = { unit, dropIns: [], listening: listeningCondition(9000, [], []) };
    assert.equal(planSocket(9000, state, settings, { retryCommands: false }).commands.length, 3);
  });
});

describe('Listening with systemd’s word and the memo of the /proc walk', () => {
  const active: RunningSocket = { needDaemonReload: false, listenPorts: [9000], activeState: 'active' };
  it('holders hidden, systemd says the socket unit is active on the port: True', () => {
    const c = listeningCondition(9000, [L('::', 9000, '7')], [], { unit: 'cockpit.socket', running: active });
    assert.deepEqual([c.status, c.reason], ['True', 'Listening']);
    assert.match(c.message, /cockpit\.socket is active/);
  });
  const cases: [string, RunningSocket][] = [
    ['failed', { ...active, activeState: 'failed' }],
    ['on another port', { ...active, listenPorts: [9090] }],
    ['unknown', { needDaemonReload: null, listenPorts: null, activeState: null }],
  ];
  for (const [name, running] of cases) {
    it(`holders hidden, the socket unit ${name}: HolderUnknown`, () => {
      assert.equal(listeningCondition(9000, [L('::', 9000, '7')], [], { unit: 'cockpit.socket', running }).reason, 'HolderUnknown');
    });
  }
  it('a foreign holder seen wins over systemd’s word', () => {
    const c = listeningCondition(9000, [L('::', 9000, '7')], [{ pid: 9, program: 'nc' }], { unit: 'cockpit.socket', running: active });
    assert.equal(c.reason, 'PortInUse');
  });
  it('walks /proc again only when the listening sockets change', async () => {
    const tcp = (inode: string): string => TCP.replace(' 777 ', ` ${inode} `);
    const files: Record<string, string> = { '/proc/1/net/tcp': tcp('777'), '/proc/33/comm': 'python3\n', '/proc/44/comm': 'nginx\n' };
    const links: Record<string, string> = { '/proc/33/fd/3': 'socket:[777]', '/proc/44/fd/5': 'socket:[888]' };
    const memo = new HolderMemo();
    const proc = fakeProc(files, links);
    for (let i = 0; i < 3; i++) assert.match((await checkListening(proc, '/proc/1/net', 9000, { memo })).message, /python3/);
    assert.equal(memo.walks, 1);
    files['/proc/1/net/tcp'] = tcp('888');
    assert.match((await checkListening(proc, '/proc/1/net', 9000, { memo })).message, /nginx \(pid 44\)/);
    assert.equal(memo.walks, 2);
  });
});
