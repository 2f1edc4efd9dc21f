import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  appendToSection,
  listenStreamAssignments,
  parseUnitFile,
  replaceAssignments,
  type UnitAssignment,
} from '../../src/resources/systemd-socket-port/unit-file';
import { cockpitSocketUnit } from '../../harness/websoft9-host';

/** The Debian/Ubuntu cockpit-ws unit, as a package upgrade (re)writes it. */
const VENDOR = cockpitSocketUnit(9090);

type Seen = [section: string, key: string, value: string, firstLine: number, lastLine: number];
const seen = (a: UnitAssignment): Seen => [a.section, a.key, a.value, a.firstLine, a.lastLine];

describe('parseUnitFile', () => {
  const cases: { name: string; text: string; eol?: '\n' | '\r\n'; assignments: Seen[] }[] = [
    {
      name: 'vendor cockpit.socket',
      text: VENDOR,
      assignments: [
        ['Unit', 'Description', 'Cockpit Web Service Socket', 1, 1],
        ['Unit', 'Documentation', 'man:cockpit-ws(8)', 2, 2],
        ['Unit', 'Wants', 'cockpit-motd.service', 3, 3],
        ['Socket', 'ListenStream', '9090', 6, 6],
        ['Socket', 'ExecStartPost', "-/usr/share/cockpit/motd/update-motd '' localhost", 7, 7],
        ['Socket', 'ExecStartPost', '-/bin/ln -snf active.issue /run/cockpit/issue', 8, 8],
        ['Socket', 'ExecStopPost', '-/bin/ln -snf inactive.issue /run/cockpit/issue', 9, 9],
        ['Install', 'WantedBy', 'sockets.target', 12, 12],
      ],
    },
    { name: 'empty text', text: '', assignments: [] },
    { name: 'drop-in with reset', text: '[Socket]\nListenStream=\nListenStream=9000\n', assignments: [['Socket', 'ListenStream', '', 1, 1], ['Socket', 'ListenStream', '9000', 2, 2]] },
    { name: 'whitespace around =', text: '[Socket]\nListenStream = 9000\n', assignments: [['Socket', 'ListenStream', '9000', 1, 1]] },
    { name: 'tabs around = and indentation', text: '[Socket]\n\t ListenStream\t=\t9000 \t\n', assignments: [['Socket', 'ListenStream', '9000', 1, 1]] },
    { name: 'value keeps inner =', text: '[Service]\nEnvironment=A=B\n', assignments: [['Service', 'Environment', 'A=B', 1, 1]] },
    { name: 'indented section header', text: '  [Socket]  \nListenStream=1\n', assignments: [['Socket', 'ListenStream', '1', 1, 1]] },
    { name: '# and ; comments', text: '# c\n[Socket]\n#ListenStream=1\n;ListenStream=2\n  # ListenStream=3\nListenStream=4\n', assignments: [['Socket', 'ListenStream', '4', 5, 5]] },
    { name: 'no inline comments', text: '[Socket]\nListenStream=9000 # x\n', assignments: [['Socket', 'ListenStream', '9000 # x', 1, 1]] },
    { name: 'CRLF', text: '[Socket]\r\nListenStream=9000\r\n', eol: '\r\n', assignments: [['Socket', 'ListenStream', '9000', 1, 1]] },
    { name: 'byte order mark', text: '\uFEFF[Socket]\nListenStream=9000\n', assignments: [['Socket', 'ListenStream', '9000', 1, 1]] },
    { name: 'byte order mark and CRLF', text: '\uFEFF[Socket]\r\nListenStream=9000\r\n', eol: '\r\n', assignments: [['Socket', 'ListenStream', '9000', 1, 1]] },
    {
      name: 'backslash continuation',
      text: '[Service]\nExecStart=/bin/foo \\\n  --bar \\\n  --baz\nUser=x\n',
      assignments: [['Service', 'ExecStart', '/bin/foo  --bar  --baz', 1, 3], ['Service', 'User', 'x', 4, 4]],
    },
    { name: 'continuation of a ListenStream value', text: '[Socket]\nListenStream=\\\n9000\n', assignments: [['Socket', 'ListenStream', '9000', 1, 2]] },
    {
      // systemd.syntax(7): a comment block after a line ending in a backslash is ignored.
      name: 'comment lines inside a continuation are skipped',
      text: '[Socket]\nListenStream=\\\n# a comment\n; another\n9000\nBacklog=5\n',
      assignments: [['Socket', 'ListenStream', '9000', 1, 4], ['Socket', 'Backlog', '5', 5, 5]],
    },
    { name: 'continuation ended by an empty line', text: '[Socket]\nListenStream=9000\\\n\nBacklog=5\n', assignments: [['Socket', 'ListenStream', '9000', 1, 2], ['Socket', 'Backlog', '5', 3, 3]] },
    { name: 'continuation at end of file', text: '[Socket]\nListenStream=9000\\', assignments: [['Socket', 'ListenStream', '9000', 1, 1]] },
    { name: 'continuation into a final newline', text: '[Socket]\nListenStream=9000\\\n', assignments: [['Socket', 'ListenStream', '9000', 1, 2]] },
    { name: 'CRLF continuation', text: '[Socket]\r\nListenStream=\\\r\n9000\r\n', eol: '\r\n', assignments: [['Socket', 'ListenStream', '9000', 1, 2]] },
    { name: 'line without = is ignored', text: '[Socket]\nListenStream\nListenStream=1\n', assignments: [['Socket', 'ListenStream', '1', 2, 2]] },
    { name: 'line with empty key is ignored', text: '[Socket]\n=9000\nListenStream=1\n', assignments: [['Socket', 'ListenStream', '1', 2, 2]] },
    { name: 'assignment before any section', text: 'ListenStream=1\n[Socket]\nListenStream=2\n', assignments: [['', 'ListenStream', '1', 0, 0], ['Socket', 'ListenStream', '2', 2, 2]] },
    { name: 'repeated section', text: '[Socket]\nListenStream=1\n[Install]\nWantedBy=x\n[Socket]\nListenStream=2\n', assignments: [['Socket', 'ListenStream', '1', 1, 1], ['Install', 'WantedBy', 'x', 3, 3], ['Socket', 'ListenStream', '2', 5, 5]] },
    { name: 'hostile: only brackets', text: '[]\n[\n]\n[[[\nListenStream=1\n', assignments: [['', 'ListenStream', '1', 4, 4]] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const unit = parseUnitFile(c.text);
      assert.equal(unit.eol, c.eol ?? '\n');
      assert.deepEqual(unit.assignments.map(seen), c.assignments);
    });
  }

  it('copes with a huge file (super-linear work would not end in tens of seconds)', () => {
    const text = `[Socket]\n${'X-Junk=aaaaaaaaaaaaaaaa\n'.repeat(200_000)}${'\\\n'.repeat(100_000)}ListenStream=9000\n`;
    const started = Date.now();
    const unit = parseUnitFile(text);
    // A bound for a blow-up (quadratic on 300k lines is many minutes), not a speed: bench/parsers.ts times it.
    assert.ok(Date.now() - started < 30_000);
    // 100k lines holding only a backslash join into blanks in front of the last line, as in systemd.
    assert.deepEqual(listenStreamAssignments(unit).map(seen), [['Socket', 'ListenStream', '9000', 200_001, 300_001]]);
    assert.equal(unit.assignments.length, 200_001);
  });
});

