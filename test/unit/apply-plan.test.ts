import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FileError } from '../../src/core/errors';
import type { CommandResult, CommandRunner, RunOptions } from '../../src/host/command-runner';
import { ConfinedPath, hostPath, UNSAFE_PATH, type FilePath, type FileSystem, type TreeEntry } from '../../src/host/file-system';
import { applyPlan, describeStep, displayArgv, type ApplyDeps, type ApplyReport, type CommandSettings } from '../../src/resources/apply-plan';
import type { CommandStep, ExecStep, Plan, ToolStep } from '../../src/resources/plan';
import { FakeDocker } from '../support/fake-docker';

const unused = (name: string): Promise<never> => Promise.reject(new Error(`${name} must not be called`));

const OK: CommandResult = { kind: 'exited', exitCode: 0, stdout: '', stderr: '' };

/** Records writes and removals in `log`; fails the paths in `failWrite` / `failRemove`. */
class FakeFiles implements FileSystem {
  readonly written = new Map<string, { data: string | Buffer; options: { mode?: number } | undefined }>();
  constructor(
    private readonly log: string[],
    private readonly failWrite = new Set<string>(),
    private readonly failRemove = new Set<string>(),
  ) {}
  readonly confined = new Set<string>();
  async writeFileAtomic(target: FilePath, data: string | Buffer, options?: { mode?: number }): Promise<void> {
    const path = String(target);
    if (target instanceof ConfinedPath) this.confined.add(`${target.root}:${path}`);
    this.log.push(`write ${path}`);
    if (this.failWrite.has(path)) throw new FileError('EACCES', path, `cannot write ${path}: EACCES`);
    if (path.includes('/swapped/')) throw new FileError(UNSAFE_PATH, path, `${path}: a symlink was swapped in`);
    this.written.set(path, { data, options });
  }
  async remove(target: FilePath): Promise<void> {
    const path = String(target);
    this.log.push(`remove ${path}`);
    if (this.failRemove.has(path)) throw new FileError('EBUSY', path, `cannot remove ${path}: EBUSY\nsecond line`);
  }
  readFile(): Promise<Buffer | null> {
    return unused('readFile');
  }
  listDir(): Promise<string[] | null> {
    return unused('listDir');
  }
  exists(): Promise<boolean> {
    return unused('exists');
  }
  listTree(): Promise<TreeEntry[] | null> {
    return unused('listTree');
  }
  readLink(): Promise<string | null> {
    return unused('readLink');
  }
  realPath(): Promise<string | null> {
    return unused('realPath');
  }
}

/** Answers each argv (joined by spaces) from `answers`, exit 0 otherwise; records calls in `log`. */
class FakeRunner implements CommandRunner {
  readonly options: RunOptions[] = [];
  constructor(
    private readonly log: string[],
    private readonly answers: Record<string, CommandResult> = {},
  ) {}
  async run(argv: readonly string[], options: RunOptions): Promise<CommandResult> {
    const line = argv.join(' ');
    this.log.push(`run ${line}`);
    this.options.push(options);
    return this.answers[line] ?? OK;
  }
}

const COMMANDS: CommandSettings = { prefix: ['nsenter', '-t', '1', '-m', '--'], systemctl: ['systemctl'], firewallCmd: ['firewall-cmd'], timeoutMs: 5000 };
const P = 'nsenter -t 1 -m --';

const DAEMON_RELOAD: ToolStep = { tool: 'systemctl', args: ['daemon-reload'] };
const RESTART: ToolStep = { tool: 'systemctl', args: ['restart', 'cockpit.socket'] };
const FW_RELOAD: ToolStep = { tool: 'firewallCmd', args: ['--reload'], onlyIf: { args: ['--state'], otherwise: 'firewalld is not running; skipped' } };
const NGINX: ExecStep = { exec: { container: 'websoft9-proxy', argv: ['nginx', '-s', 'reload'] } };

