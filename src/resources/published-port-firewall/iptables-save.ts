import { parseCidr } from '../../core/cidr';
import { CHAIN, DOCKER_USER, ESTABLISHED_RULE, renderRule, type Protocol, type Rule } from './firewall-rules';

/** Where the jump to the owned chain can be: Docker's chain for user rules, or (IPv6 without it) FORWARD. */
export type JumpParent = typeof DOCKER_USER | 'FORWARD';

/** What one family's filter table holds of ours: the chain's rules and the jumps to it. */
export interface FamilyRules {
  /** Whether DOCKER-USER exists (Docker's iptables integration is on). */
  dockerUser: boolean;
  /** Whether Docker's own chain DOCKER exists (Docker publishes ports in this family). */
  docker: boolean;
  chain: boolean;
  /** 1-based positions in DOCKER-USER of the rules `-j RECONCILE-PUBLISHED`. */
  jumps: number[];
  /** 1-based positions in FORWARD of the rules `-j RECONCILE-PUBLISHED`. */
  forwardJumps: number[];
  /** The owned chain's rules in order, each in canonical form; a rule we cannot read is kept as it was printed. */
  rules: string[];
}

/**
 * Reads `iptables-save -t filter` (or ip6tables-save) output: the owned chain, its rules and the
 * jumps to it from DOCKER-USER and from FORWARD. Rules are read back into their parts and written again in our
 * own canonical form, so that two spellings of one address (`::ffff:1.2.3.4`) compare equal;
 * anything else (a rule added by hand with other matches) stays as printed and so differs.
 */
export function parseFilterTable(text: string): FamilyRules {
  const state: FamilyRules = { dockerUser: false, docker: false, chain: false, jumps: [], forwardJumps: [], rules: [] };
  let inFilter = false;
  let position = 0;
  let forward = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) inFilter = line === '*filter';
    if (!inFilter || line === '' || line.startsWith('#')) continue;
    if (line.startsWith(':')) {
      const name = line.slice(1).split(' ')[0];
      if (name === DOCKER_USER) state.dockerUser = true;
      if (name === 'DOCKER') state.docker = true;
      if (name === CHAIN) state.chain = true;
    } else if (line.startsWith(`-A ${DOCKER_USER} `)) {
      position++;
      if (line === `-A ${DOCKER_USER} -j ${CHAIN}`) state.jumps.push(position);
    } else if (line.startsWith('-A FORWARD ')) {
      forward++;
      if (line === `-A FORWARD -j ${CHAIN}`) state.forwardJumps.push(forward);
    } else if (line.startsWith(`-A ${CHAIN} `)) {
      state.rules.push(canonicalRule(line));
    }
  }
  return state;
}

/** A rule of the owned chain in canonical form, or the line as it was when it is not one of ours. */
export function canonicalRule(line: string): string {
  if (line === ESTABLISHED_RULE) return line;
  const tokens = line.split(/\s+/).slice(2);
  const parts: Partial<Rule> & { dnat?: boolean } = {};
  const modules = new Set<string>();
  for (let i = 0; i < tokens.length; i += 2) {
    const option = tokens[i];
    const value = tokens[i + 1];
    if (value === undefined) return line;
    if (option === '-s' || option === '-d') {
      const cidr = parseCidr(value);
      if (!cidr || (option === '-s' ? parts.source : parts.dest)) return line;
      if (option === '-s') parts.source = cidr;
      else parts.dest = cidr;
    } else if (option === '-p' && (value === 'tcp' || value === 'udp' || value === 'sctp')) {
      parts.protocol = value as Protocol;
    } else if (option === '-m' && ['tcp', 'udp', 'sctp', 'conntrack'].includes(value)) {
      modules.add(value);
    } else if (option === '--dport' && /^[1-9][0-9]{0,4}$/.test(value) && Number(value) <= 65535) {
      parts.port = Number(value);
    } else if (option === '--ctstate' && value === 'DNAT') {
      parts.dnat = true;
    } else if (option === '-j' && (value === 'RETURN' || value === 'DROP')) {
      parts.action = value;
    } else {
      return line;
    }
  }
  const { dest, protocol, port, action } = parts;
  if (!dest || !protocol || port === undefined || !action || !parts.dnat || !modules.has(protocol) || !modules.has('conntrack')) return line;
  if (parts.source && parts.source.family !== dest.family) return line;
  return renderRule({ source: parts.source ?? null, dest, protocol, port, action });
}
