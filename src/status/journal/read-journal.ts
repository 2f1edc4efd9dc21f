import type { AppendLog } from '../../host/append-log';
import type { JournalEntry } from './journal-entry';

export interface JournalRead {
  /** Newest first. */
  entries: JournalEntry[];
  /** Lines that were not whole entries (a line torn by a crash, a cut first line). */
  skipped: number;
}

function parseLine(line: string): JournalEntry | null {
  try {
    const value = JSON.parse(line) as Partial<JournalEntry> | null;
    if (typeof value !== 'object' || value === null || typeof value.time !== 'string' || typeof value.resource !== 'string') return null;
    if (Number.isNaN(Date.parse(value.time))) return null;
    return { files: [], commands: [], triggers: [], ...value } as JournalEntry;
  } catch {
    return null;
  }
}

/** Parse journal text (oldest line first); lines that are not entries are counted, never fatal. */
export function parseJournal(texts: readonly string[]): JournalRead {
  const entries: JournalEntry[] = [];
  let skipped = 0;
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const entry = parseLine(line);
      if (entry) entries.push(entry);
      else skipped++;
    }
  }
  // Stable: entries of one pass share a time and keep their order, reversed with the rest.
  const indexed = entries.map((entry, index) => ({ entry, index, time: Date.parse(entry.time) }));
  indexed.sort((a, b) => b.time - a.time || b.index - a.index);
  return { entries: indexed.map((i) => i.entry), skipped };
}

/** The rotated file, then the current one; each read at most `limit` bytes from its end. */
export async function readJournal(log: AppendLog, file: string, limit: number): Promise<JournalRead> {
  const texts = [await log.readTail(`${file}.1`, limit), await log.readTail(file, limit)];
  return parseJournal(texts.filter((t): t is string => t !== null));
}

export interface HistoryFilter {
  resource?: string;
  /** Only entries at or after this time (ms since the epoch). */
  since?: number;
}

/** Entries matching the filter. */
export function filterJournal(entries: readonly JournalEntry[], filter: HistoryFilter): JournalEntry[] {
  return entries.filter((e) => (filter.resource === undefined || e.resource === filter.resource) && (filter.since === undefined || Date.parse(e.time) >= filter.since));
}
