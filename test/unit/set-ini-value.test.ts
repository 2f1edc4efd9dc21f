import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setIniValue } from '../../src/files/set-ini-value';
import { getIniValue, parseIni, type IniDocument } from '../../src/files/parse-ini';

/** A config.ini as apphub (configparser) writes it. */
const APPHUB = [
  '[cockpit]',
  'port = 9000',
  '',
  '[gitea]',
  'user_name = websoft9',
  'user_pwd = old-secret',
  '',
  '[portainer]',
  'user_name = admin',
  'user_pwd = p0rt',
  '',
  '[nginx_proxy_manager]',
  'user_name = help@websoft9.com',
  'user_pwd = npm',
  '',
].join('\n');

function parsed(text: string): IniDocument {
  const result = parseIni(text);
  assert.ok(result.ok, `not parsable: ${result.ok ? '' : `${result.problem} (line ${result.line})`}\n${text}`);
  return result.ini;
}

/** Every section/key/value of the document, for comparisons. */
function flatten(ini: IniDocument): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [section, values] of ini.sections) out[section] = Object.fromEntries(values);
  if (ini.defaults.size > 0) out.DEFAULT = Object.fromEntries(ini.defaults);
  return out;
}

describe('setIniValue', () => {
  const cases: { name: string; text: string; section: string; key: string; value: string; want: string }[] = [
    {
      name: 'existing key replaced, everything else byte-identical',
      text: APPHUB,
      section: 'gitea',
      key: 'user_pwd',
      value: 'new',
      want: APPHUB.replace('user_pwd = old-secret', 'user_pwd = new'),
    },
    { name: 'key compared case-insensitively', text: '[s]\nUser_Pwd = x\n', section: 's', key: 'user_pwd', value: 'y', want: '[s]\nuser_pwd = y\n' },
    { name: 'upper-case key given', text: '[s]\nuser_pwd = x\n', section: 's', key: 'USER_PWD', value: 'y', want: '[s]\nUSER_PWD = y\n' },
    { name: '= without spaces', text: '[s]\nuser_pwd=x\n', section: 's', key: 'user_pwd', value: 'y', want: '[s]\nuser_pwd = y\n' },
    { name: ': delimiter', text: '[s]\nuser_pwd: x\n', section: 's', key: 'user_pwd', value: 'y', want: '[s]\nuser_pwd = y\n' },
    { name: 'spaces before the delimiter', text: '[s]\nuser_pwd \t  =   x  \n', section: 's', key: 'user_pwd', value: 'y', want: '[s]\nuser_pwd = y\n' },
    { name: 'empty value replaced', text: '[s]\nuser_pwd =\n', section: 's', key: 'user_pwd', value: 'y', want: '[s]\nuser_pwd = y\n' },
    { name: 'same key in another section untouched', text: '[a]\nk = 1\n[b]\nk = 2\n', section: 'b', key: 'k', value: '3', want: '[a]\nk = 1\n[b]\nk = 3\n' },
    { name: 'longer key with the same prefix untouched', text: '[s]\nuser_pwd_old = a\n', section: 's', key: 'user_pwd', value: 'b', want: '[s]\nuser_pwd_old = a\nuser_pwd = b\n' },
    { name: 'commented-out key untouched (#)', text: '[s]\n# user_pwd = a\n', section: 's', key: 'user_pwd', value: 'b', want: '[s]\n# user_pwd = a\nuser_pwd = b\n' },
    { name: 'commented-out key untouched (;)', text: '[s]\n;user_pwd = a\n', section: 's', key: 'user_pwd', value: 'b', want: '[s]\n;user_pwd = a\nuser_pwd = b\n' },
    { name: 'key in a value is not a key', text: '[s]\nnote = user_pwd = a\n', section: 's', key: 'user_pwd', value: 'b', want: '[s]\nnote = user_pwd = a\nuser_pwd = b\n' },
    {
      name: 'missing key added at the end of the section, before blank lines and the next section',
      text: '[a]\nx = 1\n\n\n[b]\ny = 2\n',
      section: 'a',
      key: 'k',
      value: 'v',
      want: '[a]\nx = 1\nk = v\n\n\n[b]\ny = 2\n',
    },
    { name: 'missing key after a trailing comment of the section', text: '[a]\nx = 1\n# end\n\n[b]\n', section: 'a', key: 'k', value: 'v', want: '[a]\nx = 1\n# end\nk = v\n\n[b]\n' },
    { name: 'missing key in an empty section', text: '[a]\n[b]\n', section: 'a', key: 'k', value: 'v', want: '[a]\nk = v\n[b]\n' },
    { name: 'missing key in the last section, no final newline', text: '[a]\nx = 1', section: 'a', key: 'k', value: 'v', want: '[a]\nx = 1\nk = v' },
    { name: 'missing section appended', text: '[a]\nx = 1\n', section: 'gitea', key: 'user_pwd', value: 'v', want: '[a]\nx = 1\n\n[gitea]\nuser_pwd = v\n' },
    { name: 'missing section appended, trailing blank lines collapsed', text: '[a]\nx = 1\n\n\n', section: 'b', key: 'k', value: 'v', want: '[a]\nx = 1\n\n[b]\nk = v\n' },
    { name: 'missing section appended, no final newline', text: '[a]\nx = 1', section: 'b', key: 'k', value: 'v', want: '[a]\nx = 1\n\n[b]\nk = v\n' },
    { name: 'empty file', text: '', section: 'b', key: 'k', value: 'v', want: '[b]\nk = v\n' },
    { name: 'section names are case-sensitive', text: '[Gitea]\nk = 1\n', section: 'gitea', key: 'k', value: '2', want: '[Gitea]\nk = 1\n\n[gitea]\nk = 2\n' },
    { name: 'CRLF kept when replacing', text: '[a]\r\nk = 1\r\n\r\n[b]\r\nk = 2\r\n', section: 'b', key: 'k', value: '3', want: '[a]\r\nk = 1\r\n\r\n[b]\r\nk = 3\r\n' },
    { name: 'CRLF kept when adding a key', text: '[a]\r\nx = 1\r\n\r\n[b]\r\n', section: 'a', key: 'k', value: 'v', want: '[a]\r\nx = 1\r\nk = v\r\n\r\n[b]\r\n' },
    { name: 'CRLF kept when adding a section', text: '[a]\r\nx = 1\r\n', section: 'b', key: 'k', value: 'v', want: '[a]\r\nx = 1\r\n\r\n[b]\r\nk = v\r\n' },
    { name: 'indented section header', text: '  [a]\nk = 1\n', section: 'a', key: 'k', value: '2', want: '  [a]\nk = 2\n' },
    // configparser reads `[a] ; note` as the header of section "a".
    { name: 'header with a trailing note', text: '[a] ; note\nk = 1\n', section: 'a', key: 'k', value: '2', want: '[a] ; note\nk = 2\n' },
    // Indented lines after an option continue its value: they belong to the old value.
    { name: 'multi-line value replaced whole', text: '[a]\nk = 1\n  more\n\n  still more\nz = 9\n', section: 'a', key: 'k', value: '2', want: '[a]\nk = 2\nz = 9\n' },
    { name: 'comment inside a multi-line value kept', text: '[a]\nk = 1\n# c\n  more\nz = 9\n', section: 'a', key: 'k', value: '2', want: '[a]\nk = 2\n# c\nz = 9\n' },
    { name: 'key after a multi-line value', text: '[a]\nnote = x\n  k = 1\nk = 2\n', section: 'a', key: 'k', value: '3', want: '[a]\nnote = x\n  k = 1\nk = 3\n' },
    // An indented option (not a continuation) is an option: replaced in place, its indentation kept.
    { name: 'indented options', text: '[a]\n  x = 1\n  k = 1\n  y = 2\n', section: 'a', key: 'k', value: '3', want: '[a]\n  x = 1\n  k = 3\n  y = 2\n' },
    // A `[section]` inside a multi-line value is not a header.
    { name: 'header-like continuation line', text: '[other]\nnote = see\n  [gitea]\n', section: 'gitea', key: 'k', value: 'v', want: '[other]\nnote = see\n  [gitea]\n\n[gitea]\nk = v\n' },
    { name: 'value with delimiters and comment characters', text: '[s]\nk = 1\n', section: 's', key: 'k', value: 'a=b:c;#d', want: '[s]\nk = a=b:c;#d\n' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = setIniValue(c.text, c.section, c.key, c.value);
      assert.equal(got, c.want);
      assert.equal(getIniValue(parsed(got), c.section, c.key), c.value);
    });
  }
});

