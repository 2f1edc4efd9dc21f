import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planWatch, pollSeesChange, watchChanges, watchProblems, type LiveWatch, type Probe, type WatchMode, type WatchPlan } from '../../src/triggers/watch-plan';

/** A fake file system: the directories and files that exist; a directory's identity is `id:<path>` unless given. */
function fs(dirs: string[], files: string[] = [], ids: Record<string, string> = {}): Probe {
  const d = new Set(dirs);
  const f = new Set(files);
  return (path) => (d.has(path) ? { directory: true, id: ids[path] ?? `id:${path}` } : f.has(path) ? { directory: false, id: `id:${path}` } : null);
}

const dirsOf = (plan: WatchPlan): string[] => [...plan.directories.keys()];

const UNIT = '/lib/systemd/system/cockpit.socket';
const DROPIN_DIR = '/etc/systemd/system/cockpit.socket.d';
const DROPIN = `${DROPIN_DIR}/listen.conf`;
const FW_ETC = '/etc/firewalld/services/cockpit.xml';
const FW_USR = '/usr/lib/firewalld/services/cockpit.xml';
const VOLUME = '/var/lib/docker/volumes/websoft9_apphub_config/_data';

describe('planWatch', () => {
  const host = fs(
    ['/', '/lib', '/lib/systemd', '/lib/systemd/system', '/etc', '/etc/systemd', '/etc/systemd/system', '/usr', '/usr/lib', '/var', '/var/lib', '/var/lib/docker', '/var/lib/docker/volumes', '/var/lib/docker/volumes/websoft9_apphub_config', VOLUME],
    [UNIT, `${VOLUME}/config.ini`],
  );
  const plan = planWatch([UNIT, DROPIN_DIR, FW_ETC, FW_USR, VOLUME], host);

  it('watches an existing directory of interest itself', () => {
    assert.ok(dirsOf(plan).includes(VOLUME));
  });

  it('watches the directory of an existing file, not the file', () => {
    assert.ok(dirsOf(plan).includes('/lib/systemd/system'));
    assert.ok(!dirsOf(plan).includes(UNIT));
  });

  it('watches a missing path through its nearest existing parent', () => {
    assert.ok(dirsOf(plan).includes('/etc/systemd/system')); // the drop-in dir does not exist
    assert.ok(dirsOf(plan).includes('/etc')); // /etc/firewalld does not exist
    assert.ok(dirsOf(plan).includes('/usr/lib')); // /usr/lib/firewalld does not exist
    assert.ok(!dirsOf(plan).includes(DROPIN_DIR));
  });

  it('watches every directory from / down to each path, each once, sorted, with its identity', () => {
    assert.deepEqual(dirsOf(plan), [
      '/', '/etc', '/etc/systemd', '/etc/systemd/system', '/lib', '/lib/systemd', '/lib/systemd/system', '/usr', '/usr/lib',
      '/var', '/var/lib', '/var/lib/docker', '/var/lib/docker/volumes', '/var/lib/docker/volumes/websoft9_apphub_config', VOLUME,
    ]);
    assert.deepEqual(plan.directories.get('/etc'), { id: 'id:/etc', mode: 'poll' }); // above cockpit.xml's missing directory
  });

  it('watches paths of interest, their parents and grandparents by events, the directories above them by polling', () => {
    const modes = Object.fromEntries([...plan.directories].map(([d, p]) => [d, p.mode]));
    assert.deepEqual(modes, {
      '/': 'poll',
      '/etc': 'poll',
      '/etc/systemd': 'events', // its grandparent
      '/etc/systemd/system': 'events', // the parent of the (missing) drop-in directory
      '/lib': 'poll',
      '/lib/systemd': 'events',
      '/lib/systemd/system': 'events', // the unit's directory
      '/usr': 'poll',
      '/usr/lib': 'poll',
      '/var': 'poll',
      '/var/lib': 'poll',
      '/var/lib/docker': 'poll',
      '/var/lib/docker/volumes': 'events', // the volume's grandparent
      '/var/lib/docker/volumes/websoft9_apphub_config': 'events', // the volume's parent
      [VOLUME]: 'events', // a directory of interest
    });
  });

  it('stops at a file standing where a directory is expected', () => {
    const p = planWatch([DROPIN], fs(['/', '/etc', '/etc/systemd'], ['/etc/systemd/system']));
    assert.deepEqual(dirsOf(p), ['/', '/etc', '/etc/systemd']);
  });

  const matters: [string, boolean, string][] = [
    [UNIT, true, 'the unit file itself (replaced by rename)'],
    [`${VOLUME}/config.ini`, true, 'a file inside a watched directory of interest'],
    [`${VOLUME}/other.ini`, true, 'any entry inside a directory of interest'],
    [VOLUME, true, 'the directory of interest itself'],
    [DROPIN_DIR, true, 'the drop-in directory being created'],
    ['/etc/firewalld', true, 'a created parent of a missing file'],
    ['/etc/firewalld/services', true, 'a deeper created parent'],
    [FW_ETC, true, 'the firewalld override appearing'],
    [FW_USR, true, 'the vendor firewalld file'],
    ['/lib/systemd/system/ssh.service', false, 'another unit file next to cockpit.socket'],
    ['/lib/systemd/system/cockpit.service', false, 'cockpit.service is not cockpit.socket'],
    ['/lib/systemd/system/cockpit.socket.bak', false, 'a name that merely starts with the file name'],
    ['/etc/systemd/system/multi-user.target.wants', false, 'an unrelated sibling directory'],
    ['/etc/systemd/system/cockpit.socket.d2', false, 'a sibling whose name starts with the drop-in dir'],
    ['/etc/passwd', false, 'an unrelated file in a watched parent'],
    ['/usr/lib/os-release', false, 'an unrelated file in /usr/lib'],
    [`${VOLUME}/sub/deeper.ini`, false, 'two levels below a directory of interest'],
  ];
  for (const [path, expected, why] of matters) {
    it(`matters(${path}) is ${expected}: ${why}`, () => {
      assert.equal(plan.matters(path), expected);
    });
  }

  it('once the drop-in directory exists, its entries matter', () => {
    const later = planWatch([DROPIN_DIR], fs(['/', '/etc', '/etc/systemd', '/etc/systemd/system', DROPIN_DIR]));
    assert.deepEqual(dirsOf(later), ['/', '/etc', '/etc/systemd', '/etc/systemd/system', DROPIN_DIR]);
    assert.equal(later.matters(DROPIN), true);
    assert.equal(later.matters(`${DROPIN_DIR}/zz-other.conf`), true);
    assert.equal(later.matters('/etc/systemd/system/other.socket'), false);
  });

  it('a file of interest in a missing directory: the file matters once it appears', () => {
    const p = planWatch([DROPIN], fs(['/', '/etc', '/etc/systemd', '/etc/systemd/system']));
    assert.deepEqual(dirsOf(p), ['/', '/etc', '/etc/systemd', '/etc/systemd/system']);
    assert.equal(p.matters(DROPIN_DIR), true);
    assert.equal(p.matters(DROPIN), true);
    assert.equal(p.matters(`${DROPIN_DIR}/other.conf`), false);
  });

  it('falls back to / when nothing on the path exists', () => {
    const p = planWatch(['/nowhere/at/all.conf'], fs(['/']));
    assert.deepEqual(dirsOf(p), ['/']);
    assert.equal(p.matters('/nowhere'), true);
  });

  it('an empty list plans nothing', () => {
    const p = planWatch([], fs(['/']));
    assert.deepEqual(dirsOf(p), []);
    assert.equal(p.matters('/etc/passwd'), false);
  });
});