function setup(answers: { runner?: Record<string, CommandResult>; docker?: (c: string, a: readonly string[]) => CommandResult; failWrite?: string[]; failRemove?: string[] } = {}) {
  const log: string[] = [];
  const files = new FakeFiles(log, new Set(answers.failWrite), new Set(answers.failRemove));
  const runner = new FakeRunner(log, answers.runner);
  const answer = answers.docker ?? (() => OK);
  const docker = new FakeDocker({ exec: async (container, argv) => answer(container, argv) }, log);
  const deps: ApplyDeps = { files, runner, docker, commands: COMMANDS };
  return { log, files, runner, docker, deps };
}

describe('applyPlan', () => {
  const plan: Plan = {
    // Commands first in the object: the order of execution is fixed, not the order of keys.
    commands: [DAEMON_RELOAD, NGINX, RESTART],
    removals: [{ path: hostPath('/t/old.pem') }],
    changes: [
      { path: hostPath('/t/a.conf'), before: null, after: 'A', mode: 0o600 },
      { path: hostPath('/t/b.der'), before: Buffer.from('x'), after: Buffer.from([0, 1, 2]) },
    ],
  };

  const cases: {
    name: string;
    plan: Plan;
    answers?: Parameters<typeof setup>[0];
    log: string[];
    actions: ApplyReport['actions'];
    failure?: RegExp;
  }[] = [
    { name: 'empty plan', plan: { changes: [], commands: [] }, log: [], actions: [] },
    {
      name: 'writes, then removals, then commands in order',
      plan,
      log: ['write /t/a.conf', 'write /t/b.der', 'remove /t/old.pem', `run ${P} systemctl daemon-reload`, 'exec websoft9-proxy nginx -s reload', `run ${P} systemctl restart cockpit.socket`],
      actions: [
        { action: 'write /t/a.conf', result: 'updated' },
        { action: 'write /t/b.der', result: 'updated' },
        { action: 'remove /t/old.pem', result: 'updated' },
        { action: 'systemctl daemon-reload', result: 'updated', exitCode: 0 },
        { action: 'docker exec websoft9-proxy nginx -s reload', result: 'updated', exitCode: 0 },
        { action: 'systemctl restart cockpit.socket', result: 'updated', exitCode: 0 },
      ],
    },
    {
      name: 'failed write stops everything after it',
      plan,
      answers: { failWrite: ['/t/a.conf'] },
      log: ['write /t/a.conf'],
      actions: [{ action: 'write /t/a.conf', result: 'failed', message: 'cannot write /t/a.conf: EACCES' }],
      failure: /^cannot write \/t\/a\.conf: EACCES$/,
    },
    {
      name: 'failed removal stops the commands (first line of the error only)',
      plan,
      answers: { failRemove: ['/t/old.pem'] },
      log: ['write /t/a.conf', 'write /t/b.der', 'remove /t/old.pem'],
      actions: [
        { action: 'write /t/a.conf', result: 'updated' },
        { action: 'write /t/b.der', result: 'updated' },
        { action: 'remove /t/old.pem', result: 'failed', message: 'cannot remove /t/old.pem: EBUSY' },
      ],
      failure: /^cannot remove \/t\/old\.pem: EBUSY$/,
    },
    {
      name: 'non-zero exit stops at that command',
      plan: { changes: [], commands: [DAEMON_RELOAD, RESTART, NGINX] },
      answers: { runner: { [`${P} systemctl restart cockpit.socket`]: { kind: 'exited', exitCode: 5, stdout: '', stderr: 'Unit cockpit.socket not found.\n' } } },
      log: [`run ${P} systemctl daemon-reload`, `run ${P} systemctl restart cockpit.socket`],
      actions: [
        { action: 'systemctl daemon-reload', result: 'updated', exitCode: 0 },
        { action: 'systemctl restart cockpit.socket', result: 'failed', message: `\`${P} systemctl restart cockpit.socket\` exited with code 5: Unit cockpit.socket not found.`, exitCode: 5 },
      ],
      failure: /exited with code 5: Unit cockpit\.socket not found\.$/,
    },
    {
      name: 'command not found',
      plan: { changes: [], commands: [RESTART] },
      answers: { runner: { [`${P} systemctl restart cockpit.socket`]: { kind: 'not-found', message: 'ENOENT' } } },
      log: [`run ${P} systemctl restart cockpit.socket`],
      actions: [{ action: 'systemctl restart cockpit.socket', result: 'failed', message: `\`${P} systemctl restart cockpit.socket\` could not be run: ENOENT` }],
      failure: /could not be run: ENOENT/,
    },
    {
      name: 'command timed out',
      plan: { changes: [], commands: [NGINX, RESTART] },
      answers: { docker: () => ({ kind: 'timed-out', timeoutMs: 5000, stderr: '' }) },
      log: ['exec websoft9-proxy nginx -s reload'],
      actions: [{ action: 'docker exec websoft9-proxy nginx -s reload', result: 'failed', message: '`docker exec websoft9-proxy nginx -s reload` timed out after 5000ms' }],
      failure: /timed out after 5000ms/,
    },
    {
      name: 'onlyIf check failing: skipped with the otherwise message, the next command runs',
      plan: { changes: [], commands: [FW_RELOAD, RESTART] },
      answers: { runner: { [`${P} firewall-cmd --state`]: { kind: 'exited', exitCode: 252, stdout: 'not running', stderr: '' } } },
      log: [`run ${P} firewall-cmd --state`, `run ${P} systemctl restart cockpit.socket`],
      actions: [
        { action: 'firewall-cmd --reload', result: 'skipped', message: 'firewalld is not running; skipped' },
        { action: 'systemctl restart cockpit.socket', result: 'updated', exitCode: 0 },
      ],
    },
    {
      name: 'onlyIf check timing out: skipped',
      plan: { changes: [], commands: [FW_RELOAD] },
      answers: { runner: { [`${P} firewall-cmd --state`]: { kind: 'timed-out', timeoutMs: 5000, stderr: '' } } },
      log: [`run ${P} firewall-cmd --state`],
      actions: [{ action: 'firewall-cmd --reload', result: 'skipped', message: 'firewalld is not running; skipped' }],
    },
    {
      name: 'onlyIf check not found: skipped "not found"',
      plan: { changes: [], commands: [FW_RELOAD] },
      answers: { runner: { [`${P} firewall-cmd --state`]: { kind: 'not-found', message: 'ENOENT' } } },
      log: [`run ${P} firewall-cmd --state`],
      actions: [{ action: 'firewall-cmd --reload', result: 'skipped', message: 'firewall-cmd not found; skipped' }],
    },
    {
      name: 'onlyIf check passing: the command runs',
      plan: { changes: [], commands: [FW_RELOAD] },
      log: [`run ${P} firewall-cmd --state`, `run ${P} firewall-cmd --reload`],
      actions: [{ action: 'firewall-cmd --reload', result: 'updated', exitCode: 0 }],
    },
    {
      name: 'exec steps go to docker.exec, never to the host runner',
      plan: { changes: [], commands: [NGINX, { exec: { container: 'other', argv: ['sh', '-c', 'echo "a b"'] } }] },
      log: ['exec websoft9-proxy nginx -s reload', 'exec other sh -c echo "a b"'],
      actions: [
        { action: 'docker exec websoft9-proxy nginx -s reload', result: 'updated', exitCode: 0 },
        { action: 'docker exec other sh -c echo "a b"', result: 'updated', exitCode: 0 },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { log, deps } = setup(c.answers);
      const report = await applyPlan(c.plan, deps);
      assert.deepEqual(log, c.log);
      assert.deepEqual(report.actions, c.actions);
      if (c.failure) assert.match(report.failure ?? '', c.failure);
      else assert.equal(report.failure, undefined);
    });
  }

  it('a write refused because a link was swapped in after observe fails with reason UnsafePath, and passes the ConfinedPath with its root', async () => {
    const { files, deps } = setup();
    const report = await applyPlan({ changes: [{ path: ConfinedPath.inside('/v', '/v/ok.conf'), before: null, after: 'x' }, { path: ConfinedPath.inside('/v', '/v/swapped/a.conf'), before: null, after: 'y' }], commands: [] }, deps);
    assert.equal(report.failureReason, 'UnsafePath');
    assert.match(report.failure ?? '', /swapped in/);
    assert.ok(files.confined.has('/v:/v/ok.conf'));
    const plain = await applyPlan({ changes: [], commands: [] }, deps);
    assert.equal(plain.failureReason, undefined);
  });

  it('passes mode only when the change has one, and the timeout to every command', async () => {
    const { files, runner, docker, deps } = setup();
    await applyPlan(plan, deps);
    // A string is a byte string: written as its latin1 bytes.
    assert.deepEqual(files.written.get('/t/a.conf'), { data: Buffer.from('A'), options: { mode: 0o600 } });
    assert.deepEqual(files.written.get('/t/b.der'), { data: Buffer.from([0, 1, 2]), options: {} });
    for (const options of [...runner.options, ...docker.execOptions]) assert.deepEqual(options, { timeoutMs: 5000 });
  });

  it('exec argv is passed as an array, untouched', async () => {
    const seen: [string, readonly string[]][] = [];
    const { deps } = setup({ docker: (c, a) => (seen.push([c, [...a]]), OK) });
    const hostile = ['apphub', 'setconfig', '--value', '$(reboot); rm -rf / "\' `x`'];
    await applyPlan({ changes: [], commands: [{ exec: { container: 'websoft9-apphub', argv: hostile } }] }, deps);
    assert.deepEqual(seen, [['websoft9-apphub', hostile]]);
  });
});

