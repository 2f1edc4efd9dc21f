import { createHash } from 'node:crypto';

/**
 * Replace every occurrence of each secret in `text` by `***`, in each form a program may print
 * it: plain, JSON-escaped (`"` `\` control and non-ASCII characters as escapes), URL-encoded
 * (`%XX`, upper or lower case hex, `+` for a space) and base64 (standard or URL alphabet, at any
 * byte offset: the characters that depend on the secret alone). Secrets shorter than 3
 * characters are left: they would mask noise.
 */
export function maskSecrets(text: string, secrets: readonly string[] | undefined): string {
  const forms = new Set<string>();
  for (const secret of secrets ?? []) if (secret.length >= 3) for (const form of secretForms(secret)) forms.add(form);
  // Longest first: a form that contains another is masked whole.
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join('***');
  return out;
}

/** The encodings of a secret that masking looks for (each at least 3 characters long). */
function secretForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const jsonAscii = json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const url = encodeURIComponent(secret);
  const forms = [secret, json, jsonAscii, jsonAscii.replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => `\\u${hex.toUpperCase()}`), url, url.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()), url.replace(/%20/g, '+')];
  // base64 of the secret, or of a JSON document holding it (escaped), at any byte offset.
  for (const text of new Set([secret, json, jsonAscii])) forms.push(...base64Cores(Buffer.from(text, 'utf8')));
  return forms.filter((f) => f.length >= 3);
}

/**
 * For each of the 3 byte offsets the bytes may start at inside a base64 stream, the characters
 * of the 3-byte groups made of these bytes alone (they do not depend on what surrounds them),
 * in both alphabets. At an offset other than 0 this needs at least 4 or 5 bytes.
 */
function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const first = Math.ceil(offset / 3);
    const last = Math.floor((offset + bytes.length) / 3);
    if (last <= first) continue;
    const core = encoded.slice(first * 4, last * 4);
    cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return cores;
}

/**
 * A short, non-reversible fingerprint of secret material for the status file: enough to tell
 * two values apart, useless for recovering them (a keyed prefix keeps it from matching other
 * tools' hashes of the same password).
 */
export function fingerprint(...parts: string[]): string {
  const hash = createHash('sha256').update('reconciler-fingerprint\0');
  for (const part of parts) hash.update(part).update('\0');
  return `sha256:${hash.digest('hex').slice(0, 12)}`;
}
