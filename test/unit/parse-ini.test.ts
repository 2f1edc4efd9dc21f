import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { checkPort } from '../../src/core/port';
import { getIniValue, parseIni, type IniDocument } from '../../src/files/parse-ini';

/** Plain-object view of a parse, comparable with deepEqual and with Python's answer. */
type Outcome =
  | { ok: true; sections: Record<string, Record<string, string>>; defaults: Record<string, string> }
  | { ok: false };

interface Case {
  name: string;
  text: string;
  expect: Outcome;
  /** For errors: the 1-based line that is reported. */
  line?: number;
}

const ok = (sections: Record<string, Record<string, string>>, defaults: Record<string, string> = {}): Outcome => ({
  ok: true,
  sections,
  defaults,
});
const error: Outcome = { ok: false };

function outcomeOf(text: string): Outcome {
  const parsed = parseIni(text);
  if (!parsed.ok) return { ok: false };
  return plain(parsed.ini);
}

function plain(ini: IniDocument): Outcome {
  const sections: Record<string, Record<string, string>> = {};
  for (const [name, values] of ini.sections) sections[name] = Object.fromEntries(values);
  return { ok: true, sections, defaults: Object.fromEntries(ini.defaults) };
}

// Expectations were checked against CPython 3.11 configparser.ConfigParser() reading the same bytes
// from a file with encoding='utf-8' (as apphub does); the "agrees with Python" test below re-checks
// them whenever python3 is on PATH.
const cases: Case[] = [
  // --- the ordinary file apphub writes
  {
    name: 'apphub config.ini',
    text: '[cockpit]\nport = 9000\n\n[nginx_proxy_manager]\nuser_name = help@websoft9.com\nuser_pwd = x:y=z\n',
    expect: ok({ cockpit: { port: '9000' }, nginx_proxy_manager: { user_name: 'help@websoft9.com', user_pwd: 'x:y=z' } }),
  },
  { name: '= delimiter without spaces', text: '[cockpit]\nport=9000', expect: ok({ cockpit: { port: '9000' } }) },
  { name: ': delimiter', text: '[cockpit]\nport: 9000\n', expect: ok({ cockpit: { port: '9000' } }) },
  { name: ': delimiter without spaces', text: '[cockpit]\nport:9000\n', expect: ok({ cockpit: { port: '9000' } }) },
  { name: 'spaces and tabs around the delimiter', text: '[cockpit]\nport \t =\t  9000  \t\n', expect: ok({ cockpit: { port: '9000' } }) },
  { name: 'spaces inside the key', text: '[s]\nmy key = v\n', expect: ok({ s: { 'my key': 'v' } }) },
  { name: 'first delimiter wins (= then :)', text: '[s]\na = b: c\n', expect: ok({ s: { a: 'b: c' } }) },
  { name: 'first delimiter wins (: then =)', text: '[s]\na: b = c\n', expect: ok({ s: { a: 'b = c' } }) },
  { name: 'key containing a colon before =', text: '[s]\nk:v=w\n', expect: ok({ s: { k: 'v=w' } }) },
  { name: 'empty value', text: '[cockpit]\nport =\n', expect: ok({ cockpit: { port: '' } }) },
  { name: 'empty value with spaces', text: '[cockpit]\nport =    \n', expect: ok({ cockpit: { port: '' } }) },
  { name: 'value with several delimiters', text: '[s]\nurl = http://h:80/?a=b\n', expect: ok({ s: { url: 'http://h:80/?a=b' } }) },
  { name: 'indented option line (no option before it)', text: '[s]\n   port = 9000\n', expect: ok({ s: { port: '9000' } }) },

  // --- line ends, byte order mark
  { name: 'CRLF line ends', text: '[cockpit]\r\nport = 9000\r\n', expect: ok({ cockpit: { port: '9000' } }) },
  { name: 'lone CR line ends (universal newlines)', text: '[cockpit]\rport = 9000\r', expect: ok({ cockpit: { port: '9000' } }) },
  { name: 'mixed line ends', text: '[a]\r\nx = 1\ny = 2\rz = 3\n', expect: ok({ a: { x: '1', y: '2', z: '3' } }) },
  { name: 'no final newline', text: '[cockpit]\nport = 9000', expect: ok({ cockpit: { port: '9000' } }) },
  {
    // Editors add a BOM; like Python's utf-8-sig codec, a leading one is not content.
    name: 'a leading UTF-8 byte order mark is skipped (utf-8-sig)',
    text: '\uFEFF[cockpit]\nport = 9000\n',
    expect: ok({ cockpit: { port: '9000' } }),
  },
  { name: 'byte order mark inside a value is kept', text: '[cockpit]\nport = \uFEFF9000\n', expect: ok({ cockpit: { port: '\uFEFF9000' } }) },

  // --- comments
  { name: '# whole-line comment', text: '# top\n[cockpit]\n# port = 1\nport = 9000\n', expect: ok({ cockpit: { port: '9000' } }) },
  { name: '; whole-line comment', text: '; top\n[cockpit]\n; port = 1\nport = 9000\n', expect: ok({ cockpit: { port: '9000' } }) },
  { name: 'indented comment', text: '[cockpit]\n   # port = 1\n\t; x\nport = 9000\n', expect: ok({ cockpit: { port: '9000' } }) },
  { name: 'comment before the first section is fine', text: '# hello\n; world\n\n[s]\nk=v\n', expect: ok({ s: { k: 'v' } }) },
  { name: 'no inline comment: ;', text: '[cockpit]\nport = 9000; rm -rf /\n', expect: ok({ cockpit: { port: '9000; rm -rf /' } }) },
  { name: 'no inline comment: #', text: '[cockpit]\nport = 9000 # x\n', expect: ok({ cockpit: { port: '9000 # x' } }) },
  { name: 'no inline comment after a section header', text: '[cockpit] ; x\nport = 9000\n', expect: ok({ cockpit: { port: '9000' } }) },
  { name: 'comment line inside a multi-line value is dropped', text: '[s]\nk = a\n# c\n  b\n', expect: ok({ s: { k: 'a\nb' } }) },

  // --- names
  { name: 'keys are case-insensitive (lower-cased)', text: '[cockpit]\nPORT = 9000\n', expect: ok({ cockpit: { port: '9000' } }) },
  { name: 'mixed-case key', text: '[cockpit]\nPoRt = 9000\n', expect: ok({ cockpit: { port: '9000' } }) },
  { name: 'section names are case-sensitive', text: '[Cockpit]\nport = 1\n[cockpit]\nport = 2\n', expect: ok({ Cockpit: { port: '1' }, cockpit: { port: '2' } }) },
  { name: 'section name with spaces kept as is', text: '[ cockpit ]\nport = 9000\n', expect: ok({ ' cockpit ': { port: '9000' } }) },
  { name: 'section header followed by text', text: '[cockpit]x\nport = 9000\n', expect: ok({ cockpit: { port: '9000' } }) },
  { name: 'section header takes up to the last ]', text: '[a]b]c\nk = v\n', expect: ok({ 'a]b': { k: 'v' } }) },
  { name: 'section header followed by "= 1" is still a header', text: '[x]=1\nk = v\n', expect: ok({ x: { k: 'v' } }) },
  { name: 'indented section header (no option before)', text: '  [cockpit]\nport = 9000\n', expect: ok({ cockpit: { port: '9000' } }) },
  { name: 'section [default] (lower case) is an ordinary section', text: '[default]\nport = 1\n', expect: ok({ default: { port: '1' } }) },
  { name: 'section named ]', text: '[]]\nk = v\n', expect: ok({ ']': { k: 'v' } }) },

  // --- strict mode
  { name: 'duplicate key', text: '[cockpit]\nport = 9000\nport = 9001\n', expect: error, line: 3 },
  { name: 'duplicate key differing in case', text: '[cockpit]\nport = 9000\nPort = 9001\n', expect: error, line: 3 },
  { name: 'duplicate key with other delimiter', text: '[cockpit]\nport = 9000\nport: 9000\n', expect: error, line: 3 },
  { name: 'duplicate section', text: '[cockpit]\nport = 9000\n[other]\n[cockpit]\nx = 1\n', expect: error, line: 4 },
  { name: 'duplicate empty section', text: '[cockpit]\n[cockpit]\n', expect: error, line: 2 },
  { name: 'duplicate key in a repeated [DEFAULT]', text: '[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n', expect: error, line: 4 },
  { name: 'repeated [DEFAULT] is allowed', text: '[DEFAULT]\na = 1\n[s]\n[DEFAULT]\nb = 2\n', expect: ok({ s: {} }, { a: '1', b: '2' }) },
  { name: 'same key in different sections', text: '[a]\nport = 1\n[b]\nport = 2\n', expect: ok({ a: { port: '1' }, b: { port: '2' } }) },

  // --- structure errors
  { name: 'text before the first section', text: 'port = 9000\n[cockpit]\nport = 9000\n', expect: error, line: 1 },
  { name: 'line without delimiter', text: '[cockpit]\nport 9000\n', expect: error, line: 2 },
  { name: '=value with empty key', text: '[cockpit]\n=9000\n', expect: error, line: 2 },
  { name: ':value with empty key', text: '[cockpit]\n: 9000\n', expect: error, line: 2 },
  { name: 'spaces then = with empty key', text: '[cockpit]\n   = 9000\n', expect: error, line: 2 },
  { name: 'only brackets []', text: '[]\n', expect: error, line: 1 },
  { name: 'only brackets [] inside a section', text: '[s]\n[]\n', expect: error, line: 2 },
  { name: '[ alone', text: '[\n', expect: error, line: 1 },
  { name: '[ alone inside a section', text: '[s]\n[\n', expect: error, line: 2 },
  { name: '] alone', text: '[s]\n]\n', expect: error, line: 2 },
  { name: 'unterminated header', text: '[cockpit\nport = 9000\n', expect: error, line: 1 },
  { name: 'unterminated header inside a section', text: '[s]\n[cockpit\nport = 9000\n', expect: error, line: 2 },
  { name: 'unterminated header with = is an option', text: '[s]\n[a=b\n', expect: ok({ s: { '[a': 'b' } }) },

  // --- empty and half-written files
  { name: 'empty file', text: '', expect: ok({}) },
  { name: 'only newlines', text: '\n\n\r\n', expect: ok({}) },
  { name: 'only comments', text: '# a\n; b\n', expect: ok({}) },
  { name: 'only whitespace', text: '   \n\t\n', expect: ok({}) },
  { name: 'section without options', text: '[cockpit]\n', expect: ok({ cockpit: {} }) },
  { name: 'truncated inside a header', text: '[cockp', expect: error, line: 1 },
  { name: 'truncated after a header', text: '[cockpit]', expect: ok({ cockpit: {} }) },
  { name: 'truncated inside a key', text: '[cockpit]\npo', expect: error, line: 2 },
  { name: 'truncated after the delimiter', text: '[cockpit]\nport =', expect: ok({ cockpit: { port: '' } }) },
  { name: 'truncated inside the value', text: '[cockpit]\nport = 90', expect: ok({ cockpit: { port: '90' } }) },

  // --- multi-line values
  { name: 'continuation line', text: '[s]\nk = a\n  b\n', expect: ok({ s: { k: 'a\nb' } }) },
  { name: 'continuation with tab', text: '[s]\nk = a\n\tb\n', expect: ok({ s: { k: 'a\nb' } }) },
  { name: 'several continuation lines', text: '[s]\nk = a\n  b\n    c\n  d\nn = 1\n', expect: ok({ s: { k: 'a\nb\nc\nd', n: '1' } }) },
  { name: 'empty line inside a value is kept', text: '[s]\nk = a\n\n  b\n', expect: ok({ s: { k: 'a\n\nb' } }) },
  { name: 'trailing empty lines are dropped', text: '[s]\nk = a\n  b\n\n\n', expect: ok({ s: { k: 'a\nb' } }) },
  { name: 'empty first line of a value', text: '[s]\nk =\n  a\n', expect: ok({ s: { k: '\na' } }) },
  { name: 'continuation of a port makes it invalid', text: '[cockpit]\nport = 9000\n  9001\n', expect: ok({ cockpit: { port: '9000\n9001' } }) },
  { name: 'indented [header] after an option is a continuation', text: '[s]\nk = a\n  [t]\n', expect: ok({ s: { k: 'a\n[t]' } }) },
  { name: 'indented option after an option is a continuation', text: '[s]\nk = a\n  port = 9000\n', expect: ok({ s: { k: 'a\nport = 9000' } }) },
  { name: 'continuation relative to an indented option', text: '[s]\n  k = a\n  n = b\n    c\n', expect: ok({ s: { k: 'a', n: 'b\nc' } }) },
  { name: 'indented line right after a header is not a continuation', text: '[s]\n  k = a\n', expect: ok({ s: { k: 'a' } }) },
  { name: 'indented line without delimiter after a header', text: '[s]\n  junk\n', expect: error, line: 2 },
  { name: 'continuation after an empty line', text: '[s]\nk = a\n\n  b = c\n', expect: ok({ s: { k: 'a\n\nb = c' } }) },

  // --- [DEFAULT]
  { name: '[DEFAULT] section', text: '[DEFAULT]\nport = 9090\n[cockpit]\n', expect: ok({ cockpit: {} }, { port: '9090' }) },
  { name: '[DEFAULT] after sections', text: '[cockpit]\nx = 1\n[DEFAULT]\nport = 9090\n', expect: ok({ cockpit: { x: '1' } }, { port: '9090' }) },

  // --- hostile bytes
  { name: 'NUL inside a value is kept', text: '[cockpit]\nport = 90\u000000\n', expect: ok({ cockpit: { port: '90\u000000' } }) },
  { name: 'NUL at the end of a value is kept', text: '[cockpit]\nport = 9000\u0000\n', expect: ok({ cockpit: { port: '9000\u0000' } }) },
  { name: 'NUL in a key', text: '[cockpit]\npo\u0000rt = 9000\n', expect: ok({ cockpit: { 'po\u0000rt': '9000' } }) },
  { name: 'NUL-only line', text: '[cockpit]\n\u0000\n', expect: error, line: 2 },
  { name: 'file of NULs (pre-allocated, not yet written)', text: '\u0000'.repeat(64), expect: error, line: 1 },
  { name: 'U+2028 inside a key and a value', text: '[c]\nport\u2028x = 9\u2028000\n', expect: ok({ c: { 'port\u2028x': '9\u2028000' } }) },
  { name: 'U+2028 inside a section name', text: '[a\u2028b]\nk=v\n', expect: ok({ 'a\u2028b': { k: 'v' } }) },
  { name: 'U+0085 is whitespace for Python', text: '[c]\nport = 9000\u0085\n', expect: ok({ c: { port: '9000' } }) },
  { name: 'U+001C is whitespace for Python', text: '[c]\n\u001cport\u001f=\u001d9000\u001e\n', expect: ok({ c: { port: '9000' } }) },
  { name: 'U+001C line is an empty line', text: '[c]\nport = 9000\n\u001c\n', expect: ok({ c: { port: '9000' } }) },
  { name: 'NBSP and ideographic space are stripped', text: '[c]\nport =\u00a09000\u3000\n', expect: ok({ c: { port: '9000' } }) },
  { name: 'zero-width space is not whitespace', text: '[c]\nport = 9000\u200b\n', expect: ok({ c: { port: '9000\u200b' } }) },
  { name: 'vertical tab and form feed are whitespace', text: '[c]\n\u000bport\u000c= 9000\n', expect: ok({ c: { port: '9000' } }) },
  { name: 'fullwidth digits are kept as they are', text: '[cockpit]\nport = \uFF19\uFF10\uFF10\uFF10\n', expect: ok({ cockpit: { port: '\uFF19\uFF10\uFF10\uFF10' } }) },
  { name: 'non-ASCII section and key', text: '[κόκπιτ]\nΠΟΡΤ = 9000\n', expect: ok({ κόκπιτ: { πορτ: '9000' } }) },
  { name: 'percent signs are read raw (interpolation happens on get)', text: '[c]\nport = %(x)s\n', expect: ok({ c: { port: '%(x)s' } }) },
  { name: 'very long value', text: `[c]\nk = ${'v'.repeat(100_000)}\n`, expect: ok({ c: { k: 'v'.repeat(100_000) } }) },
  { name: 'very long key', text: `[c]\n${'k'.repeat(100_000)} = 1\n`, expect: ok({ c: { ['k'.repeat(100_000)]: '1' } }) },
  { name: 'very long section name', text: `[${'s'.repeat(100_000)}]\n`, expect: ok({ ['s'.repeat(100_000)]: {} }) },
  { name: 'very long line without delimiter', text: `[c]\n${'x'.repeat(100_000)}\n`, expect: error, line: 2 },
  { name: 'long run of spaces without delimiter', text: `[c]\na${' '.repeat(5_000)}b\n`, expect: error, line: 2 },
  { name: 'long run of spaces before the delimiter', text: `[c]\na${' '.repeat(5_000)}= 1\n`, expect: ok({ c: { a: '1' } }) },
  { name: 'long run of [ without ]', text: `[c]\n${'['.repeat(50_000)}\n`, expect: error, line: 2 },
  { name: 'long run of [ and ]', text: `${'[]'.repeat(25_000)}\n`, expect: ok({ [`${'[]'.repeat(25_000).slice(1, -1)}`]: {} }) },
];

