import { dirname, join } from 'node:path';
import type { Config } from '../../config/schema';
import { describeError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { PassResult } from '../../controller/outcome';
import type { AppendLog } from '../../host/append-log';
import { journalEntries } from './journal-entry';
import type { Webhook } from './webhook';

/** `journal.file`, or `journal.jsonl` beside the status file when it is null. */
export function journalPath(config: Config, statusFile: string): string {
  return config.journal.file ?? join(dirname(statusFile), 'journal.jsonl');
}

export interface JournalOptions {
  log: AppendLog;
  file: string;
  maxBytes: number;
  logger: Logger;
  webhook?: Webhook | null;
}

/**
 * The correction journal: after each pass, one line per applied change or failed apply, then
 * (in the background) the webhook. Never throws: a journal that cannot be written is logged,
 * the pass and the status stay as they are.
 */
export class Journal {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: JournalOptions) {}

  /** Append the pass's entries (in order, after any earlier record); resolves with how many were written. */
  record(pass: PassResult): Promise<number> {
    const entries = journalEntries(pass);
    if (entries.length === 0) return Promise.resolve(0);
    const run = this.chain.then(async () => {
      let written = 0;
      for (const entry of entries) {
        const line = JSON.stringify(entry);
        try {
          await this.options.log.append(this.options.file, line, { maxBytes: this.options.maxBytes });
          written++;
        } catch (error) {
          this.options.logger.error({ err: describeError(error), file: this.options.file }, 'cannot write the journal');
        }
        this.options.webhook?.send(line);
      }
      return written;
    });
    this.chain = run.then(() => undefined);
    return run;
  }

  /**
   * Wait for the webhook queue to drain, at most `timeoutMs` (a one-off pass before it exits, a
   * shutdown); past it, whatever is left is dropped and nothing stays open (see Webhook.close).
   */
  async flush(timeoutMs: number): Promise<boolean> {
    await this.chain;
    if (!this.options.webhook) return true;
    const done = await this.options.webhook.flush(timeoutMs);
    if (!done) this.options.webhook.close();
    return done;
  }
}
