import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatLogChunk, formatLogLine } from '../../src/app/log-line';
import { formatPlanDiff, formatSummary } from '../../src/cli/format-pass';
import { historyReport } from '../../src/cli/history-command';
import { statusReport } from '../../src/cli/status-command';
import { passResultOf, type PassResult, type ResourceOutcome } from '../../src/controller/outcome';
import { escapeControl, hasControl, useColor } from '../../src/core/terminal';
import { hostPath } from '../../src/host/file-system';
import type { JournalEntry } from '../../src/status/journal/journal-entry';

const seed = Number(process.env.FC_SEED ?? 42);
const COMMANDS = { prefix: [], systemctl: ['systemctl'], firewallCmd: ['firewall-cmd'], timeoutMs: 1000 };
/** Our own colour codes (SGR): the only escape sequences a coloured line may hold. */
const ESC = String.fromCharCode(27);
const SGR = new RegExp(`${ESC}\\[\\d+m`, 'g');
const HOSTILE = ['evil\u001b[31mred\u001b[0m', 'two\nlines', 'cr\rreturn', 'title\u001b]0;owned\u0007', 'csi\u009b2J', 'bidi\u202eevil', 'nul\u0000', 'lone\ud800', 'sep\u2028x'];

/** Any string, including every control character and lone surrogates. */
const anyText = fc.string({ unit: 'binary', maxLength: 40 });
const anyValue = fc.oneof(anyText, fc.jsonValue({ maxDepth: 2 }), fc.array(anyText, { maxLength: 4 }), fc.constantFrom(...HOSTILE));

describe('useColor', () => {
  it('FORCE_COLOR wins, then NO_COLOR (set and not empty), then only a terminal that is not dumb', () => {
    assert.equal(useColor(true, {}), true);
    assert.equal(useColor(false, {}), false);
    assert.equal(useColor(undefined, {}), false);
    assert.equal(useColor(true, { NO_COLOR: '1' }), false);
    assert.equal(useColor(true, { NO_COLOR: '' }), true, 'an empty NO_COLOR is not set (no-color.org)');
    assert.equal(useColor(true, { TERM: 'dumb' }), false);
    assert.equal(useColor(false, { FORCE_COLOR: '1' }), true);
    assert.equal(useColor(true, { FORCE_COLOR: '1', NO_COLOR: '1' }), true);
    assert.equal(useColor(true, { FORCE_COLOR: '0' }), false);
    assert.equal(useColor(true, { FORCE_COLOR: 'false' }), false);
  });
});

describe('escapeControl', () => {
  it('writes out every control character: ESC, newlines, C1, bidi overrides, lone surrogates', () => {
    assert.equal(escapeControl('a\u001b[31mb\nc\td\u009be\u202ef\ud800'), 'a\\e[31mb\\nc\\td\\x9be\\u202ef\\ud800');
    assert.equal(escapeControl('x\ty\u0007', { keepTab: true }), 'x\ty\\x07');
    assert.equal(escapeControl('plain text, ünïcödé 😀'), 'plain text, ünïcödé 😀');
  });

  it('leaves nothing a terminal acts on, and changes text without control characters not at all (property)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const out = escapeControl(text);
        assert.equal(hasControl(out), false, JSON.stringify(out));
        if (!hasControl(text)) assert.equal(out, text);
      }),
      { seed, numRuns: 500 },
    );
  });
});

describe('formatLogLine: one terminal line per log entry', () => {
  const at = Date.parse('2026-01-02T03:04:05.678Z');

  it('time, level, resource, message, then the other fields as key=value (pid and hostname left out)', () => {
    const line = formatLogLine({ level: 30, time: new Date(at).toISOString(), pid: 7, hostname: 'h', resource: 'cockpit-socket', msg: 'applied', desired: 9000, triggers: ['file', 'docker'], actions: ['write /etc/x y', 'systemctl restart x'] }, false);
    assert.match(line, /^\d\d:\d\d:\d\d\.678 INFO  cockpit-socket: applied desired=9000 triggers=file,docker actions=\[write \/etc\/x y; systemctl restart x\]\n$/);
    assert.match(formatLogLine({ level: 40, time: at, msg: 'no resource' }, false), /^\S+ WARN  no resource\n$/);
    assert.ok(!formatLogLine({ level: 30, time: at, msg: 'm' }, false).includes('\u001b'));
    assert.ok(formatLogLine({ level: 50, time: at, msg: 'm' }, true).includes(`${ESC}[31mERROR${ESC}[39m`));
  });

  it('hostile names and values (ESC sequences, newlines) are escaped, not sent to the terminal', () => {
    for (const hostile of HOSTILE) {
      for (const color of [false, true]) {
        const line = formatLogLine({ level: 40, time: at, resource: hostile, msg: `container ${hostile} is not running`, [hostile]: hostile, err: { message: hostile } }, color);
        assert.equal(line.indexOf('\n'), line.length - 1, JSON.stringify(line));
        assert.equal(hasControl(line.replace(SGR, '').slice(0, -1)), false, JSON.stringify(line));
      }
    }
  });

  it('any entry is one line with no control character besides our colours, and each value is bounded (property)', () => {
    const entry = fc.record(
      { level: fc.oneof(fc.constantFrom(10, 20, 30, 40, 50, 60), anyValue), time: fc.oneof(fc.integer({ min: 0, max: 4e12 }), anyText), resource: anyValue, msg: anyValue },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(entry, fc.dictionary(anyText, anyValue, { maxKeys: 5 }), fc.boolean(), (placed, extra, color) => {
        const line = formatLogLine({ ...extra, ...placed }, color);
        assert.ok(line.endsWith('\n'));
        const body = line.slice(0, -1).replace(SGR, '');
        assert.equal(hasControl(body), false, JSON.stringify(line));
        assert.ok(!color ? !line.includes('\u001b') : true);
      }),
      { seed, numRuns: 500 },
    );
    const long = formatLogLine({ level: 30, time: at, msg: 'm', paths: 'x'.repeat(10_000) }, false);
    assert.ok(long.length < 1100, `${long.length} characters`);
  });

  it('a chunk that is not a JSON object is still one escaped line', () => {
    assert.equal(formatLogChunk('not json \u001b[2J\n', false), 'not json \\e[2J\n');
    assert.equal(formatLogChunk('[1,2]\n', false), '[1,2]\n');
    assert.match(formatLogChunk('{"level":30,"time":0,"msg":"hi"}\n', false), /^\S+ INFO  hi\n$/);
  });
});