describe('watchChanges and watchProblems', () => {
  const dirs = ['/', '/etc', '/etc/systemd', '/etc/systemd/system', DROPIN_DIR];
  const modeOf = (d: string): WatchMode => ([DROPIN_DIR, '/etc/systemd/system', '/etc/systemd'].includes(d) ? 'events' : 'poll');
  const live = (entries: [string, string, boolean?][]): Map<string, LiveWatch> =>
    new Map(entries.map(([d, id, failed]) => [d, { id, mode: modeOf(d), failed: failed ?? false }]));
  const all = (): [string, string][] => dirs.map((d) => [d, `id:${d}`]);

  it('nothing to do when every planned directory is watched by its current inode', () => {
    const plan = planWatch([DROPIN_DIR], fs(dirs));
    assert.deepEqual(watchChanges(plan, live(all())), { start: [], stop: [] });
    assert.deepEqual(watchProblems(plan, live(all())), []);
  });

  it('a directory that appeared is started; one that vanished is stopped', () => {
    const plan = planWatch([DROPIN_DIR], fs(dirs));
    const without = live(all().filter(([d]) => d !== DROPIN_DIR));
    assert.deepEqual(watchChanges(plan, without), { start: [DROPIN_DIR], stop: [] });
    assert.deepEqual(watchProblems(plan, without), [`${DROPIN_DIR} (id:${DROPIN_DIR}) is not watched`]);
    const gone = planWatch([DROPIN_DIR], fs(dirs.slice(0, 4)));
    assert.deepEqual(watchChanges(gone, live(all())), { start: [], stop: [DROPIN_DIR] });
  });

  it('a replaced directory (new identity) is stopped and started again, and so is each replaced parent', () => {
    const plan = planWatch([DROPIN_DIR], fs(dirs, [], { '/etc/systemd': 'new', [DROPIN_DIR]: 'new2' }));
    assert.deepEqual(watchChanges(plan, live(all())), { start: ['/etc/systemd', DROPIN_DIR], stop: ['/etc/systemd', DROPIN_DIR] });
    assert.deepEqual(watchProblems(plan, live(all())), [
      `/etc/systemd is watched by id:/etc/systemd, but is now new`,
      `${DROPIN_DIR} is watched by id:${DROPIN_DIR}, but is now new2`,
    ]);
  });

  it('a directory whose mode changed is started again', () => {
    const plan = planWatch([DROPIN_DIR], fs(dirs));
    const wrongMode = live(all());
    (wrongMode.get('/etc') as LiveWatch).mode = 'events';
    assert.deepEqual(watchChanges(plan, wrongMode), { start: ['/etc'], stop: ['/etc'] });
    assert.deepEqual(watchProblems(plan, wrongMode), ['/etc (id:/etc) is watched by events, not poll']);
  });

  it('the poll stats only the directories above the events ones, and sees them appear, vanish or be replaced', () => {
    const base = fs(['/', '/etc', '/etc/systemd', '/etc/systemd/system']);
    const plan = planWatch([DROPIN_DIR], base);
    const probed: string[] = [];
    const spy = (probe: Probe): Probe => (p) => (probed.push(p), probe(p));
    assert.equal(pollSeesChange(plan, spy(base)), false);
    assert.deepEqual(probed, ['/', '/etc'], 'below /etc, /etc/systemd is watched by events');
    assert.equal(pollSeesChange(plan, fs(['/', '/etc', '/etc/systemd', '/etc/systemd/system'], [], { '/etc': 'new' })), true, '/etc replaced');
    assert.equal(pollSeesChange(plan, fs(['/'])), true, '/etc gone');
    const missing = planWatch([DROPIN_DIR], fs(['/', '/etc']));
    assert.equal(pollSeesChange(missing, fs(['/', '/etc'])), false);
    assert.equal(pollSeesChange(missing, base), true, '/etc/systemd appeared');
  });

  it('a failed watch is started again', () => {
    const plan = planWatch([DROPIN_DIR], fs(dirs));
    const failed = live(all().map(([d, id]) => [d, id, d === '/etc']));
    assert.deepEqual(watchChanges(plan, failed), { start: ['/etc'], stop: ['/etc'] });
    assert.equal(watchProblems(plan, failed).length, 1);
  });
});
