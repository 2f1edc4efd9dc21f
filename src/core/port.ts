/** Result of validating a port value read from somewhere we do not control. */
export type PortCheck = { ok: true; port: number } | { ok: false; problem: string };

const MAX_SHOWN = 40;

/**
 * A TCP port is a decimal integer 1–65535 written without sign, spaces, leading zeros or
 * anything else. Anything looser would let `9000; rm -rf /` or `0x2328` through.
 */
export function checkPort(raw: string): PortCheck {
  if (!/^[1-9][0-9]{0,4}$/.test(raw)) {
    return { ok: false, problem: `${quoteForHumans(raw)} is not a port (a decimal integer 1-65535)` };
  }
  const port = Number(raw);
  if (port > 65535) return { ok: false, problem: `${port} is out of range (1-65535)` };
  return { ok: true, port };
}

/** Quote an untrusted value for a message: JSON-escaped and cut short. */
export function quoteForHumans(raw: string): string {
  const cut = raw.length > MAX_SHOWN ? `${raw.slice(0, MAX_SHOWN)}…` : raw;
  return JSON.stringify(cut);
}
