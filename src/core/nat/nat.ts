import { formatAddr, ipv6WordsToValue, parseAddr, type Family } from '../net/addr.js';
import { defaultBlockSize } from '../ippool/defaults.js';
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
} from './model.js';
import { canonicalIPv4Key, canonicalIPv6Bits, canonicalPrefixText, comparePrefix, containsPrefix, equalPrefix, formatPrefix, parsePrefix, POW2, type Prefix } from '../net/prefix.js';
import { err, ok, type Result } from '../result.js';

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
function isLoadBalancerOnly(pool: NatPool): boolean {
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

/**
 * BuildNatModelOptions selects the families to model (default both, as Felix with IPv6
 * enabled). parses: the last build of the same run (nat diff's before state), whose work a
 * later build takes for the same pool objects (CidrParses).
 */
export interface BuildNatModelOptions {
  readonly families?: readonly Family[];
  readonly parses?: CidrParses;
}

/**
 * CidrParses remembers the last build's parse, order and ModelPools (BuildNatModelOptions.parses),
 * so that a later build of the run from mostly the same pool objects (nat diff's after state:
 * PoolMemo hands both states the same NatPool for an unchanged document) parses, sorts and
 * checks only the pools the last build did not have. Pools that are other objects are parsed
 * again: a map of 10,000 CIDR texts cost the first build more than the few it saved the second.
 */
export class CidrParses {
  /** last is the last build's pools, parse and per-family order (PriorBuild). */
  last: PriorBuild | undefined;
}

/**
 * PriorBuild is one build's input pools with, per pool, the CIDR text it parsed, its parse
 * and its ModelPool once made.
 */
interface PriorBuild {
  readonly pools: readonly NatPool[];
  readonly sources: readonly string[];
  readonly parsed: ParsedPools;
  /** each pool's ModelPool, once a model's pools were read */
  readonly modelPools: (ModelPool | undefined)[];
  /** per family, the pools' indexes in model order (identical CIDRs included) */
  readonly orders: Readonly<Record<Family, readonly number[]>>;
  /** per family, whether keptPools kept every pool and warned of none (no identical, overlapping or too-small pools) */
  readonly clean: Readonly<Record<Family, boolean>>;
}

/** LOOK_AHEAD is how far priorIndexes looks in the last build for the next pool. */
const LOOK_AHEAD = 8;

/** FelixFamily is one family of FelixPools: its pools in model order (indexes into the input) and its two sets' members. */
interface FelixFamily {
  readonly kept: readonly number[];
  readonly masq: readonly Prefix[];
  readonly poolSet: readonly Prefix[];
  /** order is every pool of the family (identical CIDRs included) in model order; clean: all kept, none warned of */
  readonly order: readonly number[];
  readonly clean: boolean;
}

/**
 * FelixPools are the pools that reach Felix's masq manager (poolsAsFelixSeesThem), kept as
 * indexes into the input so that no object is made per pool: per family the pools kept and
 * the set members, and per input pool its parsed prefix and canonical CIDR.
 */
interface FelixPools {
  readonly families: Readonly<Record<Family, FelixFamily>>;
  /** modelPools makes (or takes from the last build) the ModelPools of the input pools at the indexes */
  readonly modelPools: (kept: readonly number[]) => ModelPool[];
}

// IPv4 sort keys: first address (high word), then prefix length and pool index (low word:
// 6 and 26 bits), sorted as 64-bit integers natively, without a comparator call per step.
const INDEX_BITS = 2 ** 26;

/**
 * sortedOrder4 is sortedOrder for IPv4 (indexes of pools with a first4 address, fewer than
 * 2^26 pools): the indexes by first address, prefix length, then name.
 */
function sortedOrder4(pools: readonly NatPool[], prefixes: readonly Prefix[], first4: Float64Array, indexes: readonly number[]): number[] {
  const n = indexes.length;
  const words = new Uint32Array(2 * n);
  for (let k = 0; k < n; k++) {
    const i = indexes[k]!;
    words[2 * k] = prefixes[i]!.bits * INDEX_BITS + i; // little-endian: the low word first
    words[2 * k + 1] = first4[i]!;
  }
  new BigUint64Array(words.buffer).sort();
  const order: number[] = new Array(n);
  for (let k = 0; k < n; k++) order[k] = words[2 * k]! % INDEX_BITS;
  // identical prefixes are in index order: put them in name order
  const samePrefix = (a: number, b: number): boolean => words[2 * a + 1] === words[2 * b + 1] && words[2 * a]! >>> 26 === words[2 * b]! >>> 26;
  for (let j = 0; j < n; ) {
    let e = j + 1;
    while (e < n && samePrefix(j, e)) e++;
    if (e - j > 1) {
      const group = order.slice(j, e).sort((a, b) => (pools[a]!.name < pools[b]!.name ? -1 : pools[a]!.name > pools[b]!.name ? 1 : 0));
      for (let g = 0; g < group.length; g++) order[j + g] = group[g]!;
    }
    j = e;
  }
  return order;
}

/**
 * prefixOrder is the model order of one family's pools (indexes into the input): by prefix
 * (comparePrefix; IPv4 on numbers), then name. Equal pools keep input order (the sorts are stable).
 */
function prefixOrder(pools: readonly NatPool[], prefixes: readonly Prefix[], first4: Float64Array, family: Family): (i: number, j: number) => number {
  const byName = (i: number, j: number): number => (pools[i]!.name < pools[j]!.name ? -1 : pools[i]!.name > pools[j]!.name ? 1 : 0);
  return family === 4
    ? (i: number, j: number): number => first4[i]! - first4[j]! || prefixes[i]!.bits - prefixes[j]!.bits || byName(i, j)
    : (i: number, j: number): number => comparePrefix(prefixes[i]!, prefixes[j]!) || byName(i, j);
}

/**
 * sortedOrder returns the indexes of pools of one family (in input order) sorted by prefix
 * (comparePrefix), then name (prefixOrder). IPv4 pools sort on numbers (sortedOrder4); input
 * already in order is only checked.
 */
function sortedOrder(pools: readonly NatPool[], prefixes: readonly Prefix[], first4: Float64Array, family: Family, order: number[]): number[] {
  const cmp = prefixOrder(pools, prefixes, first4, family);
  for (let k = 1; k < order.length; k++) {
    // pools in order of first address, the usual input, are checked inline
    if (family === 4 ? first4[order[k - 1]!]! < first4[order[k]!]! : prefixes[order[k - 1]!]!.value < prefixes[order[k]!]!.value) continue;
    if (cmp(order[k - 1]!, order[k]!) <= 0) continue;
    return family === 4 && pools.length < INDEX_BITS ? sortedOrder4(pools, prefixes, first4, order) : order.sort(cmp);
  }
  return order;
}

/**
 * carriedOrder is the family's model order from the last build's (PriorBuild.orders), or
 * undefined when there is none or most pools are new: the last order with the pools that are
 * gone dropped and the new ones (sorted) merged in, each at the place a binary search finds.
 * The shared pools come in the same relative order in both inputs (priorIndexes walks in step),
 * so this is the order sortedOrder gives (ties in input order). freshAt: where the new pools are.
 */
function carriedOrder(pools: readonly NatPool[], parsed: ParsedPools, family: Family): { order: number[]; freshAt: number[] } | undefined {
  const prior = parsed.prior;
  const fresh = parsed.fresh?.[family];
  if (!prior || !fresh || fresh.length * 4 > parsed.byFamily[family].length + 64) return undefined;
  const { prefixes, first4 } = parsed;
  const cmp = prefixOrder(pools, prefixes, first4, family);
  const cmpAt = (i: number, j: number): number => cmp(i, j) || i - j;
  const last = prior.build.orders[family];
  const inv = prior.inv;
  const shared: number[] = [];
  for (let k = 0; k < last.length; k++) {
    const i = inv[last[k]!]!;
    if (i >= 0) shared.push(i);
  }
  const order: number[] = [];
  const freshAt: number[] = [];
  let s = 0;
  for (const x of fresh.sort(cmpAt)) {
    let lo = s;
    let hi = shared.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmpAt(shared[mid]!, x) < 0) lo = mid + 1;
      else hi = mid;
    }
    while (s < lo) order.push(shared[s++]!);
    freshAt.push(order.length);
    order.push(x);
  }
  while (s < shared.length) order.push(shared[s++]!);
  return { order, freshAt };
}

