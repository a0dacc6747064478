import type { Family, NatModel } from '../core/index.js';
import { applyIptables } from './apply-iptables.js';
import { applyNftables } from './apply-nftables.js';
import { listNftChains, otherBackendWarning, resolveBackend, type BackendChoice, type NftChainEntry } from './backend.js';
import { felixChainSigns, readFelixProcesses } from './felix-guard.js';
import type { Backend } from './desired.js';
import { NFT_TABLE } from '../render/nftables.js';
import { desiredIptables, desiredNftables } from './desired-from-model.js';
import type { HostExec } from './host-exec.js';
import { readIptablesLive, readNftTable, type IptablesLive } from './live-state.js';
import type { NftTableState } from './nft-json.js';
import { planIptablesFamily, planNftablesFamily, setRole, type Change } from './plan.js';

/** HostPlan is the comparison of one model with the kernel, ready to apply. */
export interface HostPlan {
  readonly choice: BackendChoice;
  readonly families: readonly Family[];
  readonly changes: readonly Change[];
  /** conflicts block apply: differences poolctl cannot resolve without touching what it does not own */
  readonly conflicts: readonly string[];
  /** warnings: the other backend also holds NAT state (its rules run too) */
  readonly warnings: readonly string[];
  /** felixSigns say that Felix manages this host's NAT (felix-guard.ts): its other cali- chains, a calico-node process; empty if none. */
  readonly felixSigns: readonly string[];
  /** apply makes the changes (a no-op when there are none). */
  apply(): Promise<void>;
}

/** LiveRead is the live state of the backend read for a plan: ipsets and nat tables, or the nft tables. */
type LiveRead = { readonly backend: 'iptables'; readonly state: IptablesLive } | { readonly backend: 'nftables'; readonly tables: readonly (NftTableState | null)[] };

/**
 * HostRead is a read of the kernel under way (readHost): it needs no pools, so it runs while
 * the command loads them and builds the model.
 */
export interface HostRead {
  readonly exec: HostExec;
  readonly families: readonly Family[];
  readonly choice: Promise<BackendChoice>;
  /** chains is the nft chain list (listNftChains) that auto and the other-backend warning use. */
  readonly chains: Promise<NftChainEntry[] | null>;
  readonly live: Promise<LiveRead>;
}

/**
 * readHost starts reading the live state of the backend for the families: the nft chain list
 * (auto's choice and the other-backend warning), then ipset save and iptables-save per family,
 * or nft's tables; the tools run concurrently. Its failures (a missing tool, a tool that
 * fails) are reported when planHost awaits them, in the order a sequential read would. Reading
 * needs root.
 */
export function readHost(exec: HostExec, requested: Backend | 'auto', families: readonly Family[]): HostRead {
  const chains = listNftChains(exec);
  const choice = requested === 'auto' ? chains.then((c) => resolveBackend(exec, 'auto', families, c)) : resolveBackend(exec, requested, families, null);
  const live = choice.then(async (c): Promise<LiveRead> => {
    if (c.backend === 'iptables') {
      return { backend: 'iptables', state: await readIptablesLive(exec, families, (n) => families.some((f) => setRole(n, f) !== null)) };
    }
    return { backend: 'nftables', tables: await Promise.all(families.map((f) => readNftTable(exec, f, NFT_TABLE))) };
  });
  // awaited by planHost; a command that stops before (bad input) does not report them
  for (const p of [chains, choice, live]) p.catch(() => {});
  return { exec, families, choice, chains, live };
}

/**
 * planHost compares the model with the live state read (readHost for the model's families) and
 * returns the changes, which apply() makes.
 */
export async function planHost(model: NatModel, read: HostRead): Promise<HostPlan> {
  const families = model.families.map((f) => f.family);
  if (families.some((f) => !read.families.includes(f))) throw new Error(`planHost: families ${families.join(',')} were not all read`);
  const exec = read.exec;
  const choice = await read.choice;
  const conflicts: string[] = [];
  if (choice.backend === 'iptables') {
    const desired = desiredIptables(model);
    // in the order a sequential read fails: the chain list, then the backend's state
    const chains = await read.chains;
    const live = await read.live;
    if (live.backend !== 'iptables') throw new Error('planHost: nftables state read for iptables');
    const state = live.state;
    const changes = desired.flatMap((d) =>
      planIptablesFamily(d, { family: d.family, sets: state.sets, nat: state.nat.get(d.family) ?? null }, conflicts),
    );
    const signs = [...felixChainSigns(chains, state.nat), ...(await readFelixProcesses(exec))];
    return hostPlan(choice, families, changes, conflicts, chains, signs, () => applyIptables(exec, desired, state, changes));
  }
  const desired = desiredNftables(model);
  const chains = await read.chains;
  const live = await read.live;
  if (live.backend !== 'nftables') throw new Error('planHost: iptables state read for nftables');
  const changes = desired.flatMap((d) => planNftablesFamily(d, live.tables[read.families.indexOf(d.family)] ?? null));
  const signs = [...felixChainSigns(chains), ...(await readFelixProcesses(exec))];
  return hostPlan(choice, families, changes, conflicts, chains, signs, () => applyNftables(exec, desired, changes));
}

/** hostPlan assembles a HostPlan whose apply writes only when there are changes. */
function hostPlan(
  choice: BackendChoice,
  families: Family[],
  changes: Change[],
  conflicts: string[],
  chains: readonly NftChainEntry[] | null,
  felixSigns: readonly string[],
  write: () => Promise<void>,
): HostPlan {
  return { choice, families, changes, conflicts, warnings: warningsOf(chains, choice), felixSigns, apply: () => (changes.length ? write() : Promise.resolve()) };
}

function warningsOf(chains: readonly NftChainEntry[] | null, choice: BackendChoice): string[] {
  const other = otherBackendWarning(chains, choice.backend);
  return other ? [other] : [];
}
