import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { logProcessWarnings } from '../../src/app/process-warnings';

/** A logger writing JSON lines into `lines`, and a stand-in for `process` with Node's writer installed (or not). */
function setup(nodeWriter: boolean, noDeprecation = false) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
  const printed: string[] = [];
  const proc = Object.assign(new EventEmitter(), { noDeprecation });
  if (nodeWriter) proc.on('warning', (w: Error) => printed.push(`(node:1) ${w.name}: ${w.message}`));
  logProcessWarnings(pino({ level: 'info' }, sink), proc as unknown as NodeJS.Process);
  return { lines, printed, proc };
}

const warning = (name: string, message: string, code?: string): Error => Object.assign(new Error(message), { name }, code ? { code } : {});

describe('logProcessWarnings', () => {
  it('replaces Node\'s plain-text writer by one warn log line, with the name and code as fields', () => {
    const { lines, printed, proc } = setup(true);
    proc.emit('warning', warning('DeprecationWarning', 'Closing a FileHandle object on garbage collection is deprecated.', 'DEP0137'));
    proc.emit('warning', warning('Warning', 'Closing file descriptor 21 on garbage collection'));
    assert.deepEqual(printed, []);
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg, l.warning]),
      [
        [40, 'process warning [DEP0137]: Closing a FileHandle object on garbage collection is deprecated.', { name: 'DeprecationWarning', code: 'DEP0137' }],
        [40, 'process warning: Closing file descriptor 21 on garbage collection', { name: 'Warning' }],
      ],
    );
  });

  it('--no-warnings (no writer installed by Node): nothing is logged', () => {
    const { lines, proc } = setup(false);
    proc.emit('warning', warning('Warning', 'ignored'));
    assert.deepEqual(lines, []);
  });

  it('--no-deprecation: deprecations are not logged, other warnings are', () => {
    const { lines, proc } = setup(true, true);
    proc.emit('warning', warning('DeprecationWarning', 'old', 'DEP0005'));
    proc.emit('warning', warning('ExperimentalWarning', 'new'));
    assert.deepEqual(lines.map((l) => l.msg), ['process warning: new']);
  });
});