/** ParsedPools are the input pools' prefixes and canonical CIDRs, and their IPv4 bounds as numbers (parsePools). */
interface ParsedPools {
  readonly prefixes: readonly Prefix[];
  readonly cidrs: readonly string[];
  /** each pool's CIDR text as parsed (PriorBuild.sources) */
  readonly sources: readonly string[];
  /** each pool's family */
  readonly families: Uint8Array;
  /** the indexes of each family's pools, in input order */
  readonly byFamily: Readonly<Record<Family, number[]>>;
  /** IPv4 pools' first addresses and the addresses right after them */
  readonly first4: Float64Array;
  readonly end4: Float64Array;
  /** 1 for a pool whose CIDR has host bits set */
  readonly hostBits: Uint8Array;
  /** when known (parseCanonical read every pool), per family whether its pools come in strictly ascending order of first address */
  readonly ascending?: Readonly<Record<Family, boolean>>;
  /** the last build this parse took pools from (CidrParses.last): each pool's index there (-1: not there), and the reverse */
  readonly prior?: Prior;
  /** with a prior build, the indexes of each family's pools that are not in it, in input order */
  readonly fresh?: Readonly<Record<Family, number[]>>;
}

/** Prior is the last build's match with this one: at[i] is pool i's index in the last build's input, inv[j] the reverse (-1: none). */
interface Prior {
  readonly build: PriorBuild;
  readonly at: Int32Array;
  readonly inv: Int32Array;
}

