import type { Family, NatModel } from '../core/index.js';
import { applyIptables } from './apply-iptables.js';
import { applyNftables } from './apply-nftables.js';
import { listNftChains, otherBackendWarning, requireTools, resolveBackend, type BackendChoice, type RequestedBackend } from './backend.js';
import { felixChainSigns, readFelixProcesses } from './felix-guard.js';
import type { Backend } from './desired.js';
import { NFT_TABLE } from '../render/nftables.js';
import { desiredIptables, desiredNftables } from './desired-from-model.js';
import type { HostExec } from './host-exec.js';
import { lockHost, type HostLock, type LockOptions } from './host-lock.js';
import { chooseFlavour, legacyCaliFamilies, readLegacy, type FlavourChoice, type IptablesFlavour, type LegacyState } from './iptables-flavour.js';
import { readIpsets, readNatTables, readNftTable, readReferences, type IptablesLive } from './live-state.js';
import type { NftChainEntry, NftTableState } from './nft-json.js';
import { planIptablesFamily, planNftablesFamily, setRole, type Change } from './plan.js';

/** HostPlan is the comparison of one model with the kernel, ready to apply. */
export interface HostPlan {
  /** choice: the backend, and for iptables the flavour (iptables-legacy or iptables-nft) */
  readonly choice: BackendChoice & { readonly flavour?: IptablesFlavour };
  readonly families: readonly Family[];
  readonly changes: readonly Change[];
  /** conflicts block apply: differences poolctl cannot resolve without touching what it does not own */
  readonly conflicts: readonly string[];
  /** warnings: the other backend or iptables flavour also holds NAT state (its rules run too) */
  readonly warnings: readonly string[];
  /** felixSigns say that Felix manages this host's NAT (felix-guard.ts): its other cali- chains, a calico-node process; empty if none. */
  readonly felixSigns: readonly string[];
  /** apply makes the changes (a no-op when there are none). */
  apply(): Promise<void>;
  /** release lets go of the host lock, when readHost took one (idempotent). */
  release(): Promise<void>;
}

/** LiveRead is the live state of the backend read for a plan: ipsets and nat tables, or the nft tables. */
type LiveRead =
  | { readonly backend: 'iptables'; readonly state: IptablesLive; readonly flavour: FlavourChoice }
  | { readonly backend: 'nftables'; readonly tables: readonly (NftTableState | null)[] };

/** ReadOptions: the iptables flavour (Felix's IptablesBackend) and the host lock to take first. */
export interface ReadOptions {
  readonly iptablesBackend?: IptablesFlavour | 'auto';
  /** lock: take the host lock (host-lock.ts) before the first read; null or absent: none */
  readonly lock?: LockOptions | null;
}

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
  /** legacy is what iptables-legacy holds (for the flavour choice and the warnings). */
  readonly legacy: Promise<LegacyState>;
  readonly live: Promise<LiveRead>;
  /** release lets go of the host lock once it is held (idempotent; nothing without a lock). */
  release(): Promise<void>;
}

/**
 * readHost starts reading the live state of the backend for the families: after taking the
 * host lock (when asked), the nft chain list and what iptables-legacy holds (auto's choices
 * and the warnings), then ipset save and the nat table per family in the iptables flavour
 * chosen (iptables-flavour.ts), or nft's tables; the tools run concurrently. Its failures (a
 * missing tool, a tool that fails, the lock) are reported when planHost awaits them, in the
 * order a sequential read would. Reading needs root. `requested` may still be being decided
 * (a promise: nat apply and status wait for the FelixConfigurations' nftablesMode): the lock
 * and the reads every backend needs start at once, the backend's own once it is decided.
 */