const base: ResourceOutcome = { name: 'a', kind: 'FileLine', desired: 1, observed: 1, inSync: true, ready: 'True', reason: 'InSync', message: 'in sync', changed: false, failed: false, plan: null, actions: [] };
const pass = (resources: ResourceOutcome[], dryRun: boolean): PassResult => ({ startedAt: 0, finishedAt: 5, triggers: ['once'], dryRun, result: passResultOf(resources), resources });

function drifted(name: string): ResourceOutcome {
  const path = hostPath(`/etc/${name}.conf`);
  const plan = { changes: [{ path, before: 'port 1\n', after: 'port 2\n' }], commands: [{ tool: 'systemctl' as const, args: ['restart', `${name}.service`] }] };
  return { ...base, name, desired: 2, inSync: false, ready: 'False', reason: 'DriftDetected', message: `write ${path}; then run restart ${name}.service`, plan };
}

describe('--once and --dry-run text', () => {
  const unavailable: ResourceOutcome = { ...base, name: 'c', desired: null, inSync: false, ready: 'Unknown', reason: 'DesiredStateUnavailable', message: 'container x is not running', failed: true };
  const inSync = Array.from({ length: 7 }, (_, i) => ({ ...base, name: `ok-${i}` }));
  const dry = pass([drifted('one'), drifted('two'), unavailable, ...inSync], true);

  it('a dry run states each planned write and command once (the diff), and ends with the counts by outcome', () => {
    const text = formatPlanDiff(dry, COMMANDS) + formatSummary(dry);
    for (const name of ['one', 'two']) {
      assert.equal(text.split(`/etc/${name}.conf`).length - 1, 2, `the diff's ---/+++ lines only:\n${text}`);
      assert.equal(text.split(`restart ${name}.service`).length - 1, 1, text);
    }
    assert.match(text, /^one +2 +1 +DriftDetected +would change 1 file, run 1 command$/m);
    assert.equal(text.split('container x is not running').length - 1, 1, text);
    assert.match(text, /^dry run unavailable: 2 to change, 1 unavailable, 7 in sync \(5ms\)\n$/m);
    assert.ok(!text.includes('\u001b'), 'no colour unless asked');
  });

  it('a pass counts what it changed; colour only when asked, never inside the column widths', () => {
    const applied = { ...base, name: 'b', reason: 'Applied' as const, changed: true, actions: [{ action: 'write /etc/b', result: 'updated' as const }] };
    const text = formatSummary(pass([applied, ...inSync], false));
    assert.match(text, /^pass converged: 1 changed, 7 in sync \(5ms\)$/m);
    assert.match(text, /^b +1 +1 +Applied +write \/etc\/b$/m);
    const coloured = formatSummary(pass([applied, ...inSync], false), true);
    assert.ok(coloured.includes(`${ESC}[32mpass converged${ESC}[39m: 1 changed`), coloured);
    assert.equal(coloured.replace(SGR, ''), text);
    assert.equal(formatSummary(pass([], true)).split('\n').at(-2), 'dry run in-sync: no resources (5ms)');
  });

  it('hostile names, values and file contents never reach the terminal unescaped', () => {
    for (const hostile of HOSTILE) {
      const evil = { ...drifted('x'), name: hostile, desired: hostile, observed: hostile, message: hostile };
      evil.plan = { changes: [{ path: hostPath(`/etc/${hostile}`), before: `a ${hostile}\n`, after: `b ${hostile}\n` }], commands: [{ exec: { container: hostile, argv: [hostile] } }] };
      const failed = { ...evil, reason: 'ApplyFailed' as const, failed: true, ready: 'False' as const };
      for (const p of [pass([evil], true), pass([failed], false)]) {
        const text = formatPlanDiff(p, COMMANDS) + formatSummary(p, true);
        const lines = text.replace(SGR, '').split('\n');
        for (const line of lines) assert.equal(hasControl(line.replace(/\t/g, '')), false, JSON.stringify(line));
      }
    }
  });

  it('history: hostile values in journal entries are escaped', () => {
    for (const hostile of HOSTILE) {
      const entry = { time: '2026-01-01T00:00:00.000Z', resource: hostile, kind: 'FileLine', triggers: [hostile], desired: hostile, observedBefore: hostile, observedAfter: null, result: 'failed' as const, reason: 'ApplyFailed', message: hostile, files: [{ path: hostile, action: 'change', result: 'updated' }], commands: [{ command: hostile, result: 'failed', exitCode: 1 }] };
      const text = historyReport({ entries: [entry as JournalEntry], skipped: 0 }, {}, false).stdout;
      for (const line of text.split('\n')) assert.equal(hasControl(line), false, JSON.stringify(line));
    }
  });

  it('status: each problem on its own line, hostile values escaped', () => {
    const report = statusReport({ ok: false, problem: 'bad\u001b[2Jfile\nline' }, 0, false);
    assert.equal(report.stdout, 'unhealthy: bad\\e[2Jfile\\nline\n');
  });
});
