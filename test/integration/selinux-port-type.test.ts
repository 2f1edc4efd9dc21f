import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExecCommandRunner } from '../../src/adapters/exec-command-runner';
import { NodeFileSystem } from '../../src/adapters/node-file-system';
import { systemClock } from '../../src/adapters/system-clock';
import { runPass } from '../../src/controller/run-pass';
import type { DesiredSource } from '../../src/sources/desired';
import type { DockerHost } from '../../src/host/docker-host';
import type { CommandSettings } from '../../src/resources/apply-plan';
import { SelinuxPortType } from '../../src/resources/selinux-port-type/selinux-port-type';

/**
 * A recording `semanage` stand-in keeping its port table in a file (what the policy store does),
 * and a `selinuxenabled` whose answer a flag file decides.
 */
const SEMANAGE = `#!/bin/sh
root=\${0%/bin/semanage}
printf '%s\\n' "semanage $*" >> "$root/commands.log"
state="$root/ports"
# Whether protocol $1 port $2 is listed (alone or in a list) by any type.
defined() {
  awk -v p="$1" -v n="$2" '$2 == p { for (i = 3; i <= NF; i++) { x = $i; sub(",", "", x); if (x == n) f = 1 } } END { exit !f }' "$state"
}
[ "$1" = port ] || { echo "unsupported: $*" >&2; exit 2; }
[ -e "$root/fail-semanage" ] && [ "$2" != -l ] && { echo 'ValueError: simulated failure' >&2; exit 1; }
case "$2" in
  -l) printf 'SELinux Port Type              Proto    Port Number\\n\\n'; cat "$state"; exit 0 ;;
  -a) defined "$6" "$7" && { echo "ValueError: Port $6/$7 already defined" >&2; exit 1; }
      printf '%-30s %-8s %s\\n' "$4" "$6" "$7" >> "$state" ;;
  -m) defined "$6" "$7" || { echo "ValueError: Port $6/$7 is not defined" >&2; exit 1; }
      printf '%-30s %-8s %s\\n' "$4" "$6" "$7" >> "$state" ;;
  *) echo "unsupported: $*" >&2; exit 2 ;;
esac
`;
const SELINUXENABLED = `#!/bin/sh
root=\${0%/bin/selinuxenabled}
[ -e "$root/selinux-on" ]
`;

const POLICY = ['http_port_t                    tcp      80, 81, 443, 488, 8008, 8009, 8443, 9000', 'websm_port_t                   tcp      9090', 'ssh_port_t                     tcp      22', ''].join('\n');

describe('SelinuxPortType with a recording semanage stand-in', () => {
  let root = '';
  let port = 9000;
  const source: DesiredSource = { name: 'apphub', containers: () => [], read: async () => ({ kind: 'value', value: port, origin: 'test' }) };
  const pass = async () => {
    const commands: CommandSettings = { prefix: [], systemctl: ['false'], firewallCmd: ['false'], semanage: [path.join(root, 'bin/semanage')], selinuxenabled: [path.join(root, 'bin/selinuxenabled')], timeoutMs: 60_000 };
    const runner = new ExecCommandRunner();
    const resource = new SelinuxPortType({ name: 'cockpit-selinux', kind: 'SelinuxPortType', source: 'apphub', type: 'websm_port_t', protocol: 'tcp' }, runner, commands);
    const result = await runPass(
      { sources: new Map([['apphub', source]]), resources: [resource], clock: systemClock, files: new NodeFileSystem(), runner, docker: {} as DockerHost, commands },
      { dryRun: false, triggers: ['test'] },
    );
    return result.resources[0];
  };
  const log = async () => (await fs.readFile(path.join(root, 'commands.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'reconciler-selinux-'));
    await fs.mkdir(path.join(root, 'bin'));
    await fs.writeFile(path.join(root, 'bin/semanage'), SEMANAGE, { mode: 0o755 });
    await fs.writeFile(path.join(root, 'bin/selinuxenabled'), SELINUXENABLED, { mode: 0o755 });
    await fs.writeFile(path.join(root, 'ports'), POLICY);
  });
  after(async () => fs.rm(root, { recursive: true, force: true }));

  it('SELinux off: NotApplicable, Ready True, semanage never run', async () => {
    const outcome = await pass();
    assert.deepEqual([outcome?.ready, outcome?.reason], ['True', 'NotApplicable']);
    assert.deepEqual(await log(), []);
  });
  it('SELinux on, 9000 owned by http_port_t: -m, then in sync', async () => {
    await fs.writeFile(path.join(root, 'selinux-on'), '');
    const outcome = await pass();
    assert.equal(outcome?.reason, 'Applied', outcome?.message);
    assert.deepEqual(await log(), ['semanage port -l', 'semanage port -m -t websm_port_t -p tcp 9000', 'semanage port -l']);
    assert.match(await fs.readFile(path.join(root, 'ports'), 'utf8'), /^websm_port_t +tcp +9000$/m);
    assert.equal((await pass())?.reason, 'InSync');
  });
  it('a port nobody has: -a', async () => {
    port = 9443;
    await fs.rm(path.join(root, 'commands.log'));
    const outcome = await pass();
    assert.equal(outcome?.reason, 'Applied', outcome?.message);
    assert.ok((await log()).includes('semanage port -a -t websm_port_t -p tcp 9443'));
    assert.equal(outcome?.observed, 'websm_port_t');
  });
  it('semanage failing: ApplyFailed with its stderr, nothing changed', async () => {
    port = 2222;
    await fs.writeFile(path.join(root, 'fail-semanage'), '');
    const before = await fs.readFile(path.join(root, 'ports'), 'utf8');
    const outcome = await pass();
    assert.equal(outcome?.reason, 'ApplyFailed');
    assert.match(outcome?.message ?? '', /exited with code 1: ValueError: simulated failure/);
    assert.equal(await fs.readFile(path.join(root, 'ports'), 'utf8'), before);
    await fs.rm(path.join(root, 'fail-semanage'));
    assert.equal((await pass())?.reason, 'Applied', 'the next pass heals it');
  });
});
