import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { pack } from 'tar-stream';
import { ARCHIVE_OVERHEAD_BYTES, readFirstTarFile } from '../../src/adapters/read-tar-file';

/** A tar archive (what Docker's archive API streams) with the given entries. */
function archive(entries: { name: string; type?: 'file' | 'symlink' | 'fifo' | 'directory'; data?: Buffer; linkname?: string }[]): Readable {
  const tar = pack();
  for (const e of entries) {
    if ((e.type ?? 'file') === 'file') tar.entry({ name: e.name }, e.data ?? Buffer.alloc(0));
    else tar.entry({ name: e.name, type: e.type, ...(e.linkname ? { linkname: e.linkname } : {}) });
  }
  tar.finalize();
  return Readable.from(tar as AsyncIterable<Buffer>);
}

describe('readFirstTarFile: archive reads are bounded', () => {
  it('a small regular file is read', async () => {
    assert.deepEqual(await readFirstTarFile(archive([{ name: 'credential', data: Buffer.from('{"password":"x"}') }]), 1024), { kind: 'file', data: Buffer.from('{"password":"x"}') });
  });

  it('a symlink (to /dev/zero), a FIFO or a directory is not a file and is never followed', async () => {
    assert.deepEqual(await readFirstTarFile(archive([{ name: 'credential', type: 'symlink', linkname: '/dev/zero' }]), 1024), { kind: 'not-a-file', type: 'symlink' });
    assert.deepEqual(await readFirstTarFile(archive([{ name: 'credential', type: 'fifo' }]), 1024), { kind: 'not-a-file', type: 'fifo' });
    assert.deepEqual(await readFirstTarFile(archive([{ name: 'data', type: 'directory' }, { name: 'data/a', data: Buffer.alloc(10) }]), 1024), { kind: 'not-a-file', type: 'directory' });
  });

  it('a file larger than the cap is refused from its header, before its data is read', async () => {
    assert.deepEqual(await readFirstTarFile(archive([{ name: 'big', data: Buffer.alloc(4096) }]), 1024), { kind: 'too-large', size: 4096 });
  });

  it('an endless pax header is cut after the cap plus the header allowance, never buffered whole', async () => {
    // A valid header announcing a 3 MiB pax extended header (tar-stream accepts up to 4 MiB and
    // buffers it whole before the entry it describes), then endless data.
    const endless = new PassThrough();
    let sent = 0;
    endless.write(paxHeader(3 * 1024 * 1024));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = (): void => {
      while (sent < 256 * 1024 * 1024 && !endless.destroyed && endless.write(chunk)) sent += chunk.length;
      if (sent < 256 * 1024 * 1024 && !endless.destroyed) endless.once('drain', pump);
    };
    pump();
    await assert.rejects(readFirstTarFile(endless, 1024), /archive: more than \d+ bytes/);
    assert.ok(sent < 1024 + ARCHIVE_OVERHEAD_BYTES + 512 * 1024, `read ${sent} bytes`);
  });
});

/** A ustar header block of type `x` (pax extended header) of `size` bytes. */
function paxHeader(size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write('PaxHeader/x', 0);
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  block.write('00000000000\0', 136);
  block.write('        ', 148); // checksum counted as spaces
  block.write('x', 156);
  block.write('ustar\0', 257);
  block.write('00', 263);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}
