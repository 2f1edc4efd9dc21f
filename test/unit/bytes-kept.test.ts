import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { NodeFileSystem } from '../../src/adapters/node-file-system';
import { getIniValue, parseIni } from '../../src/files/parse-ini';
import type { DockerHost } from '../../src/host/docker-host';
import { applyPlan, type ApplyDeps } from '../../src/resources/apply-plan';
import { setIniValue } from '../../src/files/set-ini-value';
import { FileLine } from '../../src/resources/file-line/file-line';
import { setLine } from '../../src/resources/file-line/plan-file-line';
import { FirewalldServicePort } from '../../src/resources/firewalld-service-port/firewalld-service-port';
import { setServicePort } from '../../src/resources/firewalld-service-port/service-xml';
import { rewritePorts } from '../../src/resources/systemd-socket-port/plan-socket';
import { SystemdSocketPort } from '../../src/resources/systemd-socket-port/systemd-socket-port';
import { appendToSection, parseUnitFile } from '../../src/resources/systemd-socket-port/unit-file';
import type { Resource } from '../../src/resources/resource';

const SEED = Number(process.env.FC_SEED ?? 42);
const params = { seed: SEED, numRuns: 300, verbose: true };

/** Any byte, as a byte-string character. */
const byte = fc.integer({ min: 0, max: 255 }).map((b) => String.fromCharCode(b));
/** A line of arbitrary bytes (NUL, CR, 0x80–0xFF included), sometimes very long. */
const bytesLine = fc.oneof(
  { weight: 9, arbitrary: fc.array(byte, { maxLength: 60 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: fc.array(byte, { minLength: 5000, maxLength: 20000 }).map((a) => a.join('')) },
).map((l) => l.replace(/\n/g, ''));
const end = fc.constantFrom('\n', '\r\n');

describe('every byte outside the edit is kept (property, random byte strings)', () => {
  it('unit files: rewritePorts changes only the ListenStream= lines, every line end kept', () => {
    const other = bytesLine.filter((l) => !/^[ \t\r]*(ListenStream|\[)/.test(l) && !/\\[ \t\r\n]*$/.test(l));
    const line = fc.oneof(
      other.map((text) => ({ text, want: text })),
      fc.tuple(fc.constantFrom('', ' ', '\t '), fc.integer({ min: 1, max: 65535 })).map(([indent, port]) => ({ text: `${indent}ListenStream=${port}`, want: `${indent}ListenStream=9000` })),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(line, end)), fc.constantFrom('', '\n', '\r\n'), (lines, last) => {
        const build = (pick: 'text' | 'want'): string => `[Socket]\n${lines.map(([l, e]) => l[pick] + e).join('')}${last === '' ? '' : `X-Last=1${last}`}`;
        assert.equal(rewritePorts(build('text'), 9000), build('want'));
      }),
      params,
    );
  });

  it('unit files: appendToSection only inserts one line at the end of the section', () => {
    const other = bytesLine.filter((l) => !/^[ \t\r]*\[/.test(l) && !/\\[ \t\r\n]*$/.test(l) && l.trim() !== '');
    fc.assert(
      fc.property(fc.array(fc.tuple(other, end)), fc.array(fc.tuple(other, end)), end, (socket, install, eol) => {
        const head = `[Socket]${eol}${socket.map(([l, e]) => l + e).join('')}`;
        const tail = `[Install]${eol}${install.map(([l, e]) => l + e).join('')}`;
        const after = appendToSection(parseUnitFile(head + tail), 'Socket', 'ListenStream', '9000');
        const dominant = (head + tail).includes('\r\n') ? '\r\n' : '\n';
        assert.equal(after, `${head}ListenStream=9000${dominant}${tail}`);
      }),
      params,
    );
  });

  it('firewalld service files: setServicePort changes only the port attribute', () => {
    const filler = fc.array(byte, { maxLength: 200 }).map((a) => a.join('').replace(/[<>]/g, ''));
    fc.assert(
      fc.property(filler, filler, filler, filler, fc.integer({ min: 1, max: 65535 }), (a, b, c, d, port) => {
        const text = (p: number): string => `${a}<service>${b}<port protocol="tcp" port="${p}"/>${c}</service>${d}`;
        assert.equal(setServicePort(text(port), 9000), text(9000));
      }),
      params,
    );
  });

  it('FileLine: setLine changes only the matching lines, keeping their indentation', () => {
    const match = /^\s*set\s+\$cockpit_port\s/;
    const other = bytesLine.filter((l) => !match.test(l));
    const target = fc.constantFrom('', '  ', '\t').map((indent) => ({ text: `${indent}set $cockpit_port 9090;`, want: `${indent}set $cockpit_port 9000;` }));
    const line = fc.oneof(other.map((text) => ({ text, want: text })), target);
    fc.assert(
      fc.property(fc.array(fc.tuple(line, end)), target, end, (lines, one, lastEnd) => {
        const all: [{ text: string; want: string }, string][] = [...lines, [one, lastEnd]];
        const build = (pick: 'text' | 'want'): string => all.map(([l, e]) => l[pick] + e).join('');
        assert.equal(setLine(build('text'), match, 'set $cockpit_port 9000;'), build('want'));
      }),
      params,
    );
  });

  it('INI files: setIniValue replaces or adds one line; every other line and line end is kept', () => {
    // config.ini is UTF-8 (validated when read): any code point but line breaks, in values and comments.
    const text = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ''));
    // eslint-disable-next-line no-control-regex -- Python's str.strip() white space includes U+001C–U+001F
    const value = text.map((s) => s.replace(/^[\s\u0085\u001c-\u001f]+|[\s\u0085\u001c-\u001f]+$/g, '')).filter((s) => s !== '');
    const option = fc.tuple(fc.constantFrom('a', 'b', 'user_pwd', 'k'), value).map(([k, v]) => `${k} = ${v}`);
    const comment = text.map((t) => `# ${t}`);
    const section = fc.tuple(fc.constantFrom('gitea', 'cockpit', 'x'), fc.array(fc.tuple(fc.oneof(option, comment, fc.constant('')), fc.constantFrom('\n', '\r\n', '\r'))));
    fc.assert(
      fc.property(fc.array(section, { maxLength: 4 }), fc.constantFrom('gitea', 'new'), value, (sections, wanted, newValue) => {
        const seen = new Set<string>();
        const unique = sections.filter(([name]) => !seen.has(name) && seen.add(name));
        const before = unique
          .map(([name, lines]) => {
            const keys = new Set<string>();
            const body = lines.filter(([l]) => !/^\w+ =/.test(l) || (!keys.has(l.split(' ')[0] as string) && keys.add(l.split(' ')[0] as string)));
            return `[${name}]\n${body.map(([l, e]) => l + e).join('')}`;
          })
          .join('\n');
        if (!parseIni(before).ok) return; // only files configparser reads
        const after = setIniValue(before, wanted, 'user_pwd', newValue);
        const parsed = parseIni(after);
        assert.ok(parsed.ok, JSON.stringify(parsed));
        assert.equal(getIniValue(parsed.ini, wanted, 'user_pwd'), newValue);
        // One region changed: at most one old line out, one new line (or a new section) in.
        let p = 0;
        while (p < before.length && p < after.length && before[p] === after[p]) p++;
        let s = 0;
        while (s < before.length - p && s < after.length - p && before[before.length - 1 - s] === after[after.length - 1 - s]) s++;
        const removed = before.slice(p, before.length - s);
        assert.ok(!/[\r\n]./.test(removed.replace(/\r\n/g, '\n').replace(/\n$/, '')), `more than one line changed: ${JSON.stringify(removed)}`);
      }),
      params,
    );
  });
});

