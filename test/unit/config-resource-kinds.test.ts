import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { UsageError } from '../../src/core/errors';
import { loadConfig } from '../../src/app/create-runtime';
import { DEFAULT_CONFIG_PATH, validateConfig } from '../../src/config/load-config';
import { mergeConfig, type Yaml } from '../../src/config/merge-config';
import type { Config, ResourceConfig } from '../../src/config/schema';
import { configFiles } from '../support/config-files';

const DEFAULTS = parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as Yaml;
const ORIGIN = '/etc/reconciler/config.yaml';

/** Two valid resources first, so that the resource under test is number 2. */
const BEFORE: Yaml[] = [
  { name: 'cockpit-socket', kind: 'SystemdSocketPort', source: 'apphub', unit: 'cockpit.socket', unitPath: '/lib/systemd/system/cockpit.socket', dropInDir: '/etc/systemd/system/cockpit.socket.d' },
  { name: 'gitea-credentials', kind: 'ContainerCredentials', source: 'gitea-credential', section: 'gitea' },
];

function validate(resource: Yaml, over: { [key: string]: Yaml } = {}): Config {
  return validateConfig(mergeConfig(DEFAULTS, { ...over, resources: [...BEFORE, resource] }), ORIGIN);
}

function resourceOf(config: Config, name: string): ResourceConfig {
  const found = config.resources.find((r) => r.name === name);
  assert.ok(found, `no resource ${name}`);
  return found;
}

const FILE_LINE: { [key: string]: Yaml } = {
  name: 'proxy-port',
  kind: 'FileLine',
  source: 'apphub',
  volume: 'websoft9_nginx_var',
  file: 'custom_var.conf',
  match: '^\\s*set\\s+\\$cockpit_port\\s',
  template: 'set $cockpit_port {value};',
};
const MIRROR: { [key: string]: Yaml } = { name: 'certs', kind: 'DirectoryMirror', from: { path: '/etc/cockpit/ws-certs.d' }, to: { volume: 'websoft9_nginx_data', subPath: 'custom_ssl' } };
const CREDS: { [key: string]: Yaml } = { name: 'proxy-creds', kind: 'ContainerCredentials', source: 'proxy-credential', section: 'nginx_proxy_manager' };
const FIREWALL: { [key: string]: Yaml } = { name: 'published-ports', kind: 'PublishedPortFirewall', default: 'deny', allowFrom: ['198.18.9.0/24', '2001:db8:9::/48'] };

/** `without(FILE_LINE, 'volume', 'file')`: the resource with those keys left out. */
function without(resource: { [key: string]: Yaml }, ...keys: string[]): { [key: string]: Yaml } {
  return Object.fromEntries(Object.entries(resource).filter(([k]) => !keys.includes(k)));
}