/** Synchronous work cannot be interrupted by a test timeout: a generous bound that only a blow-up exceeds. */
const HANG_MS = 30_000;

describe('parseIni', () => {
  for (const c of cases) {
    it(c.name, () => {
      const parsed = parseIni(c.text);
      assert.deepEqual(outcomeOf(c.text), c.expect);
      if (!parsed.ok) {
        assert.ok(parsed.problem.length > 0);
        if (c.line !== undefined) assert.equal(parsed.line, c.line);
      }
    });
  }

  it('agrees with Python 3 configparser on every case (when python3 is available)', (t) => {
    const script = [
      'import configparser, json, os, sys, tempfile',
      'texts = json.loads(sys.stdin.read())',
      'out = []',
      'folder = tempfile.mkdtemp()',
      'for i, text in enumerate(texts):',
      "    path = os.path.join(folder, '%d.ini' % i)",
      "    with open(path, 'w', encoding='utf-8', newline='') as f: f.write(text)",
      '    parser = configparser.ConfigParser()',
      '    try:',
      "        parser.read(path, encoding='utf-8-sig')",
      "        out.append({'ok': True, 'sections': {s: dict(parser._sections[s]) for s in parser._sections}, 'defaults': dict(parser._defaults)})",
      '    except configparser.Error:',
      "        out.append({'ok': False})",
      '    os.remove(path)',
      'os.rmdir(folder)',
      'print(json.dumps(out))',
    ].join('\n');
    const run = spawnSync('python3', ['-c', script], {
      input: JSON.stringify(cases.map((c) => c.text)),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 60_000,
    });
    if (run.error || run.status !== 0) {
      t.skip(`python3 unavailable: ${run.error?.message ?? run.stderr}`);
      return;
    }
    const python = JSON.parse(run.stdout) as Outcome[];
    assert.equal(python.length, cases.length);
    cases.forEach((c, i) => {
      assert.deepEqual(python[i], c.expect, `Python disagrees with the table on "${c.name}"`);
    });
  });

  it('parses a 5 MB file of sections (super-linear work would not end in tens of seconds)', () => {
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < 5 * 1024 * 1024; i++) {
      const part = `[section${i}]\nport = ${i % 65535}\nname = value number ${i}\n  continued ${i}\n\n`;
      parts.push(part);
      size += part.length;
    }
    parts.push('[cockpit]\nport = 9000\n');
    const started = Date.now();
    const parsed = parseIni(parts.join(''));
    const elapsed = Date.now() - started;
    assert.ok(parsed.ok);
    if (parsed.ok) {
      assert.equal(parsed.ini.sections.size, parts.length);
      assert.equal(getIniValue(parsed.ini, 'cockpit', 'port'), '9000');
      assert.equal(getIniValue(parsed.ini, 'section7', 'name'), 'value number 7\ncontinued 7');
    }
    // A bound for a blow-up (quadratic on 5 MB is hours), not a speed: the time is bench/parsers.ts's.
    assert.ok(elapsed < HANG_MS, `took ${elapsed} ms`);
  });

  const hostileLines: [string, string][] = [
    ['5 MB line of spaces between two letters', `a${' '.repeat(5 * 1024 * 1024)}b`],
    ['5 MB line of spaces then a delimiter', `a${' '.repeat(5 * 1024 * 1024)}=b`],
    ['5 MB line of tabs and spaces', `${'k \t'.repeat(1024 * 1024)}`],
    ['5 MB line of [', '['.repeat(5 * 1024 * 1024)],
    ['5 MB line of ]', ']'.repeat(5 * 1024 * 1024)],
    ['5 MB line of =', '='.repeat(5 * 1024 * 1024)],
    ['5 MB of [x', '[x'.repeat(2.5 * 1024 * 1024)],
    ['1M short lines without delimiter', 'x\n'.repeat(1024 * 1024)],
    ['1M continuation lines', `k = v\n${' c\n'.repeat(1024 * 1024)}`],
  ];
  for (const [name, body] of hostileLines) {
    it(`stays linear on hostile input: ${name}`, () => {
      const started = Date.now();
      parseIni(`[cockpit]\n${body}\n`);
      const elapsed = Date.now() - started;
      assert.ok(elapsed < HANG_MS, `took ${elapsed} ms`);
    });
  }
});