/**
 * PARSED4 remembers the parse of each pool object with a canonical IPv4 CIDR (the common
 * case), for callers that build the model again and again from mostly the same pool objects
 * (nat agent, on every change): each CIDR is parsed, and its prefix made, once.
 */
const PARSED4 = new WeakMap<NatPool, { readonly source: string; readonly prefix: Prefix; readonly first: number; readonly end: number }>();

/** WORDS6 receives an IPv6 address's words (canonicalIPv6Bits). */
const WORDS6 = new Uint32Array(4);

/**
 * parsePools parses the pools' CIDRs, masking host bits as IPPoolV3ToV1 keys a pool by its
 * network (with a warning), or refuses the first that does not parse.
 */
function parsePools(pools: readonly NatPool[], warnings: string[], parses: CidrParses | undefined): Result<ParsedPools, NatModelError> {
  const n = pools.length;
  const prefixes: Prefix[] = [];
  const cidrs: string[] = [];
  const sources: string[] = [];
  const families = new Uint8Array(n);
  const first4 = new Float64Array(n);
  const end4 = new Float64Array(n);
  const hostBits = new Uint8Array(n);
  const last = priorIndexes(pools, parses?.last);
  const lp = last?.build.parsed;
  const lastHostBits = lp !== undefined && lp.hostBits.indexOf(1) >= 0;
  // a first build of a run (no PARSED4: the parse is handed on by CidrParses) reads its leading canonical pools in a small loop
  const run = parses && !last ? parseCanonical(pools, prefixes, cidrs, sources, families, first4, end4) : undefined;
  for (let i = run ? run.end : 0; i < n; ) {
    const j = last ? last.at[i]! : -1;
    if (j >= 0) {
      // a run of pools the last build had, in the same order, with the same CIDR texts: their parse, copied (numbers in bulk)
      let e = i + 1;
      while (e < n && last!.at[e] === j + (e - i)) e++;
      const je = j + (e - i);
      const { prefixes: lastPrefixes, cidrs: lastCidrs, sources: lastSources } = lp!;
      for (let k = j; k < je; k++) {
        prefixes.push(lastPrefixes[k]!);
        cidrs.push(lastCidrs[k]!);
        sources.push(lastSources[k]!);
      }
      families.set(lp!.families.subarray(j, je), i);
      first4.set(lp!.first4.subarray(j, je), i);
      end4.set(lp!.end4.subarray(j, je), i);
      hostBits.set(lp!.hostBits.subarray(j, je), i);
      if (lastHostBits) for (let k = i; k < e; k++) if (hostBits[k]) hostBitsWarning(pools[k]!, cidrs[k]!, warnings);
      i = e;
      continue;
    }
    const pool = pools[i]!;
    sources.push(pool.cidr);
    const known = parses ? undefined : PARSED4.get(pool);
    if (known !== undefined && known.source === pool.cidr) {
      prefixes.push(known.prefix);
      cidrs.push(pool.cidr);
      families[i] = 4;
      first4[i] = known.first;
      end4[i] = known.end;
      i++;
      continue;
    }
    const key = canonicalIPv4Key(pool.cidr);
    if (key >= 0) {
      const bits = key % 64;
      const first = (key - bits) / 64;
      const prefix: Prefix = { family: 4, value: BigInt(first), bits };
      prefixes.push(prefix);
      cidrs.push(pool.cidr);
      families[i] = 4;
      first4[i] = first;
      end4[i] = first + POW2[32 - bits]!;
      if (!parses) PARSED4.set(pool, { source: pool.cidr, prefix, first, end: end4[i]! });
      i++;
      continue;
    }
    const bits6 = canonicalIPv6Bits(pool.cidr, WORDS6);
    if (bits6 >= 0) {
      prefixes.push({ family: 6, value: ipv6WordsToValue(WORDS6), bits: bits6 });
      cidrs.push(pool.cidr);
      families[i] = 6;
      i++;
      continue;
    }
    const r = parsePrefix(pool.cidr);
    if (!r.ok) {
      return err({ kind: 'cidr-invalid', pool: pool.name, message: `IPPool(${pool.name}) CIDR: ${r.error.message}` });
    }
    const prefix = r.value.prefix;
    const cidr = canonicalPrefixText(pool.cidr, r.value);
    if (r.value.hostBitsSet) {
      hostBits[i] = 1;
      hostBitsWarning(pool, cidr, warnings);
    }
    prefixes.push(prefix);
    cidrs.push(cidr);
    families[i] = prefix.family;
    if (prefix.family === 4) {
      first4[i] = Number(prefix.value);
      end4[i] = first4[i]! + POW2[32 - prefix.bits]!;
    }
    i++;
  }
  const by4: number[] = [];
  const by6: number[] = [];
  for (let i = 0; i < n; i++) {
    if (families[i] === 4) by4.push(i);
    else by6.push(i);
  }
  const byFamily: Record<Family, number[]> = { 4: by4, 6: by6 };
  if (!last) return ok({ prefixes, cidrs, sources, families, byFamily, first4, end4, hostBits, ...(run?.ascending ? { ascending: run.ascending } : {}) });
  // the pools the last build did not have, per family
  const fresh: Record<Family, number[]> = { 4: [], 6: [] };
  for (let i = 0; i < n; i++) if (last.at[i]! < 0) fresh[families[i] as Family].push(i);
  return ok({ prefixes, cidrs, sources, families, byFamily, first4, end4, hostBits, prior: last, fresh });
}