describe('validateConfig: resource kinds, bad configurations name the resource and key', () => {
  const cases: { name: string; resource: { [key: string]: Yaml }; sources?: { [key: string]: Yaml }; key: string; message: RegExp }[] = [
    // FileLine
    { name: 'FileLine: path and volume+file', resource: { ...FILE_LINE, path: '/etc/nginx/x.conf' }, key: 'path', message: /give either path, or volume and file/ },
    { name: 'FileLine: neither path nor volume', resource: without(FILE_LINE, 'volume', 'file'), key: 'path', message: /give either path, or volume and file/ },
    { name: 'FileLine: volume without file', resource: without(FILE_LINE, 'file'), key: 'volume', message: /volume and file go together/ },
    { name: 'FileLine: file without volume', resource: without(FILE_LINE, 'volume'), key: 'volume', message: /volume and file go together/ },
    { name: 'FileLine: empty file', resource: { ...FILE_LINE, file: '' }, key: 'volume', message: /volume and file go together/ },
    { name: 'FileLine: relative path', resource: { ...without(FILE_LINE, 'volume', 'file'), path: 'etc/x.conf' }, key: 'path', message: /absolute path/ },
    { name: 'FileLine: volume name with /', resource: { ...FILE_LINE, volume: '../../etc' }, key: 'volume', message: /Docker name/ },
    { name: 'FileLine: volume name with a space', resource: { ...FILE_LINE, volume: 'a b' }, key: 'volume', message: /Docker name/ },
    { name: 'FileLine: file escaping the volume', resource: { ...FILE_LINE, file: '../../../etc/shadow' }, key: 'file', message: /no \.\./ },
    { name: 'FileLine: absolute file', resource: { ...FILE_LINE, file: '/etc/shadow' }, key: 'file', message: /relative path/ },
    { name: 'FileLine: bad regex (open group)', resource: { ...FILE_LINE, match: 'set (' }, key: 'match', message: /not a valid regular expression/ },
    { name: 'FileLine: bad regex (nothing to repeat)', resource: { ...FILE_LINE, match: '*port' }, key: 'match', message: /not a valid regular expression/ },
    { name: 'FileLine: bad regex (bad class)', resource: { ...FILE_LINE, match: '[z-a]' }, key: 'match', message: /not a valid regular expression/ },
    { name: 'FileLine: match not a string', resource: { ...FILE_LINE, match: 5 }, key: 'match', message: /string/ },
    { name: 'FileLine: template without {value}', resource: { ...FILE_LINE, template: 'set $cockpit_port 9000;' }, key: 'template', message: /must contain \{value\}/ },
    { name: 'FileLine: template with {VALUE}', resource: { ...FILE_LINE, template: 'set $cockpit_port {VALUE};' }, key: 'template', message: /must contain \{value\}/ },
    { name: 'FileLine: template of two lines', resource: { ...FILE_LINE, template: 'set $a {value};\nset $b 1;' }, key: 'template', message: /one line/ },
    { name: 'FileLine: ContainerFile source', resource: { ...FILE_LINE, source: 'gitea-credential' }, key: 'source', message: /a FileLine needs a ContainerIniValue source, "gitea-credential" is a ContainerFile/ },
    { name: 'FileLine: unknown source', resource: { ...FILE_LINE, source: 'nope' }, key: 'source', message: /names no source under "sources" \("nope"\)/ },
    // A prototype key is not a source (issue 15: config.sources[name] found Object's constructor).
    { name: 'FileLine: source named constructor', resource: { ...FILE_LINE, source: 'constructor' }, key: 'source', message: /names no source under "sources" \("constructor"\)/ },
    { name: 'FileLine: source named toString', resource: { ...FILE_LINE, source: 'toString' }, key: 'source', message: /names no source under "sources" \("toString"\)/ },
    { name: 'FileLine: afterChange exec without command', resource: { ...FILE_LINE, afterChange: { exec: { container: 'websoft9-proxy', command: [] } } }, key: 'afterChange.exec.command', message: /needs at least the program name/ },
    { name: 'FileLine: afterChange exec in a bad container name', resource: { ...FILE_LINE, afterChange: { exec: { container: 'a/b', command: ['nginx'] } } }, key: 'afterChange.exec.container', message: /Docker name/ },
    { name: 'FileLine: afterChange both kinds', resource: { ...FILE_LINE, afterChange: { exec: { container: 'c', command: ['x'] }, systemctl: ['reload', 'x'] } }, key: 'afterChange', message: /./ },
    { name: 'FileLine: unknown key', resource: { ...FILE_LINE, regex: 'x' }, key: 'regex', message: /unknown key/ },
    // DirectoryMirror
    { name: 'DirectoryMirror: relative from path', resource: { ...MIRROR, from: { path: 'etc/cockpit' } }, key: 'from.path', message: /absolute path/ },
    { name: 'DirectoryMirror: subPath with ..', resource: { ...MIRROR, to: { volume: 'websoft9_nginx_data', subPath: 'custom_ssl/../../..' } }, key: 'to.subPath', message: /no \.\./ },
    { name: 'DirectoryMirror: subPath of only ..', resource: { ...MIRROR, to: { volume: 'websoft9_nginx_data', subPath: '..' } }, key: 'to.subPath', message: /no \.\./ },
    { name: 'DirectoryMirror: absolute subPath', resource: { ...MIRROR, from: { volume: 'v', subPath: '/etc' } }, key: 'from.subPath', message: /no leading \// },
    { name: 'DirectoryMirror: volume with /', resource: { ...MIRROR, to: { volume: 'a/b' } }, key: 'to.volume', message: /Docker name/ },
    { name: 'DirectoryMirror: path and volume together', resource: { ...MIRROR, to: { path: '/x', volume: 'v' } }, key: 'to', message: /./ },
    { name: 'DirectoryMirror: empty location', resource: { ...MIRROR, from: {} }, key: 'from', message: /./ },
    { name: 'DirectoryMirror: missing to', resource: without(MIRROR, 'to'), key: 'to', message: /./ },
    { name: 'DirectoryMirror: empty include', resource: { ...MIRROR, include: [] }, key: 'include', message: /./ },
    { name: 'DirectoryMirror: empty include pattern', resource: { ...MIRROR, include: ['*.pem', ''] }, key: 'include.1', message: /./ },
    { name: 'DirectoryMirror: prune not a boolean', resource: { ...MIRROR, prune: 'yes' }, key: 'prune', message: /expected true or false, got the text "yes".*write true/ },
    { name: 'DirectoryMirror: takes no source', resource: { ...MIRROR, source: 'apphub' }, key: 'source', message: /unknown key/ },
    { name: 'DirectoryMirror: afterChange systemctl without arguments', resource: { ...MIRROR, afterChange: { systemctl: [] } }, key: 'afterChange.systemctl', message: /needs at least one argument/ },
    // ContainerCredentials
    { name: 'ContainerCredentials: ContainerIniValue source', resource: { ...CREDS, source: 'apphub' }, key: 'source', message: /a ContainerCredentials needs a ContainerFile source, "apphub" is a ContainerIniValue/ },
    { name: 'ContainerCredentials: no section', resource: without(CREDS, 'section'), key: 'section', message: /./ },
    { name: 'ContainerCredentials: empty section', resource: { ...CREDS, section: '' }, key: 'section', message: /./ },
    { name: 'ContainerCredentials: unknown method', resource: { ...CREDS, method: 'shell' }, key: 'method', message: /./ },
    { name: 'ContainerCredentials: empty cli', resource: { ...CREDS, cli: [] }, key: 'cli', message: /needs at least the program name/ },
    { name: 'ContainerCredentials: cli as a string', resource: { ...CREDS, cli: 'apphub setconfig' }, key: 'cli', message: /array/ },
    { name: 'ContainerCredentials: container with /', resource: { ...CREDS, container: '../apphub' }, key: 'container', message: /Docker name/ },
    { name: 'ContainerCredentials: file with ..', resource: { ...CREDS, file: '../config.ini' }, key: 'file', message: /no \.\./ },
    { name: 'ContainerCredentials: relative path', resource: { ...CREDS, path: 'config.ini' }, key: 'path', message: /absolute path/ },
    { name: 'ContainerCredentials: unknown key', resource: { ...CREDS, password: 'x' }, key: 'password', message: /unknown key/ },
    // PublishedPortFirewall
    { name: 'PublishedPortFirewall: unknown default', resource: { ...FIREWALL, default: 'reject' }, key: 'default', message: /./ },
    { name: 'PublishedPortFirewall: rule syntax in allowFrom', resource: { ...FIREWALL, allowFrom: ['198.18.9.0/24', '1.2.3.4 -j ACCEPT'] }, key: 'allowFrom.1', message: /must be an IPv4 or IPv6 CIDR/ },
    { name: 'PublishedPortFirewall: prefix too long', resource: { ...FIREWALL, allowFrom: ['10.0.0.0/33'] }, key: 'allowFrom.0', message: /must be an IPv4 or IPv6 CIDR/ },
    { name: 'PublishedPortFirewall: a name in allowFrom', resource: { ...FIREWALL, allowFrom: ['localhost'] }, key: 'allowFrom.0', message: /must be an IPv4 or IPv6 CIDR/ },
    { name: 'PublishedPortFirewall: allowFrom as a string', resource: { ...FIREWALL, allowFrom: '198.18.9.0/24' }, key: 'allowFrom', message: /array/ },
    { name: 'PublishedPortFirewall: takes no source', resource: { ...FIREWALL, source: 'apphub' }, key: 'source', message: /unknown key/ },
    // Common
    { name: 'unknown kind', resource: { ...FILE_LINE, kind: 'FileLines' }, key: 'kind', message: /unknown kind "FileLines" \(did you mean "FileLine"\?\)/ },
    { name: 'duplicate name', resource: { ...CREDS, name: 'gitea-credentials' }, key: 'name', message: /duplicate resource name "gitea-credentials"/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const resourceName = c.resource.name as string;
      assert.throws(
        () => validate(c.resource, c.sources ? { sources: c.sources } : {}),
        (error: unknown) => {
          assert.ok(error instanceof UsageError, String(error));
          assert.ok(error.message.startsWith(`invalid configuration (${ORIGIN}): `), error.message);
          assert.ok(error.message.includes(`resources.2.${c.key} (resource "${resourceName}")`), error.message);
          assert.match(error.message, c.message);
          // The resources before it are not blamed.
          assert.ok(!/resources\.[01]\./.test(error.message), error.message);
          return true;
        },
      );
    });
  }
});