describe('getIniValue', () => {
  const lookups: { name: string; text: string; section: string; key: string; value: string | undefined }[] = [
    { name: 'plain value', text: '[cockpit]\nport = 9000\n', section: 'cockpit', key: 'port', value: '9000' },
    { name: 'key looked up case-insensitively', text: '[cockpit]\nPort = 9000\n', section: 'cockpit', key: 'PORT', value: '9000' },
    { name: 'section looked up case-sensitively', text: '[cockpit]\nport = 9000\n', section: 'Cockpit', key: 'port', value: undefined },
    { name: 'missing key', text: '[cockpit]\nother = 1\n', section: 'cockpit', key: 'port', value: undefined },
    { name: 'missing section', text: '[other]\nport = 1\n', section: 'cockpit', key: 'port', value: undefined },
    { name: '[DEFAULT] fallback', text: '[DEFAULT]\nport = 9090\n[cockpit]\n', section: 'cockpit', key: 'port', value: '9090' },
    { name: 'section value wins over [DEFAULT]', text: '[DEFAULT]\nport = 9090\n[cockpit]\nport = 9000\n', section: 'cockpit', key: 'port', value: '9000' },
    { name: 'empty section value wins over [DEFAULT]', text: '[DEFAULT]\nport = 9090\n[cockpit]\nport =\n', section: 'cockpit', key: 'port', value: '' },
    { name: '[DEFAULT] needs the section to exist', text: '[DEFAULT]\nport = 9090\n', section: 'cockpit', key: 'port', value: undefined },
    { name: 'value with ; kept whole', text: '[cockpit]\nport = 9000; rm -rf /\n', section: 'cockpit', key: 'port', value: '9000; rm -rf /' },
    { name: 'multi-line value', text: '[cockpit]\nport = 9000\n 9001\n', section: 'cockpit', key: 'port', value: '9000\n9001' },
  ];
  for (const l of lookups) {
    it(l.name, () => {
      const parsed = parseIni(l.text);
      assert.ok(parsed.ok);
      if (parsed.ok) assert.equal(getIniValue(parsed.ini, l.section, l.key), l.value);
    });
  }
});