/**
 * parseCanonical is parsePools for the leading pools whose CIDR is canonical and has no host
 * bits (canonicalIPv4Key, canonicalIPv6Bits; the usual input is all of them): it appends their
 * parses and returns the index of the first other pool. It is a small loop of its own so that
 * V8 optimizes it early: a first build runs it once per pool, cold.
 */
function parseCanonical(
  pools: readonly NatPool[],
  prefixes: Prefix[],
  cidrs: string[],
  sources: string[],
  families: Uint8Array,
  first4: Float64Array,
  end4: Float64Array,
): CanonicalRun {
  let i = 0;
  let last4 = -1;
  let last6 = -1n;
  let ascending4 = true;
  let ascending6 = true;
  for (; i < pools.length; i++) {
    const cidr = pools[i]!.cidr;
    const key = canonicalIPv4Key(cidr);
    if (key >= 0) {
      const bits = key % 64;
      const first = (key - bits) / 64;
      prefixes.push({ family: 4, value: BigInt(first), bits });
      families[i] = 4;
      first4[i] = first;
      end4[i] = first + POW2[32 - bits]!;
      if (first <= last4) ascending4 = false;
      last4 = first;
    } else {
      const bits = canonicalIPv6Bits(cidr, WORDS6);
      if (bits < 0) break;
      const value = ipv6WordsToValue(WORDS6);
      prefixes.push({ family: 6, value, bits });
      families[i] = 6;
      if (value <= last6) ascending6 = false;
      last6 = value;
    }
    cidrs.push(cidr);
    sources.push(cidr);
  }
  return { end: i, ascending: i === pools.length ? { 4: ascending4, 6: ascending6 } : undefined };
}

