import type { Family } from '../net/addr.js';
import { equalPrefix, type Prefix } from '../net/prefix.js';
import { PrefixSetBuilder, type PrefixSet } from '../net/prefix-set.js';
import { PrefixTable } from '../net/prefix-table.js';
import type { NatActionName, NatReason } from './decision.js';
import type { FamilyNatModel, ModelPool, NatMatch, NatRule, NatSetRole } from './model.js';
import { CHAIN_POSTROUTING } from './nat.js';

/** CompiledRule is a model rule ready to evaluate, with its place and its text for reports. */
export interface CompiledRule {
  readonly chain: string;
  /** index is the rule's 0-based position in its chain. */
  readonly index: number;
  readonly rule: NatRule;
  readonly matches: readonly CompiledMatch[];
  /** actionName: MASQUERADE or SNAT for a NAT action, none for jump and return. */
  readonly actionName: NatActionName;
  readonly toSource: string | null;
  /** text is how reports show the rule (from CompileOptions.ruleText), or null. */
  readonly text: string | null;
  /** kind is the action's class for the walk: NAT (masquerade, snat), JUMP or RETURN. */
  readonly kind: RuleKind;
  /** target is a jump's chain, resolved when the model is compiled (empty for a chain the model lacks). */
  readonly target: readonly CompiledRule[];
}

/** RuleKind classifies a rule's action for the walk. */
export const enum RuleKind {
  Nat,
  Jump,
  Return,
}

/** MatchCode classifies a match for the walk. */
export const enum MatchCode {
  SrcSet,
  NotDstSet,
  Protocol,
  OutInterface,
}

/** CompiledMatch is a rule's match ready to test: its set resolved, its code and its failure reason precomputed. */
export interface CompiledMatch {
  readonly match: NatMatch;
  readonly code: MatchCode;
  /** set is a set match's set (empty when the model lacks it); role its role, if known. */
  readonly set: PrefixSet;
  /**
   * pools, when set, answers the set match instead: the set's members are exactly those
   * pools' CIDRs, so one pool lookup gives both the membership and the pool to report.
   */
  readonly pools: PoolIndex | null;
  readonly role: NatSetRole | undefined;
  /** protocol and iface are the protocol and out-interface matches' operands. */
  readonly protocol: string;
  readonly iface: string;
  /** reason is the decision's reason when this match is the first to fail in a NAT rule. */
  readonly reason: NatReason;
}

/** PoolIndex finds the most specific of some of a family's pools that holds an address. */
export interface PoolIndex {
  /**
   * table looks up the most specific of `pools`; each hit is an index into the family's pools.
   * It is built on first use: nat diff classifies addresses by a sweep (class-sweep.ts) and
   * never looks one up, so a 10,000-pool diff builds none.
   */
  readonly table: PrefixTable;
  readonly pools: readonly number[];
}

/** poolIndex is the PoolIndex of the family's pools at ids, with its table built on first use. */
function poolIndex(pools: readonly ModelPool[], ids: readonly number[]): PoolIndex {
  let table: PrefixTable | undefined;
  return {
    pools: ids,
    get table(): PrefixTable {
      return (table ??= new PrefixTable(ids.map((i) => pools[i]!.prefix)));
    },
  };
}

/** CompileOptions: ruleText gives each rule the text reports show (e.g. the iptables-restore line). */
export interface CompileOptions {
  readonly ruleText?: (family: Family, chain: string, index: number, rule: NatRule) => string;
}

/**
 * CompiledFamily is one family's model, compiled: sets as PrefixSets or pool lookups, jumps
 * resolved, and the pool indexes that name the pool behind a match.
 */
export interface CompiledFamily {
  readonly family: Family;
  readonly pools: readonly ModelPool[];
  /** entry is the kernel POSTROUTING chain's appended rules, where the walk starts. */
  readonly entry: readonly CompiledRule[];
  /** masq, any, poolSet name the pool behind a match: most specific natOutgoing / any / pool-set pool. */
  readonly masq: PoolIndex;
  readonly any: PoolIndex;
  readonly poolSet: PoolIndex;
}

/** EMPTY_SET is the set of a match whose set the model lacks, or that pool lookups answer. */
export const EMPTY_SET = new PrefixSetBuilder().build();

/** CompiledSet is a model set, compiled: as a PrefixSet, or answered by pool lookups. */
interface CompiledSet {
  readonly role: NatSetRole;
  readonly set: PrefixSet;
  readonly pools: PoolIndex | null;
}