describe('validateConfig: sources of the new kinds', () => {
  const cases: { name: string; source: { [key: string]: Yaml }; key: string }[] = [
    { name: 'relative path', source: { kind: 'ContainerFile', container: 'websoft9-git', path: 'data/credential' }, key: 'path' },
    { name: 'bad format', source: { kind: 'ContainerFile', container: 'websoft9-git', path: '/data/credential', format: 'yaml' }, key: 'format' },
    { name: 'container with /', source: { kind: 'ContainerFile', container: 'a/b', path: '/data/credential' }, key: 'container' },
    { name: 'empty username', source: { kind: 'ContainerFile', container: 'c', path: '/data/credential', username: '' }, key: 'username' },
    { name: 'unknown key', source: { kind: 'ContainerFile', container: 'c', path: '/data/credential', section: 'x' }, key: 'section' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.throws(() => validate(CREDS, { sources: { extra: c.source } }), (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.ok(error.message.includes(`sources.extra.${c.key}`), error.message);
        return true;
      });
    });
  }
});

describe('validateConfig: valid resources of the new kinds', () => {
  it('the default profile', () => {
    const config = validateConfig(DEFAULTS, DEFAULT_CONFIG_PATH);
    assert.deepEqual(
      config.resources.map((r) => [r.name, r.kind]),
      [
        ['cockpit-socket', 'SystemdSocketPort'],
        ['cockpit-firewalld', 'FirewalldServicePort'],
        ['proxy-cockpit-port', 'FileLine'],
        ['cockpit-certs', 'DirectoryMirror'],
        ['gitea-credentials', 'ContainerCredentials'],
        ['portainer-credentials', 'ContainerCredentials'],
        ['proxy-credentials', 'ContainerCredentials'],
        ['proxy-ssl-certificate', 'FileLine'],
        ['proxy-ssl-certificate-key', 'FileLine'],
        ['cockpit-origins', 'IniValue'],
      ],
    );
    assert.equal(config.sources['docker0-ip']?.kind === 'ContainerIniValue' && config.sources['docker0-ip'].type, 'ipv4');
    assert.equal(config.sources['proxy-ssl-cert']?.kind === 'ContainerIniValue' && config.sources['proxy-ssl-cert'].type, 'path');
    assert.equal(config.sources.apphub?.kind === 'ContainerIniValue' && config.sources.apphub.type, 'port');
    const origins = resourceOf(config, 'cockpit-origins');
    assert.ok(origins.kind === 'IniValue' && origins.create === false && origins.template === 'http://{value}:9000 ws://{value}:9000');
    for (const [name, directive] of [['proxy-ssl-certificate', 'ssl_certificate'], ['proxy-ssl-certificate-key', 'ssl_certificate_key']] as const) {
      const ssl = resourceOf(config, name);
      assert.ok(ssl.kind === 'FileLine');
      // Each match finds its own directive only: ssl_certificate must not match ssl_certificate_key.
      assert.deepEqual(['ssl_certificate /a;', 'ssl_certificate_key /b;'].filter((l) => new RegExp(ssl.match).test(l)), [`${directive} /${directive === 'ssl_certificate' ? 'a' : 'b'};`]);
    }
    // Every proxy resource checks nginx's configuration before its reload.
    for (const name of ['proxy-cockpit-port', 'cockpit-certs', 'proxy-ssl-certificate', 'proxy-ssl-certificate-key']) {
      const r = resourceOf(config, name);
      assert.ok((r.kind === 'FileLine' || r.kind === 'DirectoryMirror') && r.afterChange !== undefined && 'exec' in r.afterChange, name);
      assert.deepEqual(r.afterChange.check, { exec: { container: 'websoft9-proxy', command: ['nginx', '-t'] } }, name);
    }
    const line = resourceOf(config, 'proxy-cockpit-port');
    assert.ok(line.kind === 'FileLine');
    assert.ok(new RegExp(line.match).test('set $cockpit_port 9000;'));
    assert.deepEqual(config.sources['portainer-credential'], { kind: 'ContainerFile', container: 'websoft9-deployment', path: '/data/credential', format: 'password', username: 'admin' });
    assert.deepEqual(config.sources['gitea-credential'], { kind: 'ContainerFile', container: 'websoft9-git', path: '/data/gitea/credential', format: 'json' });
  });

  it('PublishedPortFirewall: defaults; one per configuration, a switched-off one included', () => {
    const firewall = resourceOf(validate({ name: 'fw', kind: 'PublishedPortFirewall' }), 'fw');
    assert.deepEqual(firewall, { name: 'fw', kind: 'PublishedPortFirewall', enabled: true, default: 'allow', allowFrom: [], backend: 'iptables' });
    for (const backend of ['nftables', 'auto'] as const) {
      const chosen = resourceOf(validate({ name: 'fw', kind: 'PublishedPortFirewall', backend }), 'fw');
      assert.ok(chosen.kind === 'PublishedPortFirewall' && chosen.backend === backend);
    }
    assert.throws(() => validate({ name: 'fw', kind: 'PublishedPortFirewall', backend: 'nft' }), /backend/);
    for (const enabled of [true, false]) {
      const twice = mergeConfig(DEFAULTS, { resources: [{ ...FIREWALL, enabled }, { ...FIREWALL, name: 'second' }] });
      assert.throws(() => validateConfig(twice, ORIGIN), /resources\.1\.kind \(resource "second"\): the iptables chain RECONCILE-PUBLISHED and its jump from DOCKER-USER \(and the nftables table inet reconcile\) is also owned by resource "published-ports"/);
    }
  });

  it('ContainerCredentials defaults', () => {
    const creds = resourceOf(validate(CREDS), 'proxy-creds');
    assert.deepEqual(creds, {
      name: 'proxy-creds',
      kind: 'ContainerCredentials',
      source: 'proxy-credential',
      section: 'nginx_proxy_manager',
      enabled: true,
      container: 'websoft9-apphub',
      volume: 'websoft9_apphub_config',
      file: 'config.ini',
      path: null,
      userKey: 'user_name',
      passwordKey: 'user_pwd',
      method: 'cli',
      cli: ['apphub', 'setconfig'],
    });
  });

  it('ContainerCredentials overrides', () => {
    const over = { ...CREDS, container: 'apphub', volume: null, path: '/srv/config.ini', userKey: 'login', passwordKey: 'secret', method: 'ini', cli: ['python3', 'cli.py'] };
    const creds = resourceOf(validate(over), 'proxy-creds');
    assert.ok(creds.kind === 'ContainerCredentials');
    assert.equal(creds.method, 'ini');
    assert.equal(creds.path, '/srv/config.ini');
    assert.equal(creds.volume, null);
    assert.deepEqual(creds.cli, ['python3', 'cli.py']);
  });

  const mirrors: { name: string; from: Yaml; to: Yaml; want: [unknown, unknown] }[] = [
    { name: 'path to volume+subPath', from: { path: '/a' }, to: { volume: 'v', subPath: 'x/y' }, want: [{ path: '/a' }, { volume: 'v', subPath: 'x/y' }] },
    { name: 'volume without subPath: the volume root', from: { volume: 'v' }, to: { path: '/b' }, want: [{ volume: 'v', subPath: '' }, { path: '/b' }] },
    { name: 'path to path', from: { path: '/a' }, to: { path: '/b' }, want: [{ path: '/a' }, { path: '/b' }] },
    { name: 'dots inside names are fine', from: { volume: 'v.1', subPath: 'a..b/.c' }, to: { path: '/b/..x' }, want: [{ volume: 'v.1', subPath: 'a..b/.c' }, { path: '/b/..x' }] },
  ];
  for (const m of mirrors) {
    it(`DirectoryMirror: ${m.name}`, () => {
      const mirror = resourceOf(validate({ ...MIRROR, from: m.from, to: m.to }), 'certs');
      assert.ok(mirror.kind === 'DirectoryMirror');
      assert.deepEqual([mirror.from, mirror.to], m.want);
      assert.deepEqual(mirror.include, ['*']);
      assert.equal(mirror.prune, false);
    });
  }

  const lines: { name: string; resource: { [key: string]: Yaml } }[] = [
    { name: 'volume + file', resource: FILE_LINE },
    { name: 'path', resource: { ...without(FILE_LINE, 'volume', 'file'), path: '/etc/nginx/conf.d/var.conf' } },
    { name: 'file in a subdirectory', resource: { ...FILE_LINE, file: 'conf/custom_var.conf' } },
    { name: 'afterChange systemctl', resource: { ...FILE_LINE, afterChange: { systemctl: ['reload', 'nginx.service'] } } },
    { name: 'template with {value} twice', resource: { ...FILE_LINE, template: 'a {value} b {value}' } },
  ];
  for (const l of lines) {
    it(`FileLine: ${l.name}`, () => {
      const line = resourceOf(validate(l.resource), 'proxy-port');
      assert.equal(line.kind, 'FileLine');
    });
  }
});

