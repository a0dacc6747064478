import { PoolctlError } from '../base/errors.js';
import {
  CHAIN_NAT_OUTGOING,
  CHAIN_POSTROUTING,
  comparePrefix,
  DEFAULT_NAT_SETTINGS,
  equalPrefix,
  formatPrefix,
  rangePrefixes,
  SET_ID_HOSTS,
  type FamilyNatModel,
  type Family,
  type NatChain,
  type NatModel,
  type NatRule,
  type NatSetModel,
  type NatSettings,
  type Prefix,
} from '../core/index.js';
import { NFT_TABLE, nftChainName } from '../render/nftables.js';
import { listNftChains, resolveBackend, type BackendChoice } from './backend.js';
import type { Backend } from './desired.js';
import type { HostExec } from './host-exec.js';
import { memberTexts } from './ipset-save.js';
import { chooseFlavour, readLegacy } from './iptables-flavour.js';
import { readIptablesLive, readNftTable } from './live-state.js';
import { parseIptablesRule, parseNftRule } from './live-rule.js';
import { parseMember, setRole } from './plan.js';

/**
 * live-model reads what the kernel holds (sets and rules, iptables or nftables) back into a
 * NatModel, so that `nat explain --live` decides with the same evaluator as `nat explain`
 * (core/nat/compiled-nat.ts) but from live state. The model has no pools (names are the store's,
 * not the kernel's); its settings are inferred from the rules.
 */

const FAMILIES: readonly Family[] = [4, 6];

/** LiveModel is the model read from the kernel and the backend it came from. */
interface LiveModel {
  readonly model: NatModel;
  readonly choice: BackendChoice;
}

function unreadable(backend: Backend, where: string, why: string): PoolctlError {
  return new PoolctlError('LIVE_RULE_UNSUPPORTED', `cannot explain from the live ${backend} ruleset: ${where}: ${why}`);
}

/** inferSettings reads the Felix settings the rules imply (pool-set name, exclusions, SNAT address, ports, filter, random-fully). */
function inferSettings(families: readonly FamilyNatModel[]): NatSettings {
  const rules = families.flatMap((f) => f.chains.find((c) => c.name === CHAIN_NAT_OUTGOING)?.rules ?? []);
  const notDst = rules.flatMap((r) => r.matches.flatMap((m) => (m.kind === 'not-dst-set' ? [m.set] : [])));
  const iface = rules.flatMap((r) => r.matches.flatMap((m) => (m.kind === 'out-interface' ? [m.iface] : [])))[0];
  const actions = rules.flatMap((r) => (r.action.kind === 'masquerade' || r.action.kind === 'snat' ? [r.action] : []));
  const snat = actions.find((a) => a.kind === 'snat');
  const ports = actions.find((a) => a.toPorts)?.toPorts;
  const usesHosts = notDst.some((n) => n.endsWith(SET_ID_HOSTS));
  const hostsSet = families.flatMap((f) => f.sets).filter((s) => s.role === 'hosts');
  return {
    poolSetName: notDst.some((n) => n.endsWith('all-ipam-pools')) ? 'all-ipam-pools' : DEFAULT_NAT_SETTINGS.poolSetName,
    natOutgoingExclusions: usesHosts ? 'IPPoolsAndHostIPs' : 'IPPoolsOnly',
    hostIPs: usesHosts ? hostsSet.flatMap((s) => s.members.map(formatPrefix)) : [],
    randomFully: actions[0]?.randomFully ?? DEFAULT_NAT_SETTINGS.randomFully,
    ...(snat?.kind === 'snat' ? { natOutgoingAddress: snat.toSource } : {}),
    ...(ports ? { natPortRange: ports } : {}),
    ...(iface !== undefined ? { interfaceFilter: iface } : {}),
  };
}

function familyModel(family: Family, sets: NatSetModel[], chains: NatChain[], appends: NatRule[]): FamilyNatModel {
  const outgoing = chains.find((c) => c.name === CHAIN_NAT_OUTGOING);
  return {
    family,
    sets,
    chains,
    kernelAppends: [{ chain: CHAIN_POSTROUTING, rules: appends }],
    active: (outgoing?.rules.length ?? 0) > 0,
  };
}

/** uniqueSorted sorts members (of one family) in place by address then length and drops repeats (hash:net members may overlap). */
function uniqueSorted(ps: Prefix[]): Prefix[] {
  ps.sort(comparePrefix);
  return ps.filter((p, i) => i === 0 || !equalPrefix(ps[i - 1]!, p));
}

/**
 * reachableChains reads the chains the POSTROUTING appends jump to, transitively (Felix's nat
 * table has other chains, e.g. DNAT ones, that outgoing NAT never reaches and poolctl need not
 * read). rulesOf returns a chain's rules by model name, or null when the kernel has no such chain.
 */
function reachableChains(appends: readonly NatRule[], rulesOf: (name: string) => NatRule[] | null): NatChain[] {
  const chains: NatChain[] = [];
  const seen = new Set<string>();
  const queue = appends.flatMap((r) => (r.action.kind === 'jump' ? [r.action.target] : []));
  while (queue.length) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const rules = rulesOf(name);
    if (rules === null) continue;
    chains.push({ name, rules });
    for (const r of rules) if (r.action.kind === 'jump') queue.push(r.action.target);
  }
  return chains;
}