/** compileMatch resolves a match's set and precomputes its code and reason. */
function compileMatch(match: NatMatch, sets: ReadonlyMap<string, CompiledSet>): CompiledMatch {
  const base = { match, set: EMPTY_SET, pools: null, role: undefined, protocol: '', iface: '' };
  switch (match.kind) {
    case 'src-set': {
      const s = sets.get(match.set);
      return { ...base, ...s, code: MatchCode.SrcSet, reason: 'SRC_NOT_IN_NAT_POOL' };
    }
    case 'not-dst-set': {
      const s = sets.get(match.set);
      return { ...base, ...s, code: MatchCode.NotDstSet, reason: s?.role === 'hosts' ? 'DST_IS_HOST' : 'DST_IN_POOL' };
    }
    case 'protocol':
      return { ...base, code: MatchCode.Protocol, protocol: match.protocol, reason: 'PROTOCOL_NOT_MATCHED' };
    case 'out-interface':
      return { ...base, code: MatchCode.OutInterface, iface: match.iface, reason: 'OUT_INTERFACE_NOT_MATCHED' };
  }
}

/**
 * samePrefixes reports whether a set's members are exactly the prefixes of the indexed pools,
 * in order: buildNatModel gives both the same Prefix objects, so identity answers most.
 */
function samePrefixes(members: readonly Prefix[], pools: readonly ModelPool[], ix: PoolIndex): boolean {
  if (members.length !== ix.pools.length) return false;
  const ids = ix.pools;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    const p = pools[ids[i]!]!.prefix;
    if (m !== p && !equalPrefix(m, p)) return false;
  }
  return true;
}

/** lookupIPv4 returns the most specific pool of ix holding the IPv4 address v (an index into the family's pools), or -1. */
export function lookupIPv4(ix: PoolIndex, v: number): number {
  const i = ix.table.lookupIPv4(v);
  return i < 0 ? -1 : ix.pools[i]!;
}

/** lookupIPv6 is lookupIPv4 for the IPv6 address in words w[off..off+3]. */
export function lookupIPv6(ix: PoolIndex, w: ArrayLike<number>, off: number): number {
  const i = ix.table.lookupIPv6Words(w, off);
  return i < 0 ? -1 : ix.pools[i]!;
}

/** MutableRule is a CompiledRule while its jump target is still being resolved. */
type MutableRule = { -readonly [K in keyof CompiledRule]: CompiledRule[K] };

/** compileFamily compiles one family's model: pool indexes, sets, then rules with their jumps resolved. */
export function compileFamily(model: FamilyNatModel, opts: CompileOptions): CompiledFamily {
  const pools = model.pools ?? [];
  // The three indexes in one pass. Usually every pool is in the pool set (no LoadBalancer-only
  // pools): then one table serves both.
  const all: number[] = [];
  const nat: number[] = [];
  const inSet: number[] = [];
  for (let i = 0; i < pools.length; i++) {
    const p = pools[i]!;
    all.push(i);
    if (p.natOutgoing) nat.push(i);
    if (p.inPoolSet) inSet.push(i);
  }
  const any = poolIndex(pools, all);
  const masq = nat.length === all.length ? any : poolIndex(pools, nat);
  const poolSet = inSet.length === all.length ? any : poolIndex(pools, inSet);
  const sets = new Map<string, CompiledSet>();
  for (const s of model.sets) {
    const ix = s.role === 'masq' ? masq : s.role === 'pools' ? poolSet : null;
    if (ix && samePrefixes(s.members, pools, ix)) {
      sets.set(s.name, { role: s.role, set: EMPTY_SET, pools: ix });
      continue;
    }
    const b = new PrefixSetBuilder();
    for (const m of s.members) b.add(m);
    sets.set(s.name, { role: s.role, set: b.build(), pools: null });
  }
  // Rules are built first; jump targets are filled in once every chain exists.
  const chains = new Map<string, CompiledRule[]>();
  const jumps: [MutableRule, string][] = [];
  const compile = (chain: string, rules: readonly NatRule[]): CompiledRule[] =>
    rules.map((rule, index) => {
      const a = rule.action;
      const r: MutableRule = {
        chain,
        index,
        rule,
        matches: rule.matches.map((m) => compileMatch(m, sets)),
        actionName: a.kind === 'masquerade' ? 'MASQUERADE' : a.kind === 'snat' ? 'SNAT' : 'none',
        toSource: a.kind === 'snat' ? a.toSource : null,
        text: opts.ruleText ? opts.ruleText(model.family, chain, index, rule) : null,
        kind: a.kind === 'jump' ? RuleKind.Jump : a.kind === 'return' ? RuleKind.Return : RuleKind.Nat,
        target: [],
      };
      if (a.kind === 'jump') jumps.push([r, a.target]);
      return r;
    });
  for (const c of model.chains) chains.set(c.name, compile(c.name, c.rules));
  const entry = model.kernelAppends.filter((k) => k.chain === CHAIN_POSTROUTING).flatMap((k) => compile(k.chain, k.rules));
  for (const [r, name] of jumps) r.target = chains.get(name) ?? [];
  return { family: model.family, pools, entry, masq, any, poolSet };
}
