import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileSystem } from '../../src/host/file-system';
import { checkListening, listeningCondition } from '../../src/resources/systemd-socket-port/listening';
import { planSocket, type SocketState } from '../../src/resources/systemd-socket-port/plan-socket';

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
    writeFileInPlace: no,
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
