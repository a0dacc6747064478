import { formatAddr, parseAddr, type Family } from './addr.js';
import { defaultBlockSize } from './ippool-defaults.js';
import type {
  FamilyNatModel,
  ModelPool,
  NatAction,
  NatChain,
  NatMatch,
  NatModel,
  NatPool,
  NatRule,
  NatSetModel,
  NatSettings,
} from './nat-model.js';
import { canonicalPrefixText, comparePrefix, containsPrefix, equalPrefix, formatPrefix, parsePrefix, type Prefix } from './prefix.js';
import { POW2 } from './range-index.js';
import { err, ok, type Result } from './result.js';

// Names from felix/rules/rule_defs.go and felix/ipsets/ipset_defs.go (spec/nat.md §3.1, §4.1).
/** CHAIN_POSTROUTING is the kernel chain Felix appends its jump to. */
export const CHAIN_POSTROUTING = 'POSTROUTING';
/** CHAIN_CALI_POSTROUTING is ChainNATPostrouting. */
export const CHAIN_CALI_POSTROUTING = 'cali-POSTROUTING';
/** CHAIN_FIP_SNAT is ChainFIPSnat (floating-IP hairpin SNAT; empty unless floating IPs are used). */
export const CHAIN_FIP_SNAT = 'cali-fip-snat';
/** CHAIN_NAT_OUTGOING is ChainNATOutgoing. */
export const CHAIN_NAT_OUTGOING = 'cali-nat-outgoing';
/** SET_ID_MASQ is IPSetIDNATOutgoingMasqPools; the pool-set ID is NatSettings.poolSetName. */
export const SET_ID_MASQ = 'masq-ipam-pools';
/** SET_ID_HOSTS is IPSetIDAllHostNets. */
export const SET_ID_HOSTS = 'all-hosts-net';

/** setName returns Felix's main ipset name for a set ID: "cali40masq-ipam-pools" (NameForMainIPSet, max 31 chars). */
export function setName(family: Family, id: string): string {
  return `cali${family}0${id}`.slice(0, 31);
}

/**
 * isLoadBalancerOnly reports whether a pool's allowedUses is exactly [LoadBalancer]
 * (felix/dataplane/linux/masq_mgr.go isLoadBalancerOnly); absent uses default to
 * [Workload, Tunnel].
 */
export function isLoadBalancerOnly(pool: NatPool): boolean {
  return pool.allowedUses?.length === 1 && pool.allowedUses[0] === 'LoadBalancer';
}

/** HostIP is a parsed --host-ip value: an all-hosts-net member. */
export interface HostIP {
  readonly prefix: Prefix;
  /** hostBitsSet: a CIDR was written with host bits (the kernel's hash:net masks them). */
  readonly hostBitsSet: boolean;
}

/**
 * parseHostIP parses a node address or an IPv4 CIDR for all-hosts-net (spec/nat.md §3.4): an
 * address becomes a /32 or /128; an IPv4 CIDR models Felix's ExternalNodesCIDRList and is
 * masked as ipset does. An IPv6 CIDR shorter than /128 is refused: Felix puts only node
 * addresses in cali60all-hosts-net (its validator rejects IPv6 in ExternalNodesCIDRList).
 */
export function parseHostIP(s: string): Result<HostIP, string> {
  if (!s.includes('/')) {
    const a = parseAddr(s);
    if (!a.ok) return err(a.error.message);
    const bits = a.value.family === 4 ? 32 : 128;
    return ok({ prefix: { family: a.value.family, value: a.value.value, bits }, hostBitsSet: false });
  }
  const p = parsePrefix(s);
  if (!p.ok) return err(p.error.message);
  if (p.value.prefix.family === 6 && p.value.prefix.bits < 128) {
    return err(
      `"${s}" is an IPv6 CIDR; Felix's cali60all-hosts-net holds only node addresses (ExternalNodesCIDRList is IPv4-only)`,
    );
  }
  return ok({ prefix: p.value.prefix, hostBitsSet: p.value.hostBitsSet });
}

