import { formatCidr, parseCidr, type Cidr } from '../../core/cidr';
import { quoteForHumans } from '../../core/port';

/** The container label that lists who may reach a container's published ports. */
export const ALLOW_FROM_LABEL = 'reconcile.firewall.allow-from';

/** Labels longer than this are refused whole (a list of 64 IPv6 blocks fits well inside). */
const MAX_LABEL_LENGTH = 4096;
/** More entries than this are refused whole: the rules grow with each one. */
const MAX_ENTRIES = 64;

export type AllowLabel = { ok: true; cidrs: Cidr[] } | { ok: false; problem: string };

/**
 * The label's value: CIDRs (or single addresses) separated by commas, spaces around them
 * allowed. Any entry outside the CIDR grammar refuses the whole label (never a partial list: a
 * smuggled `1.2.3.4 -j ACCEPT` must not leave `1.2.3.4` open either). Duplicates are dropped,
 * the order kept.
 */
export function parseAllowLabel(value: string): AllowLabel {
  if (value.length > MAX_LABEL_LENGTH) return { ok: false, problem: `label ${ALLOW_FROM_LABEL} is longer than ${MAX_LABEL_LENGTH} characters` };
  const entries = value.split(',').map((e) => e.trim());
  if (entries.length > MAX_ENTRIES) return { ok: false, problem: `label ${ALLOW_FROM_LABEL} lists more than ${MAX_ENTRIES} entries` };
  const cidrs: Cidr[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const cidr = parseCidr(entry);
    if (!cidr) {
      return { ok: false, problem: `label ${ALLOW_FROM_LABEL}=${quoteForHumans(value)} is not a comma-separated list of CIDRs (${quoteForHumans(entry)})` };
    }
    const text = formatCidr(cidr);
    if (seen.has(text)) continue;
    seen.add(text);
    cidrs.push(cidr);
  }
  return { ok: true, cidrs };
}