describe('parseIni + checkPort: what reaches the controller as a port', () => {
  const portCases: [string, number | null][] = [
    ['[cockpit]\nport = 9000\n', 9000],
    ['[cockpit]\r\nport=9000\r\n', 9000],
    ['[cockpit]\nPORT : 9000\n', 9000],
    ['[DEFAULT]\nport = 9000\n[cockpit]\n', 9000],
    ['[cockpit]\nport = 9000; rm -rf /\n', null],
    ['[cockpit]\nport = 9000 # x\n', null],
    ['[cockpit]\nport = 9000\n  9001\n', null],
    ['[cockpit]\nport = \uFEFF9000\n', null],
    ['[cockpit]\nport = 9000\u0000\n', null],
    ['[cockpit]\nport = 90', 90], // a half-written file can look valid: the reader guards by reading twice
    ['[cockpit]\nport =', null],
    ['[cockpit]\npo', null],
    ['\uFEFF[cockpit]\nport = 9000\n', 9000],
    ['', null],
  ];
  for (const [text, port] of portCases) {
    it(`${JSON.stringify(text)} -> ${port}`, () => {
      const parsed = parseIni(text);
      const raw = parsed.ok ? getIniValue(parsed.ini, 'cockpit', 'port') : undefined;
      const checked = raw === undefined ? null : checkPort(raw);
      assert.equal(checked?.ok ? checked.port : null, port);
    });
  }
});