describe('setIniValue keeps the document: property loop over sections, keys and values', () => {
  // `continuations`: the document has multi-line values, whose indented lines go with the old value.
  const documents: [string, string, { continuations?: boolean }?][] = [
    ['apphub', APPHUB],
    ['apphub CRLF', APPHUB.replace(/\n/g, '\r\n')],
    ['no final newline', APPHUB.trimEnd()],
    ['empty', ''],
    ['comments and DEFAULT', '# top\n[DEFAULT]\nshared = 1\n\n[gitea]\n; note\nUSER_NAME : someone\n\n# trailing\n'],
    ['multi-line values', '[gitea]\nuser_pwd = a\n\tb\nuser_name = u\n  v\n[x]\ny = 1\n', { continuations: true }],
    ['indented options', '[gitea]\n  user_name = u\n  user_pwd = p\n[x]\n  y = 1\n'],
    ['BOM', '\uFEFF[gitea]\nuser_pwd = p\n'],
  ];
  const sections = ['gitea', 'portainer', 'nginx_proxy_manager', 'cockpit', 'new_section'];
  const keys = ['user_name', 'user_pwd', 'User_Pwd', 'port'];
  const values = ['admin', 'p@ss=w:rd', 'x;#y', "it's \"quoted\"", '[gitea]', 'ünïcødé 😀', '$1$&', ''];
  for (const [label, text, flags] of documents) {
    const before = flatten(parsed(text));
    for (const section of sections) {
      for (const key of keys) {
        it(`${label}: [${section}] ${key}`, () => {
          for (const value of values) {
            const got = setIniValue(text, section, key, value);
            const after = parsed(got);
            assert.equal(getIniValue(after, section, key), value, `${JSON.stringify(value)} in\n${got}`);
            // Every other value is unchanged.
            const want = structuredClone(before);
            want[section] = { ...(want[section] ?? {}), [key.toLowerCase()]: value };
            assert.deepEqual(flatten(after), want);
            // Lines not about this key are kept byte for byte, in order.
            const other = (t: string): string[] =>
              t
                .split(/\r?\n/)
                .filter((l) => l.trim() !== '' && !l.toLowerCase().includes(key.toLowerCase()) && l.trim() !== `[${section}]`)
                .filter((l) => !flags?.continuations || !/^\s/.test(l));
            assert.deepEqual(other(got), other(text));
            // Setting the same value again changes nothing.
            assert.equal(setIniValue(got, section, key, value), got);
          }
        });
      }
    }
  }
});
