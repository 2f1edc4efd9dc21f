import type { Plan, ToolStep } from '../plan';
import { DOCKER_USER, desiredPolicy, iptablesRules, type Family, type FirewallContainer, type FirewallPolicy } from './firewall-rules';
import { nftRules } from './nft-table';
import { iptablesRemovals, iptablesSteps, type FamilyObservation } from './plan-iptables';
import { enforceNft, removeNft, type NftObservation } from './plan-nftables';

/** What writes the rules: an iptables chain jumped to from DOCKER-USER, or an nftables table of our own. */
export type Backend = 'iptables' | 'nftables';
/** The configuration's `backend`: one of them, or `auto` (chosen each pass from what is there). */
export type BackendSetting = Backend | 'auto';

/** What observe() saw: the running containers (null when the resource is switched off), both iptables filter tables and the nftables table. */
export interface FirewallState {
  containers: readonly FirewallContainer[] | null;
  families: Readonly<Record<Family, FamilyObservation>>;
  nft: NftObservation;
}

/**
 * The backend a pass uses, and why. `auto`: iptables when iptables' filter table has
 * DOCKER-USER (Docker's iptables backend, as before); else nftables when `nft` can be run
 * (Docker's nftables backend has no DOCKER-USER); else iptables (whose plan then says that
 * DOCKER-USER is missing).
 */
export function chooseBackend(setting: BackendSetting, state: Pick<FirewallState, 'families' | 'nft'>): { backend: Backend; why: string } {
  if (setting !== 'auto') return { backend: setting, why: `backend: ${setting}` };
  const v4 = state.families[4];
  if (v4.available && v4.table.dockerUser) return { backend: 'iptables', why: `auto: ${DOCKER_USER} exists` };
  if (state.nft.available) return { backend: 'nftables', why: `auto: no ${DOCKER_USER} chain, nft available` };
  return { backend: 'iptables', why: `auto: no ${DOCKER_USER} chain, and nft cannot be run (${state.nft.why})` };
}

/**
 * Pure: what makes the host's netfilter hold the policy with the chosen backend — its
 * transactions (one per iptables family, or one `nft -f`) — and removes what the other backend
 * left (after a change of backend), written first and removed second, so that the policy is
 * never without rules. Switched off (`containers` null): removes both.
 */
export function planFirewall(state: FirewallState, policy: FirewallPolicy, setting: BackendSetting = 'iptables'): Plan {
  const nftTable = state.nft.available ? state.nft.table : null;
  const leftNft = (): ToolStep[] => {
    const step = removeNft(nftTable);
    return step ? [step] : [];
  };
  if (state.containers === null) return { changes: [], commands: [...iptablesRemovals(state.families), ...leftNft()] };
  const { backend } = chooseBackend(setting, state);
  const wanted = desiredPolicy(state.containers, policy);
  let commands: ToolStep[];
  if (backend === 'iptables') {
    const steps = iptablesSteps(state.families, iptablesRules(wanted.rules));
    if (steps.problem !== undefined) return { changes: [], commands: [], problem: steps.problem };
    commands = [...steps.commands, ...leftNft()];
  } else {
    if (!state.nft.available) return { changes: [], commands: [], problem: state.nft.why };
    const step = enforceNft(nftTable, nftRules(wanted.rules));
    commands = [...(step ? [step] : []), ...iptablesRemovals(state.families)];
  }
  const invalid = wanted.reach.filter((r) => r.invalid !== undefined).map((r) => `container ${r.container}: ${r.invalid ?? ''}; closed to all but allowFrom`);
  return { changes: [], commands, ...(invalid.length > 0 ? { invalidDesired: invalid.join('; ') } : {}) };
}
