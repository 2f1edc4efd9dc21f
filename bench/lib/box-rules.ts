import type { Box } from '../../harness/box';

/**
 * The rules PublishedPortFirewall must put in the box's IPv4 filter table for the benches, written
 * out here (not from the resource's own code) so that a check can disagree with it.
 */
export const CHAIN = 'RECONCILE-PUBLISHED';
/** The third octet of the client namespaces' subnets (harness/box/firewall-scene.ts): allowFrom's, and the other one. */
export const ALLOWED = 9;
export const DENIED = 10;
const ESTABLISHED = `-A ${CHAIN} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`;
const JUMP = `-A DOCKER-USER -j ${CHAIN}`;

/** A container publishing 8080/tcp: its address and the client subnets (third octets) let in. */
export interface Published {
  name: string;
  address: string;
  sources: number[];
}

/** Every rule the owned chain must hold, as `iptables -S` prints them (the established rule first). */
export function expectedRules(containers: readonly Published[]): string[] {
  const rule = (address: string, source: string, action: string): string =>
    `-A ${CHAIN}${source} -d ${address}/32 -p tcp -m tcp --dport 8080 -m conntrack --ctstate DNAT -j ${action}`;
  return [ESTABLISHED, ...containers.flatMap((c) => [...c.sources.map((n) => rule(c.address, ` -s 198.18.${n}.0/24`, 'RETURN')), rule(c.address, '', 'DROP')])];
}

/** What `iptables -S` (the table, or the chain alone) says against the expected rules. */
export interface RuleCheck {
  count: number;
  duplicates: number;
  missing: number;
  extra: number;
  establishedFirst: boolean;
  /** Jumps to the chain in the listing, and whether DOCKER-USER's first rule is one (when DOCKER-USER is listed). */
  jumps: number;
  jumpFirst: boolean | 'not listed';
  /** Exactly the expected rules, once each, the established rule first, the one jump first. */
  exact: boolean;
}

export function checkRules(listing: string, expected: readonly string[]): RuleCheck {
  const lines = listing.split('\n');
  const rules = lines.filter((l) => l.startsWith(`-A ${CHAIN} `));
  const distinct = new Set(rules);
  const want = new Set(expected);
  const jumps = lines.filter((l) => l.endsWith(` -j ${CHAIN}`)).length;
  const listed = lines.includes('-N DOCKER-USER');
  const jumpFirst: boolean | 'not listed' = listed ? lines.find((l) => l.startsWith('-A DOCKER-USER ')) === JUMP : 'not listed';
  const check = {
    count: rules.length,
    duplicates: rules.length - distinct.size,
    missing: [...want].filter((r) => !distinct.has(r)).length,
    extra: [...distinct].filter((r) => !want.has(r)).length,
    establishedFirst: rules[0] === ESTABLISHED,
    jumps,
    jumpFirst,
  };
  const exact = check.duplicates === 0 && check.missing === 0 && check.extra === 0 && check.establishedFirst && (!listed || (jumps === 1 && jumpFirst === true));
  return { ...check, exact };
}

/**
 * Polls the box (every 20 ms, 60 s bound) until the jump is first in DOCKER-USER and the chain
 * holds exactly the rules of /tmp/expected (sorted, so a duplicate or a stray rule counts), the
 * established one first; returns the ms since `start` (a bash expression for a `date +%s%N`), or
 * Infinity.
 */
export async function inPlace(box: Box, start: string): Promise<number> {
  const out = await box.sh(
    [
      `START=${start}; want=$(sort /tmp/expected)`,
      'for k in $(seq 3000); do',
      `  s=$(iptables -S ${CHAIN} 2>/dev/null || true)`,
      `  if [ "$(iptables -S DOCKER-USER 2>/dev/null | sed -n 2p || true)" = '${JUMP}' ] && [ "$(sed -n 2p <<<"$s")" = '${ESTABLISHED}' ] && [ "$(grep '^-A ' <<<"$s" | sort || true)" = "$want" ]; then`,
      '    echo $(( ($(date +%s%N) - START) / 1000000 )); exit 0',
      '  fi; sleep 0.02',
      'done; echo never',
    ].join('\n'),
    { timeoutMs: 240_000 },
  );
  const last = out.trim().split('\n').at(-1) ?? 'never';
  return last === 'never' ? Infinity : Number(last);
}
