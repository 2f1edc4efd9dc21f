import type { Box } from '../../harness/box';

/** One pass as the status file's `lastPass` showed it, with the controller's pid and counters then. */
export interface SeenPass {
  pid: number;
  /** `stats.passes` after it: consecutive numbers unless the watcher missed one. */
  n: number;
  /** `stats.changes` after it. */
  changes: number;
  durationMs: number;
  triggers: string[];
  result: string;
  finishedAt: string;
  /** A failed pass's conditions that are not True: `resource: type reason: message`. */
  problems?: string[];
}

const STATUS = '/var/lib/reconciler/status.json';
const SEEN = '/tmp/bench-passes.jsonl';

/**
 * Polls the status file every 10 ms (a stat; the JSON only when it was replaced) and appends each
 * new `lastPass` to a file: the status keeps only the last pass, and a trigger's pass can be
 * followed by another (the controller's own rules show up in `nft monitor`).
 */
const WATCH = `
const fs = require('fs');
let last = '', seen = '';
setInterval(() => {
  let st; try { st = fs.statSync(${JSON.stringify(STATUS)}); } catch { return; }
  const id = st.ino + ':' + st.mtimeMs; if (id === last) return;
  let d; try { d = JSON.parse(fs.readFileSync(${JSON.stringify(STATUS)}, 'utf8')); } catch { return; }
  last = id;
  const p = d.lastPass; if (!p) return;
  const key = d.controller.pid + ':' + d.stats.passes; if (key === seen) return; seen = key;
  const problems = p.result === 'failed' ? d.resources.flatMap((r) => r.conditions.filter((c) => c.status !== 'True').map((c) => r.name + ': ' + c.type + ' ' + c.reason + ': ' + c.message)) : undefined;
  fs.appendFileSync(${JSON.stringify(SEEN)}, JSON.stringify({ pid: d.controller.pid, n: d.stats.passes, changes: d.stats.changes, durationMs: p.durationMs, triggers: p.triggers, result: p.result, finishedAt: p.finishedAt, problems }) + '\\n');
}, 10);
`;

/** Starts the watcher in the box as a transient unit (it goes with the box). */
export async function startPassWatch(box: Box): Promise<void> {
  await box.writeFile('/tmp/bench-pass-watch.js', WATCH);
  await box.run(['systemd-run', '--quiet', '--unit=bench-pass-watch', '/usr/bin/node', '/tmp/bench-pass-watch.js']);
}

/** The passes the watcher saw that finished at or after `since` (ms since the epoch; the box shares the machine's clock). */
export async function passesSince(box: Box, since: number): Promise<SeenPass[]> {
  const out = (await box.exec(['cat', SEEN])).stdout;
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as SeenPass)
    .filter((p) => Date.parse(p.finishedAt) >= since);
}
