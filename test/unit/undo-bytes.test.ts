import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { undoBytes } from '../../src/controller/pending-commands';

describe('undo images keep the exact previous bytes', () => {
  it('a byte string above 0x7F is stored as those bytes, not as its UTF-8 encoding', () => {
    // Before: Buffer.from('\xe9') stored C3 A9, so a failed check put back two bytes for one.
    assert.deepEqual(Buffer.from(undoBytes('caf\xe9\r\n\x00') as string, 'base64'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0d, 0x0a, 0x00]));
    assert.deepEqual(Buffer.from(undoBytes(Buffer.from([0xff, 0xfe])) as string, 'base64'), Buffer.from([0xff, 0xfe]));
    assert.equal(undoBytes(null), null);
  });
});
