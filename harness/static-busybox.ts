import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Finds busybox ($BUSYBOX, then `command -v busybox`) and checks it is statically linked. */
export async function findStaticBusybox(): Promise<string> {
  const hint = 'install it with `apt-get install busybox-static` (or set BUSYBOX=/path/to/static/busybox)';
  let candidate = process.env.BUSYBOX ?? '';
  if (candidate === '') {
    try {
      const { stdout } = await execFileAsync('/bin/sh', ['-c', 'command -v busybox'], { encoding: 'utf8' });
      candidate = stdout.trim();
    } catch {
      throw new Error(`busybox not found on PATH: ${hint}`);
    }
  }
  let binary: Buffer;
  try {
    binary = await fs.readFile(candidate);
  } catch (error: unknown) {
    throw new Error(`cannot read busybox at ${candidate} (${String(error)}): ${hint}`, { cause: error });
  }
  if (needsInterpreter(binary)) {
    throw new Error(`${candidate} is dynamically linked and cannot run in an empty image: ${hint}`);
  }
  return candidate;
}

/** True when the ELF file has a PT_INTERP program header (i.e. it is dynamically linked). */
function needsInterpreter(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46) {
    throw new Error('busybox is not an ELF executable');
  }
  const is64 = elf[4] === 2;
  const le = elf[5] === 1;
  const u16 = (offset: number): number => (le ? elf.readUInt16LE(offset) : elf.readUInt16BE(offset));
  const u32 = (offset: number): number => (le ? elf.readUInt32LE(offset) : elf.readUInt32BE(offset));
  const phoff = is64 ? Number(le ? elf.readBigUInt64LE(0x20) : elf.readBigUInt64BE(0x20)) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  const PT_INTERP = 3;
  for (let i = 0; i < phnum; i += 1) {
    const at = phoff + i * phentsize;
    if (at + 4 <= elf.length && u32(at) === PT_INTERP) return true;
  }
  return false;
}

/** The applets of a busybox binary (without `busybox` itself); throws when one of `required` is missing. */
export async function listApplets(busybox: string, required: readonly string[]): Promise<string[]> {
  const { stdout } = await execFileAsync(busybox, ['--list'], { encoding: 'utf8' });
  const applets = stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((name) => name !== '' && name !== 'busybox' && !name.includes('/'));
  const missing = required.filter((name) => !applets.includes(name));
  if (missing.length > 0) throw new Error(`busybox lacks applets needed by the tests: ${missing.join(', ')}`);
  return applets.sort();
}
