import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { ConfigFileRead, ConfigFiles } from '../host/config-files';

const codeOf = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? String(error);

/** Configuration files read with node:fs: O_NONBLOCK (a FIFO never blocks), regular files only, bounded. */
export class NodeConfigFiles implements ConfigFiles {
  readText(path: string, maxBytes: number): ConfigFileRead {
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (error) {
      return { ok: false, problem: codeOf(error) };
    }
    try {
      if (!fstatSync(fd).isFile()) return { ok: false, problem: 'not a regular file' };
      const buffer = Buffer.alloc(maxBytes + 1);
      let length = 0;
      for (let n = -1; n !== 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
      if (length > maxBytes) return { ok: false, problem: `larger than ${maxBytes / 1024 / 1024} MiB` };
      return { ok: true, text: buffer.toString('utf8', 0, length) };
    } catch (error) {
      return { ok: false, problem: codeOf(error) };
    } finally {
      closeSync(fd);
    }
  }
}