/** NatModelErrorKind says why no model could be built. */
export type NatModelErrorKind = 'cidr-invalid' | 'host-ip-invalid' | 'nat-address-invalid' | 'nat-address-ipv6';

/** NatModelError is a refused input: message is a sentence for people; pool names the IPPool when one is at fault. */
export interface NatModelError {
  readonly kind: NatModelErrorKind;
  readonly message: string;
  readonly pool?: string;
}

/** BuildNatModelOptions selects the families to model (default both, as Felix with IPv6 enabled). */
export interface BuildNatModelOptions {
  readonly families?: readonly Family[];
}

const byName = (a: ModelPool, b: ModelPool): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * sortedOrder returns the indexes of pools of one family sorted by prefix (comparePrefix),
 * then name. IPv4 pools compare by their first address as a number (first4), not by bigint,
 * and input already in order is only checked.
 */
function sortedOrder(pools: readonly ModelPool[], first4: Float64Array, family: Family): number[] {
  const order: number[] = [];
  for (let i = 0; i < pools.length; i++) if (pools[i]!.prefix.family === family) order.push(i);
  const cmp =
    family === 4
      ? (i: number, j: number): number => first4[i]! - first4[j]! || pools[i]!.prefix.bits - pools[j]!.prefix.bits || byName(pools[i]!, pools[j]!)
      : (i: number, j: number): number => comparePrefix(pools[i]!.prefix, pools[j]!.prefix) || byName(pools[i]!, pools[j]!);
  for (let k = 1; k < order.length; k++) if (cmp(order[k - 1]!, order[k]!) > 0) return order.sort(cmp);
  return order;
}

/**
 * poolsAsFelixSeesThem parses the pools' CIDRs (masking host bits, as IPPoolV3ToV1 keys a pool
 * by its network), keeps of identical CIDRs only the pool whose name sorts lowest
 * (conflictresolvingcacheproc.go), and returns the survivors sorted by prefix (IPv4 first),
 * with warnings for everything Calico would refuse on create: host bits, identical and
 * overlapping CIDRs, pools smaller than their block size. LoadBalancer-only pools are in the
 * pool set only under its old name (all-ipam-pools).
 */
function poolsAsFelixSeesThem(
  pools: readonly NatPool[],
  settings: NatSettings,
  warnings: string[],
): Result<ModelPool[], NatModelError> {
  const parsed: ModelPool[] = [];
  // IPv4 pools' first addresses and the addresses right after them, as numbers
  const first4 = new Float64Array(pools.length);
  const end4 = new Float64Array(pools.length);
  for (const pool of pools) {
    const r = parsePrefix(pool.cidr);
    if (!r.ok) {
      return err({ kind: 'cidr-invalid', pool: pool.name, message: `IPPool(${pool.name}) CIDR: ${r.error.message}` });
    }
    const prefix = r.value.prefix;
    const cidr = canonicalPrefixText(pool.cidr, r.value);
    if (r.value.hostBitsSet) {
      warnings.push(`IPPool(${pool.name}) CIDR ${pool.cidr} is not strictly masked (Calico refuses it on create); Felix uses ${cidr}`);
    }
    if (prefix.family === 4) {
      first4[parsed.length] = Number(prefix.value);
      end4[parsed.length] = first4[parsed.length]! + POW2[32 - prefix.bits]!;
    }
    parsed.push({
      name: pool.name,
      cidr,
      natOutgoing: pool.natOutgoing,
      disabled: pool.disabled,
      allowedUses: pool.allowedUses,
      blockSize: pool.blockSize,
      prefix,
      inPoolSet: settings.poolSetName === 'all-ipam-pools' || !isLoadBalancerOnly(pool),
    });
  }
  const kept: ModelPool[] = [];
  for (const family of [4, 6] as const) {
    // contains reports whether pool o, which starts at or before pool i (they come sorted), contains it: for IPv4 on numbers.
    const contains = (o: number, i: number): boolean => (family === 4 ? end4[i]! <= end4[o]! : containsPrefix(parsed[o]!.prefix, parsed[i]!.prefix));
    // containers: the indexes of the kept pools that contain the current one, outermost first.
    const containers: number[] = [];
    let prev = -1; // the index of the last pool kept
    for (const i of sortedOrder(parsed, first4, family)) {
      const p = parsed[i]!;
      const same = prev >= 0 && (family === 4 ? first4[i] === first4[prev] && end4[i] === end4[prev] : equalPrefix(parsed[prev]!.prefix, p.prefix));
      if (same) {
        const first = parsed[prev]!.name;
        warnings.push(`IPPool(${p.name}) has the same CIDR as IPPool(${first}) (${p.cidr}): Felix uses only IPPool(${first}), whose name sorts first`);
        continue;
      }
      while (containers.length > 0 && !contains(containers[containers.length - 1]!, i)) containers.pop();
      const outer = parsed[containers[containers.length - 1] ?? -1];
      if (outer) {
        warnings.push(
          `IPPool(${p.name}) CIDR ${p.cidr} overlaps with IPPool(${outer.name}) CIDR ${outer.cidr} (Calico refuses this on create; both take part in NAT)`,
        );
      }
      const blockSize = p.blockSize || defaultBlockSize(family);
      if (!p.disabled && p.prefix.bits > blockSize) {
        warnings.push(
          `IPPool(${p.name}) CIDR ${p.cidr} is smaller than its block size /${blockSize} (Calico refuses it on create; it still takes part in NAT)`,
        );
      }
      containers.push(i);
      kept.push(p);
      prev = i;
    }
  }
  return ok(kept);
}