/**
 * CanonicalRun is what parseCanonical read: end, the index of the first pool it did not; when
 * it read them all, ascending says per family whether the pools come in strictly ascending
 * order of first address (sortedOrder then has nothing to check).
 */
interface CanonicalRun {
  readonly end: number;
  readonly ascending: Readonly<Record<Family, boolean>> | undefined;
}

/**
 * priorIndexes returns, for each pool, its index in the last build when it is the same object
 * with the same CIDR text (else -1), and the reverse, or undefined when there is no last build. It walks both
 * lists in step (the states' shared pools come in the same order), looking a few pools ahead
 * in the last build past removed ones: a pool it does not find is parsed as a new one.
 */
function priorIndexes(pools: readonly NatPool[], build: PriorBuild | undefined): Prior | undefined {
  if (build === undefined) return undefined;
  const last = build.pools;
  const at = new Int32Array(pools.length).fill(-1);
  const inv = new Int32Array(last.length).fill(-1);
  let j = 0;
  for (let i = 0; i < pools.length && j < last.length; i++) {
    const pool = pools[i]!;
    let k = j;
    while (k < last.length && k - j < LOOK_AHEAD && last[k] !== pool) k++;
    if (k >= last.length || last[k] !== pool) continue;
    if (build.sources[k] === pool.cidr) {
      at[i] = k;
      inv[k] = i;
    }
    j = k + 1;
  }
  return { build, at, inv };
}

/** hostBitsWarning warns that a pool's CIDR has host bits set, and what Felix uses (cidr). */
function hostBitsWarning(pool: NatPool, cidr: string, warnings: string[]): void {
  warnings.push(`IPPool(${pool.name}) CIDR ${pool.cidr} is not strictly masked (Calico refuses it on create); Felix uses ${cidr}`);
}

/**
 * keptPools walks one family's pools sorted by prefix, then name, and keeps of identical CIDRs
 * only the pool whose name sorts lowest (conflictresolvingcacheproc.go), with the members of
 * the masq set (natOutgoing pools) and the pool set (inPoolSet), and warnings for identical
 * and overlapping CIDRs and pools smaller than their block size. Pools that do not overlap
 * (the usual case) take a shorter path (keptDisjoint); after a clean last build
 * (PriorBuild.clean) whose order it carries over (carriedOrder), only the new pools are checked.
 */
function keptPools(
  pools: readonly NatPool[],
  parsed: ParsedPools,
  family: Family,
  inPoolSet: (pool: NatPool) => boolean,
  warnings: string[],
): FelixFamily {
  const { prefixes, first4 } = parsed;
  const carried = carriedOrder(pools, parsed, family);
  const clean = carried ? parsed.prior!.build.clean[family] : true;
  const order = carried
    ? carried.order
    : parsed.ascending?.[family]
      ? parsed.byFamily[family]
      : sortedOrder(pools, prefixes, first4, family, parsed.byFamily[family]);
  const fast = clean ? keptDisjoint(pools, parsed, family, order, carried ? carried.freshAt : null, inPoolSet, warnings) : undefined;
  return fast ?? keptWalk(pools, parsed, family, order, inPoolSet, warnings);
}

/**
 * keptDisjoint is keptPools for pools in model order that may not overlap: it checks the pairs
 * next to the pools at positions `checkAt` (all pairs when null). When none overlaps and the
 * rest are known not to (the last build kept them all and warned of none), no two pools overlap
 * (sorted by first address, each ends before the next starts), so every pool is kept and the
 * only warnings are block sizes (of the pools at checkAt, the others had none). Else undefined
 * (keptWalk decides).
 */