describe('loadConfig: YAML files with the new kinds', () => {
    const { file } = configFiles('config-kinds-');

  it('a FileLine with a quoted regular expression and template', () => {
    const config = loadConfig(
      file(
        [
          'resources:',
          '  - name: proxy-port',
          '    kind: FileLine',
          '    source: apphub',
          '    path: /etc/nginx/var.conf',
          "    match: '^\\s*set\\s+\\$cockpit_port\\s'",
          "    template: 'set $cockpit_port {value};'",
          '    afterChange:',
          '      exec: { container: websoft9-proxy, command: [nginx, -s, reload] }',
        ].join('\n'),
      ),
    );
    const line = resourceOf(config, 'proxy-port');
    assert.ok(line.kind === 'FileLine');
    assert.equal(line.match, '^\\s*set\\s+\\$cockpit_port\\s');
    assert.deepEqual(line.afterChange, { exec: { container: 'websoft9-proxy', command: ['nginx', '-s', 'reload'] } });
    // Sources are merged over the defaults: the default ones are still there.
    assert.equal(config.sources.apphub?.kind, 'ContainerIniValue');
  });

  const bad: { name: string; yaml: string; where: string }[] = [
    {
      name: 'regular expression that does not compile',
      yaml: "resources:\n  - name: proxy-port\n    kind: FileLine\n    source: apphub\n    path: /x\n    match: 'set (\\$cockpit_port'\n    template: 'set $cockpit_port {value};'\n",
      where: 'resources.0.match (resource "proxy-port")',
    },
    {
      // Unquoted in YAML, `{value}` is a flow mapping: the template is not a string at all.
      name: 'template left unquoted',
      yaml: 'resources:\n  - name: proxy-port\n    kind: FileLine\n    source: apphub\n    path: /x\n    match: x\n    template: {value}\n',
      where: 'resources.0.template (resource "proxy-port")',
    },
    {
      name: 'volume name with /',
      yaml: 'resources:\n  - name: certs\n    kind: DirectoryMirror\n    from: { path: /etc/cockpit/ws-certs.d }\n    to: { volume: websoft9/nginx_data }\n',
      where: 'resources.0.to.volume (resource "certs")',
    },
    {
      name: 'second resource with a subPath escaping the volume',
      yaml: 'resources:\n  - name: a\n    kind: FirewalldServicePort\n    source: apphub\n    files: [/x.xml]\n  - name: certs\n    kind: DirectoryMirror\n    from: { path: /a }\n    to: { volume: v, subPath: ../../etc }\n',
      where: 'resources.1.to.subPath (resource "certs")',
    },
    {
      name: 'credentials from the wrong kind of source',
      yaml: 'resources:\n  - name: creds\n    kind: ContainerCredentials\n    source: apphub\n    section: gitea\n',
      where: 'resources.0.source (resource "creds")',
    },
  ];
  for (const b of bad) {
    it(b.name, () => {
      const path = file(b.yaml);
      assert.throws(
        () => loadConfig(path),
        (error: unknown) => {
          assert.ok(error instanceof UsageError, String(error));
          assert.ok(error.message.includes(path), error.message);
          assert.ok(error.message.includes(b.where), error.message);
          return true;
        },
      );
    });
  }
});

