import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpawnLineProcesses } from '../../src/adapters/spawn-line-processes';

/** Lines a command printed, and how it ended. */
function run(script: string): Promise<{ lines: string[]; problem: string }> {
  return new Promise((resolve) => {
    const lines: string[] = [];
    new SpawnLineProcesses().start(['sh', '-c', script], (line) => lines.push(line), (problem) => resolve({ lines, problem }));
  });
}

describe('SpawnLineProcesses', () => {
  it('cuts a monitor’s endless line at 8 KiB and reads the next lines as usual', async () => {
    // 200,000 bytes on one line, written in many pieces, then two short lines.
    const { lines, problem } = await run("i=0; while [ $i -lt 200 ]; do printf '%01000d' 0; i=$((i+1)); done; printf '\\nsignal\\nend\\n'");
    assert.equal(lines.length, 3);
    assert.equal(lines[0]?.length, 8192);
    assert.deepEqual(lines.slice(1), ['signal', 'end']);
    assert.match(problem, /exit code 0/);
  });

  it('reports a command that cannot start, once', async () => {
    const problems: string[] = [];
    await new Promise<void>((resolve) => {
      new SpawnLineProcesses().start(['/nonexistent/monitor'], () => undefined, (problem) => {
        problems.push(problem);
        setTimeout(resolve, 200);
      });
    });
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /ENOENT/);
  });
});