function keptDisjoint(
  pools: readonly NatPool[],
  parsed: ParsedPools,
  family: Family,
  order: number[],
  checkAt: readonly number[] | null,
  inPoolSet: (pool: NatPool) => boolean,
  warnings: string[],
): FelixFamily | undefined {
  const { prefixes, cidrs, first4, end4 } = parsed;
  const n = order.length;
  // a sorts before b: they overlap when a does not end before b starts (for IPv6: a contains b)
  const overlap = (a: number, b: number): boolean => (family === 4 ? end4[a]! > first4[b]! : containsPrefix(prefixes[a]!, prefixes[b]!));
  if (checkAt === null) {
    for (let k = 1; k < n; k++) if (overlap(order[k - 1]!, order[k]!)) return undefined;
  } else {
    for (const k of checkAt) {
      if ((k > 0 && overlap(order[k - 1]!, order[k]!)) || (k + 1 < n && overlap(order[k]!, order[k + 1]!))) return undefined;
    }
  }
  const before = warnings.length;
  if (checkAt !== null) for (const k of checkAt) blockSizeWarning(pools[order[k]!]!, prefixes[order[k]!]!, cidrs[order[k]!]!, family, warnings);
  const masq: Prefix[] = [];
  const poolSet: Prefix[] = [];
  // The loop runs once per pool, mostly before V8 optimizes it: the usual answers are tested inline, without a call.
  const all = checkAt === null;
  const blockSize = defaultBlockSize(family);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const p = pools[i]!;
    const prefix = prefixes[i]!;
    if (all && !p.disabled && prefix.bits > (p.blockSize || blockSize)) blockSizeWarning(p, prefix, cidrs[i]!, family, warnings);
    if (p.natOutgoing) masq.push(prefix);
    if (p.allowedUses === undefined || inPoolSet(p)) poolSet.push(prefix);
  }
  return { kept: order, masq, poolSet, order, clean: warnings.length === before };
}

/** blockSizeWarning warns of an enabled pool smaller than its block size. */
function blockSizeWarning(p: NatPool, prefix: Prefix, cidr: string, family: Family, warnings: string[]): void {
  const blockSize = p.blockSize || defaultBlockSize(family);
  if (!p.disabled && prefix.bits > blockSize) {
    warnings.push(`IPPool(${p.name}) CIDR ${cidr} is smaller than its block size /${blockSize} (Calico refuses it on create; it still takes part in NAT)`);
  }
}

/** keptWalk is keptPools over the family's pools in model order. */
function keptWalk(
  pools: readonly NatPool[],
  parsed: ParsedPools,
  family: Family,
  order: number[],
  inPoolSet: (pool: NatPool) => boolean,
  warnings: string[],
): FelixFamily {
  const { prefixes, cidrs, first4, end4 } = parsed;
  const before = warnings.length;
  const kept: number[] = [];
  const masq: Prefix[] = [];
  const poolSet: Prefix[] = [];
  // contains reports whether pool o, which starts at or before pool i (they come sorted), contains it: for IPv4 on numbers.
  const contains = (o: number, i: number): boolean => (family === 4 ? end4[i]! <= end4[o]! : containsPrefix(prefixes[o]!, prefixes[i]!));
  // containers: the indexes of the kept pools that contain the current one, outermost first.
  const containers: number[] = [];
  let prev = -1; // the index of the last pool kept
  for (const i of order) {
    const p = pools[i]!;
    const same = prev >= 0 && (family === 4 ? first4[i] === first4[prev] && end4[i] === end4[prev] : equalPrefix(prefixes[prev]!, prefixes[i]!));
    if (same) {
      const first = pools[prev]!.name;
      warnings.push(`IPPool(${p.name}) has the same CIDR as IPPool(${first}) (${cidrs[i]}): Felix uses only IPPool(${first}), whose name sorts first`);
      continue;
    }
    while (containers.length > 0 && !contains(containers[containers.length - 1]!, i)) containers.pop();
    const outer = containers[containers.length - 1];
    if (outer !== undefined) {
      warnings.push(
        `IPPool(${p.name}) CIDR ${cidrs[i]} overlaps with IPPool(${pools[outer]!.name}) CIDR ${cidrs[outer]} (Calico refuses this on create; both take part in NAT)`,
      );
    }
    blockSizeWarning(p, prefixes[i]!, cidrs[i]!, family, warnings);
    containers.push(i);
    kept.push(i);
    if (p.natOutgoing) masq.push(prefixes[i]!);
    if (inPoolSet(p)) poolSet.push(prefixes[i]!);
    prev = i;
  }
  return { kept, masq, poolSet, order, clean: warnings.length === before };
}

