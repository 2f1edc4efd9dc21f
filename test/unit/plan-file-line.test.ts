import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEmptyPlan, type CommandStep, type Plan } from '../../src/resources/plan';
import { ConfinedPath } from '../../src/host/file-system';
import { currentLine, planFileLine, renderLine, setLine, type FileLineSettings, type FileLineState } from '../../src/resources/file-line/plan-file-line';

// The default profile's entry (config/default.yaml, proxy-cockpit-port).
const MATCH = /^\s*set\s+\$cockpit_port\s/;
const TEMPLATE = 'set $cockpit_port {value};';
const RELOAD: CommandStep = { exec: { container: 'websoft9-proxy', argv: ['nginx', '-s', 'reload'] } };
const SETTINGS: FileLineSettings = { match: MATCH, template: TEMPLATE, after: [RELOAD] };
const PATH = ConfinedPath.inside('/var/lib/docker/volumes/websoft9_nginx_var/_data', 'custom_var.conf');
const noRetry = { retryCommands: false };
const retry = { retryCommands: true };

const found = (text: string): FileLineState => ({ found: true, path: PATH, text });

/** The state after apply() wrote the plan's change. */
function applied(state: FileLineState, plan: Plan): FileLineState {
  if (!state.found) return state;
  const change = plan.changes[0];
  if (!change) return state;
  assert.equal(change.path, state.path);
  assert.equal(change.before, state.text);
  return found(change.after.toString());
}

describe('renderLine', () => {
  const cases: { template: string; value: string; want: string }[] = [
    { template: TEMPLATE, value: '9000', want: 'set $cockpit_port 9000;' },
    { template: '{value}', value: '1', want: '1' },
    { template: 'a={value} b={value}', value: 'x', want: 'a=x b=x' },
    // Replacement patterns of String.replace must not be interpreted.
    { template: 'v={value}', value: '$&$1$$', want: 'v=$&$1$$' },
    { template: 'v={value}', value: '{value}', want: 'v={value}' },
    { template: 'v={value}', value: '', want: 'v=' },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.template)} with ${JSON.stringify(c.value)}`, () => assert.equal(renderLine(c.template, c.value), c.want));
  }
});

describe('setLine', () => {
  const line = 'set $cockpit_port 9000;';
  const cases: { name: string; text: string; want: string }[] = [
    { name: 'line replaced', text: 'set $cockpit_port 9090;\n', want: 'set $cockpit_port 9000;\n' },
    { name: 'indentation kept (spaces)', text: 'server {\n    set $cockpit_port 9090;\n}\n', want: 'server {\n    set $cockpit_port 9000;\n}\n' },
    { name: 'indentation kept (tab)', text: '\tset $cockpit_port 9090;\n', want: '\tset $cockpit_port 9000;\n' },
    {
      name: 'several matching lines all set',
      text: 'set $cockpit_port 1;\nset $other 2;\n  set  $cockpit_port 3;\n',
      want: 'set $cockpit_port 9000;\nset $other 2;\n  set $cockpit_port 9000;\n',
    },
    { name: 'other lines byte-identical', text: '# c\r\nset $a  1 ;\r\nset $cockpit_port 1;\r\n\r\n', want: '# c\r\nset $a  1 ;\r\nset $cockpit_port 9000;\r\n\r\n' },
    { name: 'missing line appended (final newline)', text: 'set $a 1;\n', want: `set $a 1;\n${line}\n` },
    { name: 'missing line appended (no final newline)', text: 'set $a 1;', want: `set $a 1;\n${line}\n` },
    { name: 'missing line appended to an empty file', text: '', want: `${line}\n` },
    { name: 'missing line appended to a file of one newline', text: '\n', want: `\n${line}\n` },
    { name: 'CRLF kept when replacing', text: 'set $a 1;\r\nset $cockpit_port 9090;\r\n', want: `set $a 1;\r\n${line}\r\n` },
    { name: 'CRLF kept when appending', text: 'set $a 1;\r\n', want: `set $a 1;\r\n${line}\r\n` },
    { name: 'CRLF kept when appending (no final newline)', text: 'set $a 1;\r\nset $b 2;', want: `set $a 1;\r\nset $b 2;\r\n${line}\r\n` },
    // Mixed line ends: the file already ends with a line break; no blank line is inserted.
    { name: 'mixed line ends, ends with LF', text: 'set $a 1;\r\nset $b 2;\n', want: `set $a 1;\r\nset $b 2;\n${line}\r\n` },
    { name: 'commented-out line is not the line', text: '# set $cockpit_port 1;\n', want: `# set $cockpit_port 1;\n${line}\n` },
    { name: 'prefix of the name is not the line', text: 'set $cockpit_portal 1;\n', want: `set $cockpit_portal 1;\n${line}\n` },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(setLine(c.text, MATCH, line), c.want));
  }
});

describe('currentLine', () => {
  const cases: { text: string; want: string | null }[] = [
    { text: '', want: null },
    { text: 'set $a 1;\n', want: null },
    { text: '  set $cockpit_port 9090;  \r\n', want: 'set $cockpit_port 9090;' },
    { text: 'set $cockpit_port 1;\nset $cockpit_port 2;\n', want: 'set $cockpit_port 1;' },
  ];
  for (const c of cases) {
    it(JSON.stringify(c.text), () => assert.equal(currentLine(c.text, MATCH), c.want));
  }
});

