import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { MAX_TIMER_MS } from '../../src/config/duration-schema';
import { collidingLine, type LineRule } from '../../src/config/file-line-overlap';
import { loadConfig } from '../../src/app/create-runtime';
import { ConfigError, MAX_CONFIG_BYTES } from '../../src/config/load-config';
import type { Yaml } from '../../src/config/merge-config';
import { UsageError } from '../../src/core/errors';
import { setLine } from '../../src/resources/file-line/plan-file-line';

const dir = mkdtempSync(join(tmpdir(), 'config-refusals-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string | Buffer): string => {
  const path = join(dir, `config-${n++}.yaml`);
  writeFileSync(path, text);
  return path;
};

/** Problems of a configuration file that must be refused (exit 64). */
function problemsOf(text: string): string[] {
  try {
    loadConfig(file(text));
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return [...error.problems];
  }
  assert.fail(`accepted:\n${text}`);
}
const accepted = (text: string): void => void loadConfig(file(text));

const socket = (name: string, unit: string, dropInDir: string, mode = 'dropin'): string =>
  `  ${name}: { kind: SystemdSocketPort, source: apphub, unit: ${unit}, unitPath: /lib/systemd/system/${unit}, dropInDir: '${dropInDir}', mode: ${mode} }\n`;
const line = (name: string, file: string, match: string, template: string): string =>
  `  ${name}: { kind: FileLine, source: apphub, volume: websoft9_nginx_var, file: '${file}', match: '${match}', template: '${template}' }\n`;

describe('refused: two resources owning one thing (exit 64 naming both)', () => {
  const cases: { name: string; resources: string; key: string; other: string }[] = [
    { name: 'the same socket unit', resources: socket('two', 'cockpit.socket', '/etc/systemd/system/other.d'), key: 'resources.two.unit', other: 'resource "cockpit-socket" (resources.cockpit-socket.unit)' },
    { name: 'the same drop-in directory, spelt differently', resources: socket('two', 'other.socket', '/etc/systemd//system/cockpit.socket.d/'), key: 'resources.two.dropInDir', other: 'resource "cockpit-socket" (resources.cockpit-socket.dropInDir)' },
    { name: 'the same firewalld file', resources: '  fw: { kind: FirewalldServicePort, source: apphub, files: [/srv/x.xml, /etc/firewalld/services/../services/cockpit.xml] }\n', key: 'resources.fw.files.1', other: 'resource "cockpit-firewalld" (resources.cockpit-firewalld.files.0)' },
    { name: 'the same INI key (keys are case-insensitive)', resources: '  creds: { kind: ContainerCredentials, source: proxy-credential, section: gitea, userKey: login, passwordKey: USER_PWD }\n', key: 'resources.creds.passwordKey', other: 'resource "gitea-credentials" (resources.gitea-credentials.passwordKey)' },
    { name: 'FileLines whose lines the other selects', resources: line('port-comment', './custom_var.conf', 'cockpit_port', '# cockpit_port {value}'), key: 'resources.port-comment.file', other: 'resource "proxy-cockpit-port" (resources.proxy-cockpit-port.file)' },
    { name: 'a mirror into another mirror\'s directory', resources: "  certs2: { kind: DirectoryMirror, from: { path: /srv/certs }, to: { volume: websoft9_nginx_data, subPath: custom_ssl/extra } }\n", key: 'resources.certs2.to', other: 'resource "cockpit-certs" (resources.cockpit-certs.to)' },
    { name: 'inplace editing of a unit file another resource rewrites', resources: "  fw: { kind: FirewalldServicePort, source: apphub, files: [/lib/systemd/system/x.socket] }\n" + socket('x', 'x.socket', '/etc/systemd/system/x.socket.d', 'inplace'), key: 'resources.x.unitPath', other: 'resource "fw" (resources.fw.files.0)' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const problems = problemsOf(`resources:\n${c.resources}`);
      const problem = problems.find((p) => p.startsWith(c.key));
      assert.ok(problem, `${c.key} not in ${problems.join('\n')}`);
      assert.ok(problem.includes(c.other), problem);
    });
  }

  it('allowed: two FileLines setting different lines of one file (the proxy\'s TLS lines)', () => {
    accepted(`resources:\n${line('cert', 'tls.conf', '^\\s*ssl_certificate\\s', 'ssl_certificate {value};')}${line('key', 'tls.conf', '^\\s*ssl_certificate_key\\s', 'ssl_certificate_key {value};')}`);
  });
  it('allowed: the same regular expression on two different files, and the same INI key of another section', () => {
    accepted(`resources:\n${line('a', 'a.conf', 'x', 'x {value}')}${line('b', 'b.conf', 'x', 'x {value}')}  creds: { kind: ContainerCredentials, source: proxy-credential, section: other }\n`);
  });
  it('a match that does not compile, beside another FileLine on its file, is named (no SyntaxError)', () => {
    const problems = problemsOf(`resources:\n  proxy-cockpit-port: { match: '(' }\n${line('two', 'custom_var.conf', '^x', 'x {value}')}`);
    assert.ok(problems.some((p) => p.startsWith('resources.proxy-cockpit-port.match: is not a valid regular expression')), problems.join('\n'));
  });
  it('allowed: a resource switched off owns nothing', () => {
    accepted(`resources:\n${socket('two', 'cockpit.socket', '/etc/systemd/system/cockpit.socket.d')}  cockpit-socket: { enabled: false }\n`);
  });
});