function setModel(role: NatSetModel['role'], family: Family, id: string, members: readonly Prefix[]): NatSetModel {
  return { role, id, name: setName(family, id), family, members };
}

/**
 * natOutgoingRules returns cali-nat-outgoing's rules for an active family, as
 * felix/rules/nat.go NATOutgoingChain and makeNATOutgoingRuleIPTables build them: source in
 * the masq set, destination not in the pool set [nor in all-hosts-net], [-p tcp|udp],
 * [--out-interface filter]; MASQUERADE, or SNAT to NATOutgoingAddress. With a port range:
 * tcp with ports, tcp RETURN, udp with ports, udp RETURN, then any protocol without ports.
 */
function natOutgoingRules(family: Family, settings: NatSettings, toSource: string | undefined): NatRule[] {
  const matches: NatMatch[] = [
    { kind: 'src-set', set: setName(family, SET_ID_MASQ) },
    { kind: 'not-dst-set', set: setName(family, settings.poolSetName) },
  ];
  if (settings.natOutgoingExclusions === 'IPPoolsAndHostIPs') {
    matches.push({ kind: 'not-dst-set', set: setName(family, SET_ID_HOSTS) });
  }
  const iface: NatMatch[] = settings.interfaceFilter ? [{ kind: 'out-interface', iface: settings.interfaceFilter }] : [];
  const randomFully = settings.randomFully;
  const action = (toPorts?: { min: number; max: number }): NatAction => {
    const ports = toPorts ? { toPorts } : {};
    return toSource !== undefined
      ? { kind: 'snat', toSource, ...ports, randomFully }
      : { kind: 'masquerade', ...ports, randomFully };
  };
  const last: NatRule = { matches: [...matches, ...iface], action: action() };
  const range = settings.natPortRange;
  if (!range || range.max <= 0) return [last];
  const rules: NatRule[] = [];
  for (const protocol of ['tcp', 'udp'] as const) {
    const m: NatMatch[] = [...matches, { kind: 'protocol', protocol }, ...iface];
    rules.push({ matches: m, action: action(range) }, { matches: m, action: { kind: 'return' } });
  }
  rules.push(last);
  return rules;
}

function jump(target: string): NatRule {
  return { matches: [], action: { kind: 'jump', target } };
}

