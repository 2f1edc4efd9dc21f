import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSemanagePorts, planSelinuxPort, typesOf } from '../../src/resources/selinux-port-type/semanage-ports';

// `semanage port -l` as RHEL 9 prints it (abridged).
const LISTED = `SELinux Port Type              Proto    Port Number

http_port_t                    tcp      80, 81, 443, 488, 8008, 8009, 8443, 9000
unreserved_port_t              tcp      61000-65535, 1024-32767
websm_port_t                   tcp      9090
websm_port_t                   udp      9090
`;
const settings = { type: 'websm_port_t', protocol: 'tcp' as const };
const noRetry = { retryCommands: false };

describe('parseSemanagePorts and planSelinuxPort', () => {
  const entries = parseSemanagePorts(LISTED);
  it('reads lists and ranges, skips the header', () => {
    assert.equal(entries.length, 4);
    assert.deepEqual(entries[1], { type: 'unreserved_port_t', protocol: 'tcp', ranges: [[61000, 65535], [1024, 32767]] });
    assert.deepEqual(typesOf(entries, 'tcp', 9000), ['http_port_t', 'unreserved_port_t']);
  });
  it('in sync when the type lists the port alone or in its list', () => {
    assert.deepEqual(planSelinuxPort(9090, { enabled: true, entries }, settings, noRetry), { changes: [], commands: [] });
  });
  it('-m when another type lists exactly this port, -a when only a range covers it', () => {
    assert.deepEqual(planSelinuxPort(9000, { enabled: true, entries }, settings, noRetry).commands, [{ tool: 'semanage', args: ['port', '-m', '-t', 'websm_port_t', '-p', 'tcp', '9000'] }]);
    assert.deepEqual(planSelinuxPort(9443, { enabled: true, entries }, settings, noRetry).commands, [{ tool: 'semanage', args: ['port', '-a', '-t', 'websm_port_t', '-p', 'tcp', '9443'] }]);
  });
  it('udp entries do not count for tcp', () => {
    assert.equal(planSelinuxPort(9090, { enabled: true, entries: entries.filter((e) => e.protocol === 'udp') }, settings, noRetry).commands.length, 1);
  });
  it('NotApplicable where SELinux is off', () => {
    assert.deepEqual(planSelinuxPort(9000, { enabled: false, why: 'SELinux is disabled on this host' }, settings, noRetry), { changes: [], commands: [], notApplicable: 'SELinux is disabled on this host' });
  });
});