describe('secrets of exec steps never appear in labels or failures', () => {
  const passwords = ['S3cret-Pa55', 'p@ss word', 'a.b*c+d?', '$&$1', 'x'.repeat(200), 'ünï😀cøde', '--value'];
  const step = (password: string): ExecStep => ({
    exec: { container: 'websoft9-apphub', argv: ['apphub', 'setconfig', '--section', 'gitea', '--key', 'user_pwd', '--value', password] },
    secrets: [password],
  });
  // What a command might print: the password echoed, at the start, the end, among many lines,
  // and placed where the failure message is cut (300 characters).
  const failures = (password: string): CommandResult[] => [
    { kind: 'exited', exitCode: 1, stdout: password, stderr: `error: bad value ${password}\n` },
    { kind: 'exited', exitCode: 2, stdout: '', stderr: `${password}` },
    { kind: 'exited', exitCode: 2, stdout: '', stderr: `l1\nl2 ${password}\nl3\n${password}${password}\nl5` },
    ...[250, 280, 290, 295, 299].map((n): CommandResult => ({ kind: 'exited', exitCode: 1, stdout: '', stderr: `${'e'.repeat(n)}${password}tail` })),
    { kind: 'exited', exitCode: 1, stdout: '', stderr: `${'e'.repeat(150)}\n${'f'.repeat(140)}\n${password}` },
    { kind: 'failed', message: `exec failed: argv was ${password}` },
    { kind: 'not-found', message: `no such file: ${password}` },
    { kind: 'timed-out', timeoutMs: 10, stderr: password },
  ];
  for (const password of passwords) {
    for (const [i, result] of failures(password).entries()) {
      it(`${JSON.stringify(password.slice(0, 20))}, failure ${i}`, async () => {
        const { deps } = setup({ docker: () => result });
        const report = await applyPlan({ changes: [], commands: [step(password)] }, deps);
        assert.ok(report.failure);
        const shown = [report.failure, ...report.actions.flatMap((a) => [a.action, a.message ?? ''])].join('\n');
        assert.ok(!shown.includes(password), `password shown: ${shown}`);
        // Nor the start of it (a password cut off where the message is shortened is still a leak).
        if (password.length >= 8 && !password.startsWith('-')) assert.ok(!shown.includes(password.slice(0, 6)), `part of the password shown: ${shown}`);
        assert.match(report.actions[0]?.action ?? '', /\*\*\*/);
        assert.match(report.failure, /\*\*\*/);
      });
    }
  }

  it('the output of a failing command that carries a secret is never shown: exit code and a fixed message', async () => {
    const password = 'pa"ss\\wörd/+S3cret';
    const echoes = [JSON.stringify(password), encodeURIComponent(password), Buffer.from(password).toString('base64'), 'harmless but still hidden'];
    for (const echoed of echoes) {
      const { deps } = setup({ docker: () => ({ kind: 'exited', exitCode: 3, stdout: echoed, stderr: echoed }) });
      const report = await applyPlan({ changes: [], commands: [step(password)] }, deps);
      assert.match(report.failure ?? '', /exited with code 3: \(output hidden: the command carries a secret\)$/);
      assert.ok(!(report.failure ?? '').includes(echoed.slice(0, 8)), report.failure);
    }
  });

  it('the label of a successful step is masked', async () => {
    const { deps } = setup();
    const report = await applyPlan({ changes: [], commands: [step('S3cret-Pa55'), step('S3cret-Pa55')] }, deps);
    assert.deepEqual(report.actions, [
      { action: 'docker exec websoft9-apphub apphub setconfig --section gitea --key user_pwd --value ***', result: 'updated', exitCode: 0 },
      { action: 'docker exec websoft9-apphub apphub setconfig --section gitea --key user_pwd --value ***', result: 'updated', exitCode: 0 },
    ]);
  });

  it('the docker API still gets the real value', async () => {
    const seen: string[] = [];
    const { deps } = setup({ docker: (_c, a) => (seen.push(...a), OK) });
    await applyPlan({ changes: [], commands: [step('S3cret-Pa55')] }, deps);
    assert.ok(seen.includes('S3cret-Pa55'));
  });
});

