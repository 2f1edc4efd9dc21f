import { escapeControl } from '../core/terminal';
import type { JournalEntry } from '../status/journal/journal-entry';
import { filterJournal, type HistoryFilter, type JournalRead } from '../status/journal/read-journal';
import type { ObservedValue } from '../resources/plan';
import { textTable } from './text-table';

const show = (v: ObservedValue | undefined): string => (v === null || v === undefined ? '-' : Array.isArray(v) ? v.join(',') : String(v));

/** `write listen.conf (+2 -0); systemctl daemon-reload (exit 0)` */
function changed(entry: JournalEntry): string {
  const files = entry.files.map((f) => {
    const counts = f.hidden ? ' (hidden)' : f.added !== undefined ? ` (+${f.added} -${f.removed ?? 0})` : f.bytes !== undefined ? ` (${f.bytes} bytes)` : '';
    return `${f.action} ${f.path}${counts}${f.result === 'updated' ? '' : ` [${f.result}]`}`;
  });
  const commands = entry.commands.map((c) => `${c.command}${c.exitCode !== undefined ? ` (exit ${c.exitCode})` : c.result === 'updated' ? '' : ` (${c.result})`}`);
  return [...files, ...commands].join('; ') || '-';
}

/** `2026-12-01 09:10:10Z` */
const time = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

/** `reconcile history`: the journal, newest first, as a table or JSON. Exit 0 (an empty journal too). */
export function historyReport(read: JournalRead, filter: HistoryFilter, json: boolean): { exitCode: number; stdout: string } {
  const entries = filterJournal(read.entries, filter);
  if (json) return { exitCode: 0, stdout: `${JSON.stringify({ entries, skippedLines: read.skipped }, null, 2)}\n` };
  if (entries.length === 0) return { exitCode: 0, stdout: 'no journal entries\n' };
  const rows = [['TIME', 'RESOURCE', 'RESULT', 'REASON', 'DESIRED', 'BEFORE', 'AFTER', 'CHANGED']];
  for (const e of entries) rows.push([time(e.time), e.resource, e.result, e.reason, show(e.desired), show(e.observedBefore), show(e.observedAfter), changed(e)]);
  // Entries hold values read from containers: every cell and message is escaped.
  const lines = textTable(rows);
  const failed = entries.filter((e) => e.result === 'failed');
  for (const e of failed.slice(0, 5)) lines.push(escapeControl(`${time(e.time)} ${e.resource}: ${e.reason}: ${e.message}`));
  if (read.skipped > 0) lines.push(`(${read.skipped} unreadable line${read.skipped === 1 ? '' : 's'} skipped: a write cut short by a crash)`);
  return { exitCode: 0, stdout: `${lines.join('\n')}\n` };
}