describe('FileLine overlap (property): when no colliding line is found, two FileLines on one file settle', () => {
  const keys = ['port', 'port_tls', 'ssl_certificate', 'ssl_certificate_key', 'listen'];
  const rule = fc.record({ key: fc.constantFrom(...keys), anchored: fc.boolean(), prefix: fc.constantFrom('', 'set ', '# ') }).map(
    ({ key, anchored, prefix }): LineRule => ({ match: `${anchored ? '^\\s*' : ''}${prefix.replace(/ $/, '\\s+')}${key}\\b`, template: `${prefix}${key} {value};` }),
  );
  const port = fc.integer({ min: 0, max: 65535 }).map(String);
  const text = fc.array(fc.constantFrom('set port 1;', 'ssl_certificate a;', '# listen 2;', 'port_tls 3;', 'other', ''), { maxLength: 6 }).map((l) => l.join('\n'));
  it('two passes of both leave the file as one pass did', () => {
    fc.assert(
      fc.property(rule, rule, port, port, text, (a, b, va, vb, start) => {
        fc.pre(collidingLine(a, b) === null);
        const pass = (t: string): string => setLine(setLine(t, new RegExp(b.match), b.template.replace('{value}', vb)), new RegExp(a.match), a.template.replace('{value}', va));
        const once = pass(start);
        assert.equal(pass(once), once);
      }),
      { seed: Number(process.env.FC_SEED ?? 42), numRuns: 300, verbose: 1 },
    );
  });
  it('a pair that fights is found, with the line that shows it', () => {
    assert.equal(collidingLine({ match: '^\\s*port\\b', template: 'port {value};' }, { match: 'port', template: 'port_tls {value};' }), 'port {value};'.replace('{value}', ''));
  });
});

describe('listenCheck.procNet: the proc root and the network namespace both in the path', () => {
  // `/proc/net` once made the holder walk read `/`: every value that cannot name both is refused.
  for (const value of ['/proc/net', '/proc/1/net/', '/1/net', '/proc/0/net', '/proc/1/../1/net', '/proc/./1/net', 'proc/1/net', '/proc/1/net/tcp']) {
    it(`refuses ${JSON.stringify(value)} naming the key`, () => {
      const problems = problemsOf(`listenCheck: { procNet: '${value}' }\n`);
      assert.ok(problems.some((p) => p.startsWith('listenCheck.procNet: ')), problems.join('\n'));
    });
  }
  it('accepts /proc/1/net, /proc/self/net and a proc mounted elsewhere', () => {
    for (const value of ['/proc/1/net', '/proc/self/net', '/host/proc/1/net']) {
      assert.equal(loadConfig(file(`listenCheck: { procNet: ${value} }\n`)).listenCheck.procNet, value);
    }
  });
});

describe('refused: durations that timers cannot hold', () => {
  it('resyncInterval above 24h; 24h is fine', () => {
    assert.ok(problemsOf('timing: { resyncInterval: 25h }\n').some((p) => p.startsWith('timing.resyncInterval: must be at most 24h')));
    assert.equal(loadConfig(file('timing: { resyncInterval: 24h }\n')).timing.resyncInterval, 24 * 3_600_000);
  });
  it(`any duration above 2^31-1 ms (${MAX_TIMER_MS}), as text or as a number`, () => {
    const problems = problemsOf(`timing: { debounce: 597h, maxDebounce: 600h, backoffMax: ${MAX_TIMER_MS + 1} }\ncommands: { timeout: 1e12 }\n`);
    for (const key of ['timing.debounce', 'timing.maxDebounce', 'timing.backoffMax', 'commands.timeout']) {
      assert.ok(problems.some((p) => p.startsWith(`${key}: must be at most ${MAX_TIMER_MS}ms`)), `${key}: ${problems.join('\n')}`);
    }
  });
  it('negative, infinite and misspelt durations', () => {
    const problems = problemsOf('timing: { debounce: -5, backoffMax: .inf, backoffInitial: 10 seconds }\n');
    for (const key of ['timing.debounce', 'timing.backoffMax', 'timing.backoffInitial']) assert.ok(problems.some((p) => p.startsWith(key)), `${key}: ${problems.join('\n')}`);
  });
});