export function readHost(exec: HostExec, requested: Backend | 'auto' | Promise<RequestedBackend>, families: readonly Family[], opts: ReadOptions = {}): HostRead {
  // a request still being decided (a FelixConfiguration's nftablesMode) holds back only the choice: the lock and the reads start now
  const req: Promise<RequestedBackend> = typeof requested === 'string' ? Promise.resolve({ backend: requested }) : requested;
  // a missing tool is reported before the lock, whose flock(1) would be missing too (a pending request: auto's tools; the chosen backend's are checked when it is)
  const lockOpts = opts.lock;
  const lock: Promise<HostLock | null> = lockOpts
    ? Promise.resolve().then(() => {
        requireTools(exec, typeof requested === 'string' ? requested : 'auto', families);
        return lockHost(exec, lockOpts);
      })
    : Promise.resolve(null);
  const chains = lock.then(() => listNftChains(exec));
  const legacy = lock.then(() => readLegacy(exec, families));
  const choice = req.then((r) =>
    r.backend === 'auto' ? chains.then((c) => resolveBackend(exec, 'auto', families, c)) : lock.then(() => resolveBackend(exec, r.backend, families, null, r.why)),
  );
  const live = choice.then(async (c): Promise<LiveRead> => {
    if (c.backend === 'iptables') {
      const sets = readIpsets(exec, (n) => families.some((f) => setRole(n, f) !== null));
      sets.catch(() => {});
      const leg = await legacy;
      const flavour = await chooseFlavour(exec, opts.iptablesBackend ?? 'auto', families, await chains, leg);
      const nat = await readNatTables(exec, flavour, families, leg);
      return { backend: 'iptables', state: { sets: await sets, nat, tools: flavour }, flavour };
    }
    return { backend: 'nftables', tables: await Promise.all(families.map((f) => readNftTable(exec, f, NFT_TABLE))) };
  });
  // awaited by planHost; a command that stops before (bad input) does not report them
  for (const p of [lock, chains, legacy, choice, live]) p.catch(() => {});
  return {
    exec,
    families,
    choice,
    chains,
    legacy,
    live,
    async release() {
      await (await lock.catch(() => null))?.release();
    },
  };
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
    // a set of ours with another type can be replaced when only our rules use it: count its users
    const retyped = desired.flatMap((d) =>
      d.sets.filter((s) => {
        const cur = state.sets.get(s.name);
        return cur !== undefined && (cur.type !== s.type || cur.family !== s.ipsetFamily);
      }),
    );
    const references = retyped.length ? await readReferences(exec, retyped.map((s) => s.name)) : undefined;
    const changes = desired.flatMap((d) =>
      planIptablesFamily(d, { family: d.family, sets: state.sets, nat: state.nat.get(d.family) ?? null, ...(references ? { references } : {}) }, conflicts),
    );
    const warnings = [...warningsOf(chains, null, choice), ...(live.flavour.warning ? [live.flavour.warning] : [])];
    const why = `${choice.why}; ${live.flavour.why}`;
    const signs = [...felixChainSigns(chains, state.nat), ...(await readFelixProcesses(exec))];
    return hostPlan({ ...choice, why, flavour: live.flavour.flavour }, families, changes, conflicts, warnings, signs, read, () => applyIptables(exec, desired, state, changes));
  }
  const desired = desiredNftables(model);
  const chains = await read.chains;
  const legacy = await read.legacy;
  const live = await read.live;
  if (live.backend !== 'nftables') throw new Error('planHost: iptables state read for nftables');
  const changes = desired.flatMap((d) => planNftablesFamily(d, live.tables[read.families.indexOf(d.family)] ?? null));
  const signs = [...felixChainSigns(chains), ...(await readFelixProcesses(exec))];
  return hostPlan(choice, families, changes, conflicts, warningsOf(chains, legacy, choice), signs, read, () => applyNftables(exec, desired, changes));
}

/** hostPlan assembles a HostPlan whose apply writes only when there are changes. */
function hostPlan(
  choice: HostPlan['choice'],
  families: Family[],
  changes: Change[],
  conflicts: string[],
  warnings: string[],
  felixSigns: readonly string[],
  read: HostRead,
  write: () => Promise<void>,
): HostPlan {
  return { choice, families, changes, conflicts, warnings, felixSigns, apply: () => (changes.length ? write() : Promise.resolve()), release: () => read.release() };
}

function warningsOf(chains: readonly NftChainEntry[] | null, legacy: LegacyState | null, choice: BackendChoice): string[] {
  const other = otherBackendWarning(chains, choice.backend, legacy ? legacyCaliFamilies(legacy) : []);
  return other ? [other] : [];
}
