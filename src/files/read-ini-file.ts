import { describeError } from '../core/errors';
import { fileErrorCode, MAX_TEXT_FILE_BYTES, UNSAFE_PATH, type ConfinedPath, type FileSystem, type LinkPolicy } from '../host/file-system';
import { parseIni, type IniDocument } from './parse-ini';
import { readSettled } from './read-settled';

/** Larger than any real config.ini; protects the controller from hostile files. */
export const MAX_INI_BYTES = MAX_TEXT_FILE_BYTES;

// ignoreBOM: keep a byte order mark in the text, so that an edit writes it back (parseIni skips it).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export type IniRead = { ok: true; text: string; ini: IniDocument } | { ok: false; message: string; /** the path was refused */ unsafe?: boolean };

/** Where the INI file is: a host path, or a ConfinedPath (with the link policy: `refuse` when it will be written). */
export interface IniLocation {
  path: string | ConfinedPath;
  links?: LinkPolicy;
}

/**
 * Read and parse an INI file that another program writes by truncate-then-write (apphub):
 * settled (readSettled: read twice, the same, not empty); changing, empty, oversized, non-UTF-8
 * or unparsable content is "not readable now", never a value. Only a regular file is read, at most
 * MAX_INI_BYTES; inside a volume no link may lead out of it (`unsafe`).
 */
export async function readIniFile(files: FileSystem, where: IniLocation | string): Promise<IniRead> {
  const { path, links } = typeof where === 'string' ? { path: where, links: undefined } : where;
  const options = { maxBytes: MAX_INI_BYTES, links: links ?? 'follow-within' };
  let text: string;
  try {
    const read = await readSettled(files, path, options);
    if (!read.ok) return { ok: false, message: `${path} ${read.why}` };
    text = utf8.decode(read.bytes);
  } catch (error) {
    if (fileErrorCode(error) === UNSAFE_PATH) return { ok: false, message: describeError(error), unsafe: true };
    return { ok: false, message: error instanceof TypeError ? `${path} is not valid UTF-8` : describeError(error) };
  }
  const parsed = parseIni(text);
  if (!parsed.ok) return { ok: false, message: `${path} line ${parsed.line}: ${parsed.problem}` };
  return { ok: true, text, ini: parsed.ini };
}
