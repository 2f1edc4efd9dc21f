import { createHash } from 'node:crypto';

/** Replace every occurrence of each secret in `text` by `***` (secrets shorter than 3 chars are left: they would mask noise). */
export function maskSecrets(text: string, secrets: readonly string[] | undefined): string {
  let out = text;
  for (const secret of secrets ?? []) if (secret.length >= 3) out = out.split(secret).join('***');
  return out;
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
