import { describeError } from '../core/errors';
import type { FileSystem } from '../host/file-system';
import { parseIni, type IniDocument } from './parse-ini';

/** Larger than any real config.ini; protects the controller from hostile files. */
export const MAX_INI_BYTES = 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type IniRead = { ok: true; text: string; ini: IniDocument } | { ok: false; message: string };

/**
 * Read and parse an INI file that another program writes by truncate-then-write (apphub):
 * it is read twice and must be the same both times; empty, oversized, non-UTF-8 or unparsable
 * content is "not readable now", never a value.
 */
export async function readIniFile(files: FileSystem, path: string): Promise<IniRead> {
  let text: string;
  try {
    const first = await files.readFile(path);
    if (first === null) return { ok: false, message: `${path} does not exist` };
    if (first.length > MAX_INI_BYTES) return { ok: false, message: `${path} is larger than ${MAX_INI_BYTES} bytes` };
    const second = await files.readFile(path);
    if (second === null || !first.equals(second)) return { ok: false, message: `${path} changed while being read; will retry` };
    if (first.toString('utf8').trim() === '') return { ok: false, message: `${path} is empty (being written?)` };
    text = utf8.decode(first);
  } catch (error) {
    return { ok: false, message: error instanceof TypeError ? `${path} is not valid UTF-8` : describeError(error) };
  }
  const parsed = parseIni(text);
  if (!parsed.ok) return { ok: false, message: `${path} line ${parsed.line}: ${parsed.problem}` };
  return { ok: true, text, ini: parsed.ini };
}