/**
 * poolsAsFelixSeesThem returns the pools as Felix's masq manager sees them (parsePools, then
 * keptPools per family: IPv4 first), with warnings for everything Calico would refuse on
 * create: host bits, identical and overlapping CIDRs, pools smaller than their block size.
 */
function poolsAsFelixSeesThem(
  pools: readonly NatPool[],
  inPoolSet: (pool: NatPool) => boolean,
  warnings: string[],
  parses: CidrParses | undefined,
): Result<FelixPools, NatModelError> {
  const parsed = parsePools(pools, warnings, parses);
  if (!parsed.ok) return parsed;
  const families: Record<Family, FelixFamily> = {
    4: keptPools(pools, parsed.value, 4, inPoolSet, warnings),
    6: keptPools(pools, parsed.value, 6, inPoolSet, warnings),
  };
  const { prefixes, cidrs, first4, end4, hostBits, prior } = parsed.value;
  const modelPools: (ModelPool | undefined)[] = new Array(pools.length);
  if (parses) {
    parses.last = {
      pools,
      sources: parsed.value.sources,
      parsed: { prefixes, cidrs, sources: parsed.value.sources, families: parsed.value.families, byFamily: parsed.value.byFamily, first4, end4, hostBits },
      modelPools,
      orders: { 4: families[4].order, 6: families[6].order },
      clean: { 4: families[4].clean, 6: families[6].clean },
    };
  }
  // each pool's ModelPool: the last build's object for the same pool when it has one with the same inPoolSet, else a new one
  const made = (kept: readonly number[]): ModelPool[] => {
    const out: ModelPool[] = [];
    const lastPools = prior?.build.modelPools;
    for (let k = 0; k < kept.length; k++) {
      const i = kept[k]!;
      const pool = pools[i]!;
      const inSet = pool.allowedUses === undefined || inPoolSet(pool);
      const j = prior ? prior.at[i]! : -1;
      const last = j >= 0 ? lastPools![j] : undefined;
      const m: ModelPool =
        last !== undefined && last.inPoolSet === inSet
          ? last
          : {
              name: pool.name,
              cidr: cidrs[i]!,
              natOutgoing: pool.natOutgoing,
              disabled: pool.disabled,
              allowedUses: pool.allowedUses,
              blockSize: pool.blockSize,
              prefix: prefixes[i]!,
              inPoolSet: inSet,
            };
      modelPools[i] = m;
      out.push(m);
    }
    return out;
  };
  return ok({ families, modelPools: made });
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
  // LoadBalancer-only pools are in the pool set only under its old name (all-ipam-pools)
  const inPoolSet = (pool: NatPool): boolean => settings.poolSetName === 'all-ipam-pools' || !isLoadBalancerOnly(pool);
  const felix = poolsAsFelixSeesThem(pools, inPoolSet, warnings, opts.parses);
  if (!felix.ok) return felix;
  const { modelPools: poolsAt } = felix.value;

  const families: FamilyNatModel[] = [];
  for (const family of opts.families ?? ([4, 6] as const)) {
    const { kept, masq, poolSet } = felix.value.families[family];
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
    // pools are made when first read (explain, JSON): apply and status need only the sets
    let modelPools: ModelPool[] | undefined;
    families.push({
      family,
      sets,
      chains,
      kernelAppends: [{ chain: CHAIN_POSTROUTING, rules: [jump(CHAIN_CALI_POSTROUTING)] }],
      active,
      get pools(): readonly ModelPool[] {
        return (modelPools ??= poolsAt(kept));
      },
    });
  }
  return ok({ settings, families, warnings });
}
