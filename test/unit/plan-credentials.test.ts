import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEmptyPlan, type ExecStep, type Plan } from '../../src/resources/plan';
import { planCredentials, type CredentialsSettings, type CredentialsState } from '../../src/resources/container-credentials/plan-credentials';
import { getIniValue, parseIni } from '../../src/files/parse-ini';
import { ConfinedPath } from '../../src/host/file-system';
import type { Credentials } from '../../src/sources/desired';

const PATH = ConfinedPath.inside('/var/lib/docker/volumes/websoft9_apphub_config/_data', 'config.ini');
const CLI: CredentialsSettings = {
  container: 'websoft9-apphub',
  section: 'gitea',
  userKey: 'user_name',
  passwordKey: 'user_pwd',
  method: 'cli',
  cli: ['apphub', 'setconfig'],
};
const INI: CredentialsSettings = { ...CLI, method: 'ini' };
const DESIRED: Credentials = { username: 'websoft9', password: 'S3cret-Pa55' };
const noRetry = { retryCommands: false };
const retry = { retryCommands: true };

const ini = (user: string | null, pwd: string | null): string =>
  ['[cockpit]', 'port = 9000', '', '[gitea]', ...(user === null ? [] : [`user_name = ${user}`]), ...(pwd === null ? [] : [`user_pwd = ${pwd}`]), '', '[portainer]', 'user_name = admin', ''].join('\n');

/** The state as observe() reads it from the text. */
function observed(text: string): CredentialsState {
  const parsed = parseIni(text);
  assert.ok(parsed.ok);
  return { found: true, path: PATH, text, username: getIniValue(parsed.ini, 'gitea', 'user_name'), password: getIniValue(parsed.ini, 'gitea', 'user_pwd') };
}

const setconfig = (key: string, value: string): ExecStep => ({
  exec: { container: 'websoft9-apphub', argv: ['apphub', 'setconfig', '--section', 'gitea', '--key', key, '--value', value] },
  secrets: [DESIRED.password],
});

describe('planCredentials (cli)', () => {
  const cases: { name: string; text: string; retry?: boolean; want: ExecStep[] }[] = [
    { name: 'in sync: empty plan', text: ini('websoft9', DESIRED.password), want: [] },
    { name: 'wrong password only', text: ini('websoft9', 'old'), want: [setconfig('user_pwd', DESIRED.password)] },
    { name: 'wrong user only', text: ini('someone', DESIRED.password), want: [setconfig('user_name', 'websoft9')] },
    { name: 'both wrong', text: ini('someone', 'old'), want: [setconfig('user_name', 'websoft9'), setconfig('user_pwd', DESIRED.password)] },
    { name: 'both missing', text: ini(null, null), want: [setconfig('user_name', 'websoft9'), setconfig('user_pwd', DESIRED.password)] },
    { name: 'password differs only in case', text: ini('websoft9', DESIRED.password.toLowerCase()), want: [setconfig('user_pwd', DESIRED.password)] },
    { name: 'user name differs only in case', text: ini('WebSoft9', DESIRED.password), want: [setconfig('user_name', 'websoft9')] },
    { name: 'in sync with retryCommands: both keys re-run', text: ini('websoft9', DESIRED.password), retry: true, want: [setconfig('user_name', 'websoft9'), setconfig('user_pwd', DESIRED.password)] },
    { name: 'one wrong with retryCommands: only the wrong key', text: ini('websoft9', 'old'), retry: true, want: [setconfig('user_pwd', DESIRED.password)] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planCredentials(DESIRED, observed(c.text), CLI, c.retry ? retry : noRetry);
      assert.deepEqual(plan.changes, []);
      assert.equal(plan.problem, undefined);
      assert.equal(plan.absent, undefined);
      assert.deepEqual(plan.commands, c.want);
      for (const step of plan.commands) {
        assert.ok('exec' in step);
        // argv only: no shell, the value is one argument whatever it contains.
        assert.equal(step.exec.argv.length, 8);
        assert.ok(step.secrets?.includes(DESIRED.password));
      }
    });
  }

  it('hostile password is one argv element, marked secret', () => {
    const password = `'; rm -rf / #$(reboot) --key x`;
    const plan = planCredentials({ username: 'u', password }, observed(ini('u', 'old')), CLI, noRetry);
    assert.equal(plan.commands.length, 1);
    const step = plan.commands[0] as ExecStep;
    assert.deepEqual(step.exec.argv.slice(-2), ['--value', password]);
    assert.deepEqual(step.secrets, [password]);
  });

  it('configured cli and keys are used', () => {
    const settings: CredentialsSettings = { ...CLI, container: 'apphub2', section: 'nginx_proxy_manager', userKey: 'login', passwordKey: 'secret', cli: ['python3', '/app/cli.py', 'setconfig'] };
    const state: CredentialsState = { found: true, path: PATH, text: '', username: undefined, password: undefined };
    const plan = planCredentials(DESIRED, state, settings, noRetry);
    assert.deepEqual(
      plan.commands.map((s) => ('exec' in s ? [s.exec.container, ...s.exec.argv] : [])),
      [
        ['apphub2', 'python3', '/app/cli.py', 'setconfig', '--section', 'nginx_proxy_manager', '--key', 'login', '--value', 'websoft9'],
        ['apphub2', 'python3', '/app/cli.py', 'setconfig', '--section', 'nginx_proxy_manager', '--key', 'secret', '--value', DESIRED.password],
      ],
    );
  });
});