async function readIptablesModel(exec: HostExec): Promise<FamilyNatModel[]> {
  // the flavour as nat apply picks it (iptables-flavour.ts): reading the other one would explain rules that do not run
  const [chains, legacy] = await Promise.all([listNftChains(exec), readLegacy(exec, FAMILIES)]);
  const flavour = await chooseFlavour(exec, 'auto', FAMILIES, chains, legacy);
  const live = await readIptablesLive(exec, flavour, FAMILIES, (n) => setRole(n, 4) !== null || setRole(n, 6) !== null);
  const out: FamilyNatModel[] = [];
  for (const family of FAMILIES) {
    const nat = live.nat.get(family);
    const sets: NatSetModel[] = [];
    for (const s of live.sets.values()) {
      const role = setRole(s.name, family);
      if (!role) continue;
      const members: Prefix[] = [];
      for (const m of memberTexts(s)) {
        const p = parseMember(m, family);
        if (p === null) throw unreadable('iptables', `ipset ${s.name}`, `member "${m}" not understood`);
        members.push(p);
      }
      sets.push({ role, id: s.name.slice(`cali${family}0`.length), name: s.name, family, members: uniqueSorted(members) });
    }
    const appends: NatRule[] = [];
    for (const r of nat?.chains.get(CHAIN_POSTROUTING)?.rules ?? []) {
      if (r.hash === null) continue;
      const p = parseIptablesRule(r.spec);
      if (p.ok && p.value.action.kind === 'jump' && p.value.action.target.startsWith('cali-')) appends.push(p.value);
    }
    const chains = reachableChains(appends, (name) => {
      const c = name.startsWith('cali-') ? nat?.chains.get(name) : undefined;
      if (!c) return null;
      return c.rules.map((r) => {
        const p = parseIptablesRule(r.spec);
        if (!p.ok) throw unreadable('iptables', `chain ${c.name}`, p.error);
        return p.value;
      });
    });
    if (sets.length || chains.length || appends.length) out.push(familyModel(family, sets, chains, appends));
  }
  return out;
}

async function readNftablesModel(exec: HostExec): Promise<FamilyNatModel[]> {
  const prefix = nftChainName('');
  const tables = await Promise.all(FAMILIES.map((f) => readNftTable(exec, f, NFT_TABLE)));
  const out: FamilyNatModel[] = [];
  FAMILIES.forEach((family, i) => {
    const t = tables[i];
    if (!t) return;
    const sets: NatSetModel[] = [];
    for (const s of t.sets.values()) {
      const role = setRole(s.name, family);
      if (!role) continue;
      sets.push({ role, id: s.name.slice(`cali${family}0`.length), name: s.name, family, members: rangePrefixes(s.ranges) });
    }
    const rulesOf = (nftName: string): NatRule[] | null => {
      const c = t.chains.get(nftName);
      if (!c) return null;
      return c.rules.map((r) => {
        const p = parseNftRule(r.expr, prefix);
        if (!p.ok) throw unreadable('nftables', `chain ${c.name}`, p.error);
        return p.value;
      });
    };
    const base = t.chains.get(nftChainName(CHAIN_POSTROUTING));
    const appends = base?.hook !== undefined ? (rulesOf(base.name) ?? []) : [];
    const chains = reachableChains(appends, (name) => rulesOf(nftChainName(name)));
    out.push(familyModel(family, sets, chains, appends));
  });
  return out;
}

/**
 * readLiveModel reads the kernel's NAT state of the chosen backend (auto: as nat apply
 * chooses; `why` says what asked for an explicit one) into a NatModel: both families, either
 * pool-set name. A rule it cannot read is an error (LIVE_RULE_UNSUPPORTED) rather than a
 * silently different decision.
 */
async function readLiveModel(exec: HostExec, requested: Backend | 'auto', why?: string): Promise<LiveModel> {
  const choice = await resolveBackend(exec, requested, FAMILIES, undefined, why);
  const families = choice.backend === 'iptables' ? await readIptablesModel(exec) : await readNftablesModel(exec);
  return { choice, model: { settings: inferSettings(families), families, warnings: [] } };
}

/** LiveModelSource is --live's model, restricted to the families asked for, and the backend it was read from and why. */
export interface LiveModelSource {
  readonly source: (families: readonly Family[]) => Promise<NatModel>;
  readonly choice: BackendChoice;
}

/**
 * liveModelSource is `nat explain --live`'s model source: it checks for root, reads the
 * kernel once (the backend requested, `why` naming what requested it; auto: as nat apply
 * picks it) and returns the model restricted to the families asked for, with the backend.
 */
export async function liveModelSource(
  env: Readonly<Record<string, string | undefined>>,
  requested: Backend | 'auto' = 'auto',
  why?: string,
): Promise<LiveModelSource> {
  const { createHostExec } = await import('./host-exec.js');
  const exec = createHostExec({ env });
  exec.requireRoot('nat explain --live');
  const { model, choice } = await readLiveModel(exec, requested, why);
  return { choice, source: async (families) => ({ ...model, families: model.families.filter((f) => families.includes(f.family)) }) };
}