describe('listenStreamAssignments', () => {
  const cases: [string, string, string[]][] = [
    ['vendor', VENDOR, ['9090']],
    ['only [Socket] counts', '[Service]\nListenStream=1\n[Socket]\nListenStream=2\n', ['2']],
    ['section name is case-sensitive', '[socket]\nListenStream=1\n', []],
    ['key is case-sensitive', '[Socket]\nlistenstream=1\nLISTENSTREAM=2\n', []],
    ['similar keys are not ListenStream', '[Socket]\nListenDatagram=1\nListenStreams=2\nListenSequentialPacket=3\n', []],
    ['order kept, empty values kept', '[Socket]\nListenStream=\nListenStream=/run/x.sock\nListenStream=[::]:9090\n', ['', '/run/x.sock', '[::]:9090']],
    ['outside any section', 'ListenStream=9000\n', []],
  ];
  for (const [name, text, values] of cases) {
    it(name, () => {
      assert.deepEqual(
        listenStreamAssignments(parseUnitFile(text)).map((a) => a.value),
        values,
      );
    });
  }
});

/** Lines of `after` that differ from `before`, assuming the same number of lines. */
function changedLines(before: string, after: string, eol: string): number[] {
  const a = before.split(eol);
  const b = after.split(eol);
  assert.equal(b.length, a.length, 'same number of lines');
  return a.flatMap((line, i) => (line === b[i] ? [] : [i]));
}

