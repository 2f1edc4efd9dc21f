import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { getKeyFileValue, parseKeyFile, setKeyFileValue, type KeyFileLine } from '../../src/resources/ini-value/key-file';

function lines(text: string): KeyFileLine[] {
  const parsed = parseKeyFile(text);
  if (!parsed.ok) throw new Error(`line ${parsed.line}: ${parsed.problem}`);
  return parsed.lines;
}

const set = (text: string, group: string, key: string, value: string): string => setKeyFileValue(lines(text), group, key, value);
const ORIGINS = 'http://172.17.0.1:9000 ws://172.17.0.1:9000';

describe('setKeyFileValue: byte-preserving edits of a GLib key file', () => {
  const table: [string, string, string][] = [
    ['empty file', '', `[WebService]\nOrigins = ${ORIGINS}\n`],
    ['missing group appended after a blank line', '[Session]\nIdleTimeout=15\n', `[Session]\nIdleTimeout=15\n\n[WebService]\nOrigins = ${ORIGINS}\n`],
    ['missing group, file ends with a blank line', '[Session]\nIdleTimeout=15\n\n', `[Session]\nIdleTimeout=15\n\n[WebService]\nOrigins = ${ORIGINS}\n`],
    ['missing group, no final newline', '[Session]\nIdleTimeout=15', `[Session]\nIdleTimeout=15\n\n[WebService]\nOrigins = ${ORIGINS}\n`],
    ['missing key added after the group’s last entry', '[WebService]\nLoginTitle=Box\n\n# next\n[Log]\nFatal=criticals\n', `[WebService]\nLoginTitle=Box\nOrigins = ${ORIGINS}\n\n# next\n[Log]\nFatal=criticals\n`],
    ['missing key in an empty group', '[WebService]\n[Log]\n', `[WebService]\nOrigins = ${ORIGINS}\n[Log]\n`],
    ['missing key, group last, no final newline', '[WebService]\nLoginTitle=Box', `[WebService]\nLoginTitle=Box\nOrigins = ${ORIGINS}`],
    ['existing key: only the value changes, spacing kept', '[WebService]\n  Origins  =   http://old:9000  \nX=1\n', `[WebService]\n  Origins  =   ${ORIGINS}\nX=1\n`],
    ['no spaces around =', '[WebService]\nOrigins=http://old:9000\n', `[WebService]\nOrigins=${ORIGINS}\n`],
    ['duplicate keys: every one is set (GLib reads the last)', '[WebService]\nOrigins=a\nOrigins = b\n', `[WebService]\nOrigins=${ORIGINS}\nOrigins = ${ORIGINS}\n`],
    ['repeated group: the key in either occurrence', '[WebService]\nOrigins=a\n[Log]\nFatal=x\n[WebService]\nLoginTitle=t\n', `[WebService]\nOrigins=${ORIGINS}\n[Log]\nFatal=x\n[WebService]\nLoginTitle=t\n`],
    ['repeated group without the key: added to the last occurrence', '[WebService]\nA=1\n[Log]\n[WebService]\nB=2\n', `[WebService]\nA=1\n[Log]\n[WebService]\nB=2\nOrigins = ${ORIGINS}\n`],
    ['keys are case-sensitive', '[WebService]\norigins=x\n', `[WebService]\norigins=x\nOrigins = ${ORIGINS}\n`],
    ['groups are case-sensitive', '[webservice]\nOrigins=x\n', `[webservice]\nOrigins=x\n\n[WebService]\nOrigins = ${ORIGINS}\n`],
    ['comments and commented-out keys stay', '# Origins = http://x\n[WebService]\n#Origins=y\n  # indented comment\nOrigins=z\n', `# Origins = http://x\n[WebService]\n#Origins=y\n  # indented comment\nOrigins=${ORIGINS}\n`],
    ['CRLF kept, new line with CRLF', '[WebService]\r\nLoginTitle=Box\r\n', `[WebService]\r\nLoginTitle=Box\r\nOrigins = ${ORIGINS}\r\n`],
    ['CRLF, new group with CRLF', '[Session]\r\nA=1\r\n', `[Session]\r\nA=1\r\n\r\n[WebService]\r\nOrigins = ${ORIGINS}\r\n`],
    ['CRLF entry edited, its CRLF kept', '[WebService]\r\nOrigins=x\r\n', `[WebService]\r\nOrigins=${ORIGINS}\r\n`],
    ['mixed line ends kept', '[WebService]\nA=1\r\nOrigins=x\n', `[WebService]\nA=1\r\nOrigins=${ORIGINS}\n`],
    ['group with trailing spaces', '[WebService]  \nOrigins=x\n', `[WebService]  \nOrigins=${ORIGINS}\n`],
    ['localized key is another key', '[WebService]\nOrigins[de]=x\n', `[WebService]\nOrigins[de]=x\nOrigins = ${ORIGINS}\n`],
  ];
  for (const [name, before, after] of table) {
    it(name, () => {
      const out = set(before, 'WebService', 'Origins', ORIGINS);
      assert.equal(out, after);
      assert.equal(getKeyFileValue(lines(out), 'WebService', 'Origins'), ORIGINS);
      assert.equal(set(out, 'WebService', 'Origins', ORIGINS), out, 'idempotent');
    });
  }

  it('bytes that are not UTF-8 survive (latin1 strings, one character per byte)', () => {
    const before = Buffer.from([...Buffer.from('# caf'), 0xe9, 0xff, 0x0a, ...Buffer.from('[WebService]\nLoginTitle=\xc3'), 0x0a]);
    const out = Buffer.from(set(before.toString('latin1'), 'WebService', 'Origins', ORIGINS), 'latin1');
    assert.deepEqual(out.subarray(0, before.length), before);
    assert.equal(out.subarray(before.length).toString('latin1'), `Origins = ${ORIGINS}\n`);
  });
});