describe('planCredentials (ini)', () => {
  const cases: { name: string; text: string; retry?: boolean; changed: boolean }[] = [
    { name: 'in sync: empty plan', text: ini('websoft9', DESIRED.password), changed: false },
    { name: 'in sync with retryCommands: still nothing to do', text: ini('websoft9', DESIRED.password), retry: true, changed: false },
    { name: 'wrong password', text: ini('websoft9', 'old'), changed: true },
    { name: 'wrong user', text: ini('x', DESIRED.password), changed: true },
    { name: 'both missing', text: ini(null, null), changed: true },
    { name: 'CRLF file', text: ini('x', 'y').replace(/\n/g, '\r\n'), changed: true },
    { name: 'section missing', text: '[cockpit]\nport = 9000\n', changed: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const state = observed(c.text);
      const plan = planCredentials(DESIRED, state, INI, c.retry ? retry : noRetry);
      assert.deepEqual(plan.commands, []);
      assert.equal(plan.problem, undefined);
      if (!c.changed) {
        assert.ok(isEmptyPlan(plan));
        return;
      }
      assert.equal(plan.changes.length, 1);
      const change = plan.changes[0] as Plan['changes'][number];
      assert.equal(change.path, PATH);
      assert.equal(change.before, c.text);
      assert.equal(change.sensitive, true);
      assert.equal(change.mode, undefined);
      // The new text reads back as the credentials, the other sections unchanged; a second plan is empty.
      const next = observed(change.after.toString());
      assert.equal(next.found && next.username, DESIRED.username);
      assert.equal(next.found && next.password, DESIRED.password);
      const parsed = parseIni(change.after.toString());
      assert.ok(parsed.ok);
      assert.equal(getIniValue(parsed.ini, 'cockpit', 'port'), '9000');
      assert.ok(isEmptyPlan(planCredentials(DESIRED, next, INI, noRetry)));
      if (c.text.includes('\r\n')) assert.ok(!/[^\r]\n/.test(change.after.toString()), 'CRLF kept');
    });
  }
});

describe('planCredentials (absent)', () => {
  for (const settings of [CLI, INI]) {
    for (const options of [noRetry, retry]) {
      it(`${settings.method}, retryCommands ${options.retryCommands}`, () => {
        const plan = planCredentials(DESIRED, { found: false, message: 'volume websoft9_apphub_config does not exist' }, settings, options);
        assert.deepEqual(plan, { changes: [], commands: [], absent: 'volume websoft9_apphub_config does not exist' });
      });
    }
  }
});

describe('planCredentials (values config.ini cannot keep)', () => {
  // configparser strips values: these would never read back as written, and be rewritten on every pass.
  const cases: { name: string; desired: Credentials }[] = [
    { name: 'password with a leading space', desired: { username: 'u', password: ' S3cret-Pa55' } },
    { name: 'password with a trailing space', desired: { username: 'u', password: 'S3cret-Pa55 ' } },
    { name: 'password with a trailing no-break space', desired: { username: 'u', password: 'S3cret-Pa55\u00a0' } },
    { name: 'password with a trailing NEL', desired: { username: 'u', password: 'S3cret-Pa55\u0085' } },
    { name: 'password with a leading ideographic space', desired: { username: 'u', password: '\u3000S3cret-Pa55' } },
    { name: 'user name with a trailing space', desired: { username: 'admin ', password: 'S3cret-Pa55' } },
  ];
  for (const c of cases) {
    for (const settings of [CLI, INI]) {
      for (const options of [noRetry, retry]) {
        it(`${c.name} (${settings.method}, retryCommands ${options.retryCommands})`, () => {
          const plan = planCredentials(c.desired, observed(ini('x', 'y')), settings, options);
          assert.deepEqual(plan.changes, []);
          assert.deepEqual(plan.commands, []);
          assert.match(plan.problem ?? '', /white ?space/);
          assert.ok(!(plan.problem ?? '').includes('S3cret'));
        });
      }
    }
  }

  it('inner spaces are fine', () => {
    const plan = planCredentials({ username: 'a b', password: 'p w' }, observed(ini('x', 'y')), INI, noRetry);
    assert.equal(plan.problem, undefined);
    const next = observed((plan.changes[0]?.after ?? '').toString());
    assert.ok(isEmptyPlan(planCredentials({ username: 'a b', password: 'p w' }, next, INI, noRetry)));
  });
});
