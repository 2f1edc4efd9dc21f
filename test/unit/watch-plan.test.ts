import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planWatch } from '../../src/sources/watch-plan';

/** A fake file system: the directories and files that exist. */
function fs(dirs: string[], files: string[] = []): (path: string) => boolean | null {
  const d = new Set(dirs);
  const f = new Set(files);
  return (path) => (d.has(path) ? true : f.has(path) ? false : null);
}

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
    assert.ok(plan.directories.includes(VOLUME));
  });

  it('watches the directory of an existing file, not the file', () => {
    assert.ok(plan.directories.includes('/lib/systemd/system'));
    assert.ok(!plan.directories.includes(UNIT));
  });

  it('watches a missing path through its nearest existing parent', () => {
    assert.ok(plan.directories.includes('/etc/systemd/system')); // the drop-in dir does not exist
    assert.ok(plan.directories.includes('/etc')); // /etc/firewalld does not exist
    assert.ok(plan.directories.includes('/usr/lib')); // /usr/lib/firewalld does not exist
    assert.ok(!plan.directories.includes(DROPIN_DIR));
  });

  it('lists each directory once, sorted', () => {
    assert.deepEqual(plan.directories, ['/etc', '/etc/systemd/system', '/lib/systemd/system', '/usr/lib', VOLUME]);
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
    assert.deepEqual(later.directories, [DROPIN_DIR]);
    assert.equal(later.matters(DROPIN), true);
    assert.equal(later.matters(`${DROPIN_DIR}/zz-other.conf`), true);
    assert.equal(later.matters('/etc/systemd/system/other.socket'), false);
  });

  it('a file of interest in a missing directory: the file matters once it appears', () => {
    const p = planWatch([DROPIN], fs(['/', '/etc', '/etc/systemd', '/etc/systemd/system']));
    assert.deepEqual(p.directories, ['/etc/systemd/system']);
    assert.equal(p.matters(DROPIN_DIR), true);
    assert.equal(p.matters(DROPIN), true);
    assert.equal(p.matters(`${DROPIN_DIR}/other.conf`), false);
  });

  it('falls back to / when nothing on the path exists', () => {
    const p = planWatch(['/nowhere/at/all.conf'], fs(['/']));
    assert.deepEqual(p.directories, ['/']);
    assert.equal(p.matters('/nowhere'), true);
  });

  it('an empty list plans nothing', () => {
    const p = planWatch([], fs(['/']));
    assert.deepEqual(p.directories, []);
    assert.equal(p.matters('/etc/passwd'), false);
  });
});
