/**
 * Files are parsed and edited as byte strings: one character per byte (latin1), so that every
 * byte of a file, valid UTF-8 or not (ISO-8859-1, NUL, lone CR), comes back exactly as it was.
 * Text from the configuration (a template, a value) is put in as its UTF-8 bytes; what humans
 * see (status, diffs) is the byte string read as UTF-8.
 */

/** The byte string of a file's bytes. */
export function bytesToText(bytes: Buffer): string {
  return bytes.toString('latin1');
}

/** The bytes of a byte string; a character above U+00FF is a bug (it would be truncated). */
export function textToBytes(text: string): Buffer {
  // eslint-disable-next-line no-control-regex
  if (/[^\u0000-\u00ff]/.test(text)) throw new Error('internal error: a byte string holds a character above U+00FF');
  return Buffer.from(text, 'latin1');
}

/** A UTF-8 string (from the configuration) as the byte string of its UTF-8 encoding. */
export function utf8ToByteString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** A byte string as humans read it (its bytes decoded as UTF-8; invalid bytes shown as U+FFFD). */
export function displayBytes(text: string): string {
  return /[\u0080-\u00ff]/.test(text) ? Buffer.from(text, 'latin1').toString('utf8') : text;
}