describe('non-UTF-8 bytes, NUL, CR and long lines survive a real edit and write', () => {
  let dir: string;
  const files = new NodeFileSystem();
  const docker = {} as DockerHost;
  const deps: ApplyDeps = {
    files,
    docker,
    runner: { run: () => Promise.resolve({ kind: 'exited', exitCode: 0, stdout: '', stderr: '' }) },
    commands: { prefix: [], systemctl: ['systemctl'], firewallCmd: ['firewall-cmd'], timeoutMs: 1000 },
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reconciler-bytes-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  /** observe → plan → apply → observe: in sync, and the file is `want`. */
  async function converge<S>(resource: Resource<S>, desired: number, path: string, want: Buffer): Promise<void> {
    const plan = resource.plan(desired, (await resource.observe()).state, { retryCommands: false });
    assert.equal(plan.problem, undefined, plan.problem);
    const report = await applyPlan(plan, deps);
    assert.equal(report.failure, undefined, report.failure);
    assert.deepEqual(await readFile(path), want);
    const again = resource.plan(desired, (await resource.observe()).state, { retryCommands: false });
    assert.deepEqual(again.changes, []);
  }

  it('cockpit.xml declared ISO-8859-1 with Caf\\xe9 keeps \\xe9', async () => {
    const path = join(dir, 'cockpit.xml');
    const latin1 = (port: number): Buffer => Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?>\r\n<service>\n  <short>Caf'), Buffer.from([0xe9]), Buffer.from(`</short>\0\r  <port protocol="tcp" port="${port}"/>\n</service>\n`)]);
    await writeFile(path, latin1(9090));
    await converge(new FirewalldServicePort({ name: 'fw', kind: 'FirewalldServicePort', source: 's', files: [path] }, files), 9000, path, latin1(9000));
  });

  it('a unit file edited in place keeps invalid UTF-8, NUL, lone CR, mixed line ends and a 1 MB-ish line', async () => {
    const unitPath = join(dir, 'cockpit.socket');
    const long = 'X'.repeat(900_000);
    const unit = (port: number): Buffer => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`[Unit]\r\nDescription=Caf`), Buffer.from([0xe9, 0xff, 0x00]), Buffer.from(`\n# ${long}\r\n[Socket]\nListenStream=${port}\r\nX-A=\r\r\n\n`)]);
    await writeFile(unitPath, unit(9090));
    const socket = new SystemdSocketPort({ name: 's', kind: 'SystemdSocketPort', source: 'a', unit: 'cockpit.socket', unitPath, dropInDir: join(dir, 'none.d'), mode: 'inplace' }, files);
    await converge(socket, 9000, unitPath, unit(9000));
  });

  it('a FileLine target keeps its other bytes; a non-ASCII template is written as UTF-8', async () => {
    const path = join(dir, 'custom_var.conf');
    const head = Buffer.from([0x23, 0x20, 0xe9, 0x00, 0x0d, 0x0a]); // "# \xe9\0\r\n"
    await writeFile(path, Buffer.concat([head, Buffer.from('set $cockpit_port 9090;\r\nset $x 1;')]));
    const line = new FileLine({ name: 'l', kind: 'FileLine', source: 's', path, match: '^\\s*set\\s+\\$cockpit_port\\s', template: 'set $cockpit_port {value}; # café' }, files, docker);
    await converge(line, 9000, path, Buffer.concat([head, Buffer.from('set $cockpit_port 9000; # café\r\nset $x 1;')]));
    assert.equal((await line.observe()).value, 'set $cockpit_port 9000; # café', 'shown as UTF-8 text');
  });

  it('an INI edit keeps a byte order mark, NUL, lone CR line ends and non-ASCII text', () => {
    const before = '\uFEFF[gitea]\ruser_name = admin\r# \u0000 café 😀\nuser_pwd = old\r\n\r\n[cockpit]\nport = 9000';
    assert.equal(setIniValue(before, 'gitea', 'user_pwd', 'nëw'), '\uFEFF[gitea]\ruser_name = admin\r# \u0000 café 😀\nuser_pwd = nëw\r\n\r\n[cockpit]\nport = 9000');
    assert.equal(setIniValue(before, 'cockpit', 'user_pwd', 'v'), `${before}\r\nuser_pwd = v`);
  });
});