describe('describeStep and displayArgv', () => {
  const secret = 'hunter2-secret';
  const cases: { name: string; step: CommandStep; label: string; argv: string[] }[] = [
    { name: 'systemctl', step: RESTART, label: 'systemctl restart cockpit.socket', argv: ['nsenter', '-t', '1', '-m', '--', 'systemctl', 'restart', 'cockpit.socket'] },
    { name: 'firewall-cmd', step: FW_RELOAD, label: 'firewall-cmd --reload', argv: ['nsenter', '-t', '1', '-m', '--', 'firewall-cmd', '--reload'] },
    { name: 'exec without secrets', step: NGINX, label: 'docker exec websoft9-proxy nginx -s reload', argv: ['docker', 'exec', 'websoft9-proxy', 'nginx', '-s', 'reload'] },
    {
      name: 'exec with a secret',
      step: { exec: { container: 'c', argv: ['set', `--value=${secret}`, secret] }, secrets: [secret] },
      label: 'docker exec c set --value=*** ***',
      argv: ['docker', 'exec', 'c', 'set', '--value=***', '***'],
    },
    {
      name: 'exec with several secrets',
      step: { exec: { container: 'c', argv: ['u', 'first-secret', 'second-secret'] }, secrets: ['first-secret', 'second-secret'] },
      label: 'docker exec c u *** ***',
      argv: ['docker', 'exec', 'c', 'u', '***', '***'],
    },
    {
      // A secret that spans two arguments in the joined label is masked there too.
      name: 'secret with a space',
      step: { exec: { container: 'c', argv: ['v', 'two words'] }, secrets: ['two words'] },
      label: 'docker exec c v ***',
      argv: ['docker', 'exec', 'c', 'v', '***'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(describeStep(COMMANDS, c.step), c.label);
      assert.deepEqual(displayArgv(COMMANDS, c.step), c.argv);
      assert.ok(!describeStep(COMMANDS, c.step).includes(secret));
      assert.ok(!displayArgv(COMMANDS, c.step).join(' ').includes(secret));
    });
  }
});