/**
 * buildNatModel builds what Felix programs for natOutgoing (spec/nat.md §2-§4), per family
 * (felix/dataplane/linux/masq_mgr.go, felix/rules/static.go, felix/rules/nat.go): pools of
 * the other family are dropped; of identical CIDRs the lowest name wins; the masq set holds
 * the natOutgoing pools and the pool set every pool (except LoadBalancer-only pools in
 * network-ip-pools mode), `disabled` ignored for both; all-hosts-net only with
 * IPPoolsAndHostIPs; cali-POSTROUTING holds the two jumps, cali-fip-snat is empty, and
 * cali-nat-outgoing has its rules only while the family has a natOutgoing pool; POSTROUTING
 * gets the appended jump. Refused (an error value): an unparsable CIDR, host IP or
 * NATOutgoingAddress, and NATOutgoingAddress for an IPv6 family with natOutgoing pools
 * (poolctl decision 5: Felix would write an IPv4 address into ip6tables).
 */
export function buildNatModel(
  pools: readonly NatPool[],
  settings: NatSettings,
  opts: BuildNatModelOptions = {},
): Result<NatModel, NatModelError> {
  const warnings: string[] = [];
  let toSource: string | undefined;
  if (settings.natOutgoingAddress !== undefined) {
    const a = parseAddr(settings.natOutgoingAddress);
    if (!a.ok || a.value.family !== 4) {
      return err({
        kind: 'nat-address-invalid',
        message: `NATOutgoingAddress "${settings.natOutgoingAddress}" is not an IPv4 address (Felix's setting has type ipv4)`,
      });
    }
    toSource = formatAddr(a.value);
  }
  const hosts: Prefix[] = [];
  for (const h of settings.hostIPs) {
    const r = parseHostIP(h);
    if (!r.ok) return err({ kind: 'host-ip-invalid', message: `host IP ${r.error}` });
    if (r.value.hostBitsSet) warnings.push(`host IP ${h} has host bits set; all-hosts-net gets ${formatPrefix(r.value.prefix)}`);
    hosts.push(r.value.prefix);
  }
  hosts.sort(comparePrefix);
  const felixPools = poolsAsFelixSeesThem(pools, settings, warnings);
  if (!felixPools.ok) return felixPools;

  const families: FamilyNatModel[] = [];
  for (const family of opts.families ?? ([4, 6] as const)) {
    const modelPools: ModelPool[] = [];
    const masq: Prefix[] = [];
    const poolSet: Prefix[] = [];
    for (const p of felixPools.value) {
      if (p.prefix.family !== family) continue;
      modelPools.push(p);
      if (p.natOutgoing) masq.push(p.prefix);
      if (p.inPoolSet) poolSet.push(p.prefix);
    }
    const active = masq.length > 0;
    if (family === 6 && active && toSource !== undefined) {
      return err({
        kind: 'nat-address-ipv6',
        message:
          `NATOutgoingAddress ${toSource} is IPv4-only, but IPv6 pools have natOutgoing: Felix would write ` +
          `"--to-source ${toSource}" into the IPv6 chain, which ip6tables-restore rejects (projectcalico/calico#3275)`,
      });
    }
    const sets: NatSetModel[] = [
      setModel('masq', family, SET_ID_MASQ, masq),
      setModel('pools', family, settings.poolSetName, poolSet),
    ];
    if (settings.natOutgoingExclusions === 'IPPoolsAndHostIPs') {
      const members = hosts.filter((h, i) => h.family === family && !(i > 0 && equalPrefix(hosts[i - 1]!, h)));
      sets.push(setModel('hosts', family, SET_ID_HOSTS, members));
    }
    const chains: NatChain[] = [
      { name: CHAIN_CALI_POSTROUTING, rules: [jump(CHAIN_FIP_SNAT), jump(CHAIN_NAT_OUTGOING)] },
      { name: CHAIN_FIP_SNAT, rules: [] },
      { name: CHAIN_NAT_OUTGOING, rules: active ? natOutgoingRules(family, settings, toSource) : [] },
    ];
    families.push({
      family,
      sets,
      chains,
      kernelAppends: [{ chain: CHAIN_POSTROUTING, rules: [jump(CHAIN_CALI_POSTROUTING)] }],
      active,
      pools: modelPools,
    });
  }
  return ok({ settings, families, warnings });
}