describe('parseKeyFile: what GLib would refuse', () => {
  const refused: [string, string, number][] = [
    ['a line without =', '[WebService]\nOrigins\n', 2],
    ['an entry before the first group', 'Origins=x\n[WebService]\n', 1],
    ['an empty key', '[WebService]\n=x\n', 2],
    ['an unclosed group', '[WebService\n', 1],
    ['text after the group', '[WebService] x\n', 1],
  ];
  for (const [name, text, line] of refused) {
    it(name, () => assert.deepEqual(parseKeyFile(text), { ok: false, problem: (parseKeyFile(text) as { problem: string }).problem, line }));
  }
  it('reads the last of duplicate keys', () => {
    assert.equal(getKeyFileValue(lines('[A]\nk=1\n[B]\nk=2\n[A]\nk = 3\n'), 'A', 'k'), '3');
    assert.equal(getKeyFileValue(lines('[A]\nk=1\n'), 'A', 'x'), null);
  });
});

/** A random key file: lines GLib reads (groups, entries, comments, blanks) with arbitrary bytes, LF or CRLF. */
const byteText = (exclude: RegExp): fc.Arbitrary<string> =>
  fc.uint8Array({ maxLength: 12 }).map((bytes) => Buffer.from(bytes).toString('latin1').replace(exclude, ''));
const groupName = fc.constantFrom('WebService', 'Session', 'Log', 'webservice');
const keyName = fc.constantFrom('Origins', 'origins', 'LoginTitle', 'Origins[de]', 'X-Y');
const line = fc.oneof(
  groupName.map((g) => `[${g}]`),
  fc.tuple(fc.constantFrom('', ' ', '\t'), keyName, fc.constantFrom('=', ' = ', '  =', '= '), byteText(/[\r\n]/g)).map(([i, k, e, v]) => `${i}${k}${e}${v}`),
  byteText(/[\r\n]/g).map((c) => `#${c}`),
  fc.constantFrom('', '  '),
);
const keyFile = fc
  .tuple(fc.array(fc.tuple(line, fc.constantFrom('\n', '\r\n')), { maxLength: 14 }), fc.boolean())
  .map(([ls, finalEol]) => {
    const text = ls.map(([l, e]) => l + e).join('');
    return finalEol ? text : text.replace(/\r?\n$/, '');
  })
  .filter((text) => parseKeyFile(text).ok);

describe('setKeyFileValue property: bytes outside the edit are identical', () => {
  it('value set, idempotent, and nothing else changed', () => {
    const seed = Number(process.env.FC_SEED ?? 42);
    const value = byteText(/[\r\n]/g).map((v) => v.replace(/^[ \t\v\f]+/, ''));
    fc.assert(
      fc.property(keyFile, groupName, keyName, value, (before, group, key, wanted) => {
        const old = lines(before);
        const out = setKeyFileValue(old, group, key, wanted);
        const now = lines(out);
        assert.equal(getKeyFileValue(now, group, key), wanted);
        assert.equal(setKeyFileValue(now, group, key, wanted), out, 'idempotent');
        assert.equal(undo(old, now, group, key), before, 'undoing the edit gives back every byte');
      }),
      { seed, numRuns: 2000, verbose: true, examples: [] },
    );
  });
});

/** The input reconstructed from the output, knowing only what the edit may do. */
function undo(old: KeyFileLine[], now: KeyFileLine[], group: string, key: string): string {
  const isTarget = (ls: KeyFileLine[]): boolean[] => {
    let current: string | null = null;
    return ls.map((l) => {
      if (l.kind === 'group') current = l.name;
      return l.kind === 'entry' && current === group && l.name === key;
    });
  };
  const oldTargets = isTarget(old);
  const join = (ls: KeyFileLine[]): string => ls.map((l) => l.text + l.eol).join('');
  if (oldTargets.some(Boolean)) {
    // Same lines; target entries differ only after their value start.
    assert.equal(now.length, old.length);
    return join(now.map((l, i) => (oldTargets[i] ? { ...l, text: l.text.slice(0, l.valueStart) + (old[i] as KeyFileLine).text.slice((old[i] as KeyFileLine).valueStart) } : l)));
  }
  const inserted = isTarget(now).indexOf(true);
  const restored = now.filter((_, i) => i !== inserted);
  const groupExisted = old.some((l) => l.kind === 'group' && l.name === group);
  if (!groupExisted) {
    // Appended: [separator] header entry at the end.
    const tail = restored.length - (old.length > 0 && old[old.length - 1]?.kind !== 'blank' ? 2 : 1);
    restored.splice(tail);
  }
  if (old.length > 0 && (old[old.length - 1] as KeyFileLine).eol === '' && restored.length > 0) (restored[restored.length - 1] as KeyFileLine).eol = '';
  assert.equal(restored.length, old.length);
  return join(restored);
}