describe('planFileLine', () => {
  const cases: {
    name: string;
    value: string;
    state: FileLineState;
    retry?: boolean;
    settings?: FileLineSettings;
    after?: string;
    commands?: CommandStep[];
    absent?: RegExp;
    problem?: RegExp;
  }[] = [
    { name: 'stale line replaced', value: '9000', state: found('set $cockpit_port 9090;\n'), after: 'set $cockpit_port 9000;\n', commands: [RELOAD] },
    { name: 'in sync: empty plan', value: '9000', state: found('set $cockpit_port 9000;\n'), commands: [] },
    { name: 'in sync with retryCommands: commands only', value: '9000', state: found('set $cockpit_port 9000;\n'), retry: true, commands: [RELOAD] },
    { name: 'missing line appended', value: '9000', state: found('set $x 1;'), after: 'set $x 1;\nset $cockpit_port 9000;\n', commands: [RELOAD] },
    { name: 'empty file', value: '9000', state: found(''), after: 'set $cockpit_port 9000;\n', commands: [RELOAD] },
    { name: 'CRLF file', value: '9000', state: found('a\r\n  set $cockpit_port 1;\r\n'), after: 'a\r\n  set $cockpit_port 9000;\r\n', commands: [RELOAD] },
    { name: 'no afterChange', value: '9000', state: found('x\n'), settings: { ...SETTINGS, after: [] }, after: 'x\nset $cockpit_port 9000;\n', commands: [] },
    { name: 'absent target', value: '9000', state: { found: false, message: 'volume websoft9_nginx_var does not exist' }, absent: /websoft9_nginx_var/ },
    { name: 'absent target, even with retryCommands', value: '9000', state: { found: false, message: 'gone' }, retry: true, absent: /^gone$/ },
    { name: 'value with LF', value: '9000\nset $evil 1', state: found('set $cockpit_port 1;\n'), problem: /line break/ },
    { name: 'value with CR', value: '9000\r', state: found('set $cockpit_port 1;\n'), problem: /line break/ },
    { name: 'value with CRLF, retryCommands', value: '\r\n', state: found(''), retry: true, problem: /line break/ },
    // A template whose line the match does not find would be appended on every pass.
    {
      name: 'template line not found by match',
      value: '9000',
      state: found('listen 1;\n'),
      settings: { match: /^port=/, template: 'port {value}', after: [RELOAD] },
      problem: /match/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planFileLine(c.value, c.state, c.settings ?? SETTINGS, c.retry ? retry : noRetry);
      if (c.absent || c.problem) {
        assert.deepEqual(plan.changes, []);
        assert.deepEqual(plan.commands, []);
        if (c.absent) assert.match(plan.absent ?? '', c.absent);
        else assert.equal(plan.absent, undefined);
        if (c.problem) assert.match(plan.problem ?? '', c.problem);
        else assert.equal(plan.problem, undefined);
        return;
      }
      assert.equal(plan.problem, undefined);
      assert.equal(plan.absent, undefined);
      assert.deepEqual(plan.commands, c.commands);
      if (c.after === undefined) {
        assert.deepEqual(plan.changes, []);
      } else {
        assert.equal(plan.changes.length, 1);
        assert.deepEqual(plan.changes[0], { path: PATH, before: (c.state as { text: string }).text, after: c.after });
      }
    });
  }
});

describe('planFileLine idempotence', () => {
  const texts = [
    '',
    '\n',
    'set $cockpit_port 9090;\n',
    'set $cockpit_port 9090;',
    '\tset $cockpit_port 9090;\r\n# x\r\n',
    'a\nb\nc',
    'a\r\nb\n',
    'set $cockpit_port 1;\nset $cockpit_port 2;\n   set $cockpit_port 3;\n',
    '# set $cockpit_port 1;\n\n\n',
    'set $cockpit_port\u00a09090;\n', // a no-break space is \s in JavaScript
    'x'.repeat(10_000),
  ];
  const values = ['9000', '1', '65535', '', '$1', '{value}', 'ä€😀'];
  for (const text of texts) {
    for (const value of values) {
      it(`${JSON.stringify(text.slice(0, 40))} <- ${JSON.stringify(value)}`, () => {
        const state = found(text);
        const first = planFileLine(value, state, SETTINGS, noRetry);
        assert.equal(first.problem, undefined);
        const next = applied(state, first);
        const second = planFileLine(value, next, SETTINGS, noRetry);
        assert.ok(isEmptyPlan(second), `second plan not empty: ${JSON.stringify(second)}`);
        assert.equal(currentLine((next as { text: string }).text, MATCH), renderLine(TEMPLATE, value).trim());
        // Nothing but the matching lines changed: the other lines are still there, in order.
        const others = (t: string): string[] => t.split(/\r?\n/).filter((l) => !MATCH.test(l) && l !== '');
        assert.deepEqual(others((next as { text: string }).text), others(text));
      });
    }
  }
});