describe('validateConfig: IniValue and source types', () => {
  const INI: { [key: string]: Yaml } = { name: 'origins', kind: 'IniValue', source: 'apphub', path: '/etc/cockpit/cockpit.conf', section: 'WebService', key: 'Origins', template: 'http://{value}:9000' };
  it('defaults: create false', () => {
    const r = resourceOf(validate(INI), 'origins');
    assert.ok(r.kind === 'IniValue' && r.create === false);
  });
  const bad: [string, { [key: string]: Yaml }, string][] = [
    ['relative path', { ...INI, path: 'cockpit.conf' }, 'path'],
    ['section with ]', { ...INI, section: 'Web]Service' }, 'section'],
    ['key with =', { ...INI, key: 'Ori=gins' }, 'key'],
    ['key with a line break', { ...INI, key: 'Origins\nX' }, 'key'],
    ['key with surrounding space', { ...INI, key: ' Origins' }, 'key'],
    ['template without {value}', { ...INI, template: 'http://x' }, 'template'],
    ['template on two lines', { ...INI, template: '{value}\nX=1' }, 'template'],
  ];
  for (const [name, resource, key] of bad) {
    it(`refuses ${name}`, () => {
      assert.throws(() => validate(resource), (error: unknown) => error instanceof UsageError && error.message.includes(key));
    });
  }
  it('a SystemdSocketPort refuses a source that is not a port', () => {
    const over = { sources: { apphub: { kind: 'ContainerIniValue', container: 'c', volume: 'v', file: 'config.ini', section: 's', key: 'k', type: 'ipv4' } } };
    const socket = { name: 's', kind: 'SystemdSocketPort', source: 'apphub', unit: 'cockpit.socket', unitPath: '/lib/systemd/system/cockpit.socket', dropInDir: '/etc/systemd/system/cockpit.socket.d' };
    assert.throws(() => validate(socket, over), (error: unknown) => error instanceof UsageError && /needs a port/.test(error.message));
  });
  it('two IniValues on one key of one file are refused; another key of the file is not', () => {
    const over = { resources: [...BEFORE, INI, { ...INI, name: 'origins-two', path: '/etc/cockpit//cockpit.conf' }] };
    assert.throws(() => validateConfig(mergeConfig(DEFAULTS, over), ORIGIN), (error: unknown) => error instanceof UsageError && /origins-two.*the key Origins of \[WebService\]/.test(error.message));
    const fine = { resources: [...BEFORE, INI, { ...INI, name: 'title', key: 'LoginTitle' }] };
    assert.equal(validateConfig(mergeConfig(DEFAULTS, fine), ORIGIN).resources.length, 4);
  });
  it('an unknown type is refused', () => {
    const over = { sources: { apphub: { kind: 'ContainerIniValue', container: 'c', volume: 'v', file: 'config.ini', section: 's', key: 'k', type: 'ipv6' } } };
    assert.throws(() => validate(INI, over), (error: unknown) => error instanceof UsageError && error.message.includes('type'));
  });
});