describe('refused: YAML and files that would exhaust the process', () => {
  const usage = (path: string, message: RegExp): void => {
    assert.throws(() => loadConfig(path), (error: unknown) => error instanceof UsageError && message.test(error.message) && !error.message.includes('\n    at '));
  };
  it('an alias bomb', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) lines.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9).fill(`*${'abcdefghi'[i - 1]}`).join(', ')}]`);
    usage(file(`${lines.join('\n')}\n`), /YAML aliases expand to too much/);
  });
  it('a few aliases are fine', () => {
    const config = loadConfig(file('commands:\n  systemctl: &s [systemctl]\n  firewallCmd: *s\n'));
    assert.deepEqual(config.commands.firewallCmd, ['systemctl']);
  });
  it(`a file over ${MAX_CONFIG_BYTES} bytes`, () => usage(file(`# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`), /larger than 1 MiB/));
  it('nesting deeper than the parser can go', () => usage(file(`x: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`), /not valid YAML/));
  it('a FIFO (never blocks) and a device (never read without end)', () => {
    const fifo = join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    usage(fifo, /not a regular file/);
    usage('/dev/zero', /not a regular file/);
  });
  it('every YAML problem of a file is listed, with its line', () => {
    usage(file('docker: { socketPath: /a }\ndocker: { socketPath: /b }\n'), /line 2, column 1\): Map keys must be unique$/);
  });
});

describe('bad input is a ConfigError, never another exception (property)', () => {
  const NAMES = ['cockpit-socket', 'cockpit-firewalld', 'proxy-cockpit-port', 'cockpit-certs', 'gitea-credentials', 'extra', 'nope'];
  /** A second FileLine on the proxy's file, so that random changes meet the cross-resource rules. */
  const EXTRA: { [key: string]: Yaml } = { kind: 'FileLine', source: 'apphub', volume: 'websoft9_nginx_var', file: 'custom_var.conf', match: '^x', template: 'x {value}' };
  /** Per key: values that are valid, invalid in value, or of the wrong type, so that rules across keys are reached too. */
  const VALUES: { [key: string]: Yaml[] } = {
    match: ['(', '^x', 'cockpit_port', '[z-a]', '^\\s*set\\s+\\$cockpit_port\\s'],
    template: ['x {value}', 'set $cockpit_port {value};', 'no value', 5],
    file: ['custom_var.conf', './custom_var.conf', 'other.conf', '../x'],
    enabled: [true, false, 'yes'],
    mode: ['inplace', 'dropin', 'sideways'],
    dropInDir: ['/etc/systemd/system/cockpit.socket.d', '/etc/systemd/system/cockpit.socket.d/', 'relative'],
    unitPath: ['/lib/systemd/system/cockpit.socket', '/etc/firewalld/services/cockpit.xml'],
    unit: ['cockpit.socket', 'other.socket', 'bad'],
    files: [['/etc/firewalld/services/cockpit.xml'], ['/srv/x.xml'], [], '/x'],
    to: [{ path: '/etc/systemd/system/cockpit.socket.d' }, { volume: 'websoft9_nginx_data', subPath: 'custom_ssl/a' }, { volume: 'websoft9_nginx_var' }, 5],
    kind: ['FileLine', 'SystemdSocketPort', 'Nope'],
    section: ['gitea', 'portainer', ''],
    userKey: ['user_pwd', 'USER_NAME', 5],
    source: ['apphub', 'gitea-credential', 'missing'],
  };
  const valueOf = (key: string): fc.Arbitrary<Yaml> =>
    fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...(VALUES[key] ?? [null])) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Yaml> });
  const change = fc
    .uniqueArray(fc.constantFrom(...Object.keys(VALUES)), { maxLength: 3 })
    .chain((keys) => fc.tuple(...keys.map((k) => valueOf(k).map((v): [string, Yaml] => [k, v]))).map((pairs) => Object.fromEntries(pairs) as { [key: string]: Yaml }));
  const override = fc.dictionary(fc.constantFrom(...NAMES), change, { maxKeys: 3 });
  const timing = fc.dictionary(fc.constantFrom('resyncInterval', 'debounce', 'maxDebounce', 'backoffMax'), fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constantFrom('25h', '1e12', '597h')), { maxKeys: 2 });
  it('random overrides of the profile are accepted or refused with keys, nothing thrown', () => {
    fc.assert(
      fc.property(override, timing, (resources, time) => {
        const extra = resources.extra;
        const path = file(stringify({ resources: { ...resources, extra: { ...EXTRA, ...(extra ?? {}) } }, timing: time }));
        try {
          loadConfig(path);
        } catch (error) {
          assert.ok(error instanceof UsageError, `${String(error)}\n${(error as Error).stack ?? ''}`);
        }
      }),
      { seed: Number(process.env.FC_SEED ?? 42), numRuns: 200, verbose: 1 },
    );
  });
});