describe('replaceAssignments', () => {
  const cases: { name: string; text: string; values: string[]; expected: string }[] = [
    {
      name: 'vendor: only the ListenStream line changes',
      text: VENDOR,
      values: ['9000'],
      expected: VENDOR.replace('ListenStream=9090', 'ListenStream=9000'),
    },
    {
      name: 'CRLF kept on every line',
      text: VENDOR.replace(/\n/g, '\r\n'),
      values: ['9000'],
      expected: VENDOR.replace('ListenStream=9090', 'ListenStream=9000').replace(/\n/g, '\r\n'),
    },
    {
      name: 'byte order mark kept',
      text: `\uFEFF${VENDOR}`,
      values: ['9000'],
      expected: `\uFEFF${VENDOR.replace('ListenStream=9090', 'ListenStream=9000')}`,
    },
    {
      name: 'byte order mark and CRLF kept',
      text: `\uFEFF${VENDOR.replace(/\n/g, '\r\n')}`,
      values: ['9000'],
      expected: `\uFEFF${VENDOR.replace('ListenStream=9090', 'ListenStream=9000').replace(/\n/g, '\r\n')}`,
    },
    {
      name: 'indentation kept, spaces around = normalised on the changed line only',
      text: '[Socket]\n   ListenStream = 9090\n  Backlog = 5  \n',
      values: ['9000'],
      expected: '[Socket]\n   ListenStream=9000\n  Backlog = 5  \n',
    },
    {
      name: 'several assignments, only chosen ones replaced',
      text: '[Socket]\nListenStream=9090\nListenStream=/run/x.sock\nListenStream=[::]:9090\n',
      values: ['9000', null, '[::]:9000'].filter((v): v is string => v !== null),
      expected: '[Socket]\nListenStream=9000\nListenStream=/run/x.sock\nListenStream=[::]:9000\n',
    },
    {
      name: 'continuation lines collapse into one line',
      text: '[Socket]\nListenStream=\\\n  9090\nBacklog=5\n',
      values: ['9000'],
      expected: '[Socket]\nListenStream=9000\nBacklog=5\n',
    },
    {
      name: 'no final newline stays without one',
      text: '[Socket]\nListenStream=9090',
      values: ['9000'],
      expected: '[Socket]\nListenStream=9000',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const unit = parseUnitFile(c.text);
      const targets = listenStreamAssignments(unit).filter((a) => a.value !== '/run/x.sock');
      assert.equal(targets.length, c.values.length);
      const replacements = new Map(targets.map((a, i) => [a, c.values[i] as string]));
      assert.equal(replaceAssignments(unit, replacements), c.expected);
    });
  }

  it('with no replacements returns the text unchanged (LF, CRLF, BOM, no final newline)', () => {
    for (const text of [VENDOR, VENDOR.replace(/\n/g, '\r\n'), `\uFEFF${VENDOR}`, VENDOR.trimEnd(), '', '\n', '[Socket]\r\n\r\n']) {
      assert.equal(replaceAssignments(parseUnitFile(text), new Map()), text);
    }
  });

  it('changes exactly the replaced line for every line of a large unit', () => {
    for (const eol of ['\n', '\r\n'] as const) {
      const text = VENDOR.replace(/\n/g, eol);
      const unit = parseUnitFile(text);
      for (const assignment of unit.assignments) {
        const after = replaceAssignments(unit, new Map([[assignment, 'CHANGED']]));
        assert.deepEqual(changedLines(text, after, eol), [assignment.firstLine]);
        assert.equal(after.split(eol)[assignment.firstLine], `${assignment.key}=CHANGED`);
      }
    }
  });
});

describe('appendToSection', () => {
  const cases: { name: string; text: string; expected: string }[] = [
    {
      name: 'section without the key: added after its last non-empty line',
      text: '[Unit]\nDescription=x\n\n[Socket]\nBacklog=5\n\n[Install]\nWantedBy=sockets.target\n',
      expected: '[Unit]\nDescription=x\n\n[Socket]\nBacklog=5\nListenStream=9000\n\n[Install]\nWantedBy=sockets.target\n',
    },
    {
      name: 'empty section',
      text: '[Socket]\n\n[Install]\nWantedBy=sockets.target\n',
      expected: '[Socket]\nListenStream=9000\n\n[Install]\nWantedBy=sockets.target\n',
    },
    {
      name: 'last section of the file',
      text: '[Unit]\nDescription=x\n[Socket]\nListenStream=/run/x.sock\n',
      expected: '[Unit]\nDescription=x\n[Socket]\nListenStream=/run/x.sock\nListenStream=9000\n',
    },
    {
      name: 'last section, no final newline',
      text: '[Socket]\nListenStream=/run/x.sock',
      expected: '[Socket]\nListenStream=/run/x.sock\nListenStream=9000',
    },
    {
      name: 'missing section is created at the end',
      text: '[Unit]\nDescription=x\n\n\n',
      expected: '[Unit]\nDescription=x\n\n[Socket]\nListenStream=9000\n',
    },
    {
      name: 'missing section, no final newline',
      text: '[Unit]\nDescription=x',
      expected: '[Unit]\nDescription=x\n\n[Socket]\nListenStream=9000\n',
    },
    {
      name: 'CRLF file',
      text: '[Unit]\r\nDescription=x\r\n\r\n[Socket]\r\nBacklog=5\r\n\r\n[Install]\r\nWantedBy=sockets.target\r\n',
      expected: '[Unit]\r\nDescription=x\r\n\r\n[Socket]\r\nBacklog=5\r\nListenStream=9000\r\n\r\n[Install]\r\nWantedBy=sockets.target\r\n',
    },
    {
      name: 'CRLF file, missing section',
      text: '[Unit]\r\nDescription=x\r\n',
      expected: '[Unit]\r\nDescription=x\r\n\r\n[Socket]\r\nListenStream=9000\r\n',
    },
    {
      name: 'byte order mark kept',
      text: '\uFEFF[Socket]\nBacklog=5\n',
      expected: '\uFEFF[Socket]\nBacklog=5\nListenStream=9000\n',
    },
    {
      name: 'indented header',
      text: '  [Socket]  \nBacklog=5\n',
      expected: '  [Socket]  \nBacklog=5\nListenStream=9000\n',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const after = appendToSection(parseUnitFile(c.text), 'Socket', 'ListenStream', '9000');
      assert.equal(after, c.expected);
      assert.ok(listenStreamAssignments(parseUnitFile(after)).some((a) => a.value === '9000'));
    });
  }
});
