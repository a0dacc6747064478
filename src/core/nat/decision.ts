import { formatAddr, ipv6ValueToWords, pred, succ, type Addr, type AddrValue, type Family, type ValueRange } from '../net/addr.js';
import { CHAIN_NAT_OUTGOING, CHAIN_POSTROUTING } from './nat.js';
import type { ModelPool, NatAction, NatMatch, NatModel, NatRule, NatSetModel, NatSetRole } from './model.js';
import { equalPrefix, lastAddrValue, POW2, type Prefix } from '../net/prefix.js';
import { PrefixSetBuilder, type PrefixSet } from '../net/prefix-set.js';
import { PrefixTable } from '../net/prefix-table.js';
import { RangeIndex } from '../net/range-index.js';

/**
 * NatReason is why a flow is or is not NATed (spec/cli.md): the cli.md reasons, plus
 * OUT_INTERFACE_NOT_MATCHED (--out-interface does not match the interface filter) and
 * PROTOCOL_NOT_MATCHED (only protocol-specific NAT rules, none for the flow's protocol; not
 * produced by models poolctl builds, whose last rule matches any protocol).
 */
export type NatReason =
  | 'NAT'
  | 'SRC_NOT_IN_NAT_POOL'
  | 'DST_IN_POOL'
  | 'DST_IS_HOST'
  | 'NO_NAT_POOLS'
  | 'FAMILY_MISMATCH'
  | 'OUT_INTERFACE_NOT_MATCHED'
  | 'PROTOCOL_NOT_MATCHED';

/** NatActionName is the decision's action: the iptables target that fires, or none. */
export type NatActionName = 'MASQUERADE' | 'SNAT' | 'none';

/** NatPoolRef names a pool in a decision (cli.md srcPool / dstPool). */
export interface NatPoolRef {
  readonly name: string;
  readonly cidr: string;
  readonly natOutgoing: boolean;
  readonly disabled: boolean;
}

/** NatTraceStep is one step of a decision: a Felix match or jump, its result and the evidence. */
export interface NatTraceStep {
  readonly step: string;
  readonly result: boolean;
  readonly detail: string;
}

/** NatDecision is `nat explain -o json` (spec/cli.md), field for field. */
export interface NatDecision {
  readonly src: string;
  readonly dst: string;
  readonly family: Family;
  readonly nat: boolean;
  readonly action: NatActionName;
  readonly toSource: string | null;
  readonly srcPool: NatPoolRef | null;
  readonly dstPool: NatPoolRef | null;
  readonly reason: NatReason;
  readonly trace: readonly NatTraceStep[];
  readonly rule: string | null;
}

/** NatFlowContext is what a flow adds besides its addresses; both unknown by default. */
export interface NatFlowContext {
  /** protocol (tcp, udp, ...): only port-range rules look at it; unknown matches neither tcp nor udp. */
  readonly protocol?: string;
  /** outInterface is the egress interface; unknown means "assume it matches the interface filter" (spec/nat.md §1). */
  readonly outInterface?: string;
}

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
const enum RuleKind {
  Nat,
  Jump,
  Return,
}

/** MatchCode classifies a match for the walk. */
const enum MatchCode {
  SrcSet,
  NotDstSet,
  Protocol,
  OutInterface,
}

interface CompiledMatch {
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

interface PoolIndex {
  /** table looks up the most specific of `pools`; each hit is an index into the family's pools. */
  readonly table: PrefixTable;
  readonly pools: readonly number[];
}

/** CompileOptions: ruleText gives each rule the text reports show (e.g. the iptables-restore line). */
export interface CompileOptions {
  readonly ruleText?: (family: Family, chain: string, index: number, rule: NatRule) => string;
}

/**
 * FlowQuery is the reusable, allocation-free input and output of CompiledNat.evaluate, for
 * batch explain: set family and the addresses (IPv4 as uint32s, IPv6 as words: src in
 * words[0..3], dst in words[4..7]), evaluate, then read rule, reason and the pool indexes
 * (into CompiledNat.pools(family); -1 for none).
 */
export class FlowQuery {
  srcFamily: Family = 4;
  dstFamily: Family = 4;
  src4 = 0;
  dst4 = 0;
  readonly words = new Uint32Array(8);
  protocol: string | undefined = undefined;
  outInterface: string | undefined = undefined;
  /** rule is the NAT rule that fires, or null. */
  rule: CompiledRule | null = null;
  reason: NatReason = 'NO_NAT_POOLS';
  srcPool = -1;
  dstPool = -1;
  /** srcMasqPool and dstPoolSetPool cache the rule walk's pool lookups within one flow (UNKNOWN until done). */
  srcMasqPool = UNKNOWN;
  dstPoolSetPool = UNKNOWN;

  /** setAddrs loads two addresses given as values. */
  setAddrs(src: Addr, dst: Addr): void {
    this.srcFamily = src.family;
    this.dstFamily = dst.family;
    if (src.family === 4) this.src4 = Number(src.value);
    else ipv6ValueToWords(src.value, this.words, 0);
    if (dst.family === 4) this.dst4 = Number(dst.value);
    else ipv6ValueToWords(dst.value, this.words, 4);
  }
}

const EMPTY_SET = new PrefixSetBuilder().build();
/** UNKNOWN marks a pool lookup not done yet (-1 is "no pool"). */
const UNKNOWN = -2;
const MAX_JUMP_DEPTH = 16;
const RETURNED = 'return';

/** Trace collects the steps of one decision, each distinct step once. */
interface Trace {
  readonly steps: NatTraceStep[];
  readonly seen: Set<string>;
  readonly src: string;
  readonly dst: string;
}

function addStep(t: Trace, step: string, result: boolean, detail: string): void {
  const key = `${step}\u0000${result}`;
  if (t.seen.has(key)) return;
  t.seen.add(key);
  t.steps.push({ step, result, detail });
}

/** ifaceMatches reports whether an interface name matches an iptables interface pattern ("eth+" = prefix "eth"). */
function ifaceMatches(pattern: string, iface: string): boolean {
  return pattern.endsWith('+') ? iface.startsWith(pattern.slice(0, -1)) : iface === pattern;
}

function describeAction(a: NatAction): string {
  const ports = 'toPorts' in a && a.toPorts ? `, ports ${a.toPorts.min}-${a.toPorts.max}` : '';
  const random = 'randomFully' in a && a.randomFully ? ', fully random' : '';
  if (a.kind === 'masquerade') return `the source becomes the egress interface's address${ports}${random}`;
  if (a.kind === 'snat') return `the source becomes ${a.toSource}${ports}${random}`;
  return a.kind;
}

function poolRef(p: ModelPool): NatPoolRef {
  return { name: p.name, cidr: p.cidr, natOutgoing: p.natOutgoing, disabled: p.disabled };
}

function poolText(p: ModelPool): string {
  const flags = [p.natOutgoing ? 'natOutgoing' : 'natOutgoing false', ...(p.disabled ? ['disabled'] : [])];
  return `IPPool(${p.name}) ${p.cidr} (${flags.join(', ')})`;
}

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

/** samePrefixes reports whether a set's members are exactly the prefixes of the indexed pools, in order. */
function samePrefixes(members: readonly Prefix[], pools: readonly ModelPool[], ix: PoolIndex): boolean {
  return members.length === ix.pools.length && members.every((m, i) => equalPrefix(m, pools[ix.pools[i]!]!.prefix));
}

/** lookupIPv4 returns the most specific pool of ix holding the IPv4 address v (an index into the family's pools), or -1. */
function lookupIPv4(ix: PoolIndex, v: number): number {
  const i = ix.table.lookupIPv4(v);
  return i < 0 ? -1 : ix.pools[i]!;
}

/** lookupIPv6 is lookupIPv4 for the IPv6 address in words w[off..off+3]. */
function lookupIPv6(ix: PoolIndex, w: ArrayLike<number>, off: number): number {
  const i = ix.table.lookupIPv6Words(w, off);
  return i < 0 ? -1 : ix.pools[i]!;
}

/** Feature is what a set match tests an address against: a pool index (the set is those pools) or a PrefixSet. */
type Feature = PoolIndex | PrefixSet;

/** MAX_FEATURES bounds the sets a family's rules may test for evaluate to classify addresses (2^MAX_FEATURES class pairs). */
const MAX_FEATURES = 12;

/**
 * AddressClasses cut one family's addresses into intervals on which every lookup a decision
 * makes has one answer: for src, membership in each set a src match tests and the pool
 * reported; for dst, the same with the dst matches. A flow's outcome (the rule that fires and
 * the reason) then depends only on the pair (src bits, dst bits), and its pools on the
 * intervals alone, so batch explain decides a flow with two interval lookups and a table.
 */
interface AddressClasses {
  /** index holds the intervals that some pool or tested set covers (an address in none of them has pools -1 and bits 0). */
  readonly index: RangeIndex;
  /** info holds four numbers per interval: src pool, dst pool, src bits, dst bits. */
  readonly info: Int32Array;
  /** dstBits is the number of dst bits: a pair's key is (src bits << dstBits) | dst bits. */
  readonly dstBits: number;
  /** pairs maps a pair's key to its outcome (CompiledFamily's outcomes, from 1), or 0 while undecided. */
  readonly pairs: Int32Array;
}

const CLASS_WORDS = new Uint32Array(4);

/**
 * classify builds a family's AddressClasses from its compiled rules, sets and pools, or
 * returns null when the rules test more than MAX_FEATURES sets. Every answer comes from the
 * compiled lookups themselves, asked at the first address of each interval: the interval
 * bounds are all the bounds of the pools and tested sets, so no lookup changes inside one.
 */
function classify(f: CompiledFamily): AddressClasses | null {
  const src: Feature[] = [];
  const dst: Feature[] = [];
  const seen = new Set<readonly CompiledRule[]>();
  const visit = (rules: readonly CompiledRule[]): void => {
    if (seen.has(rules)) return;
    seen.add(rules);
    for (const r of rules) {
      for (const m of r.matches) {
        const list = m.code === MatchCode.SrcSet ? src : m.code === MatchCode.NotDstSet ? dst : null;
        const feature = m.pools ?? m.set;
        if (list && !list.includes(feature)) list.push(feature);
      }
      visit(r.target);
    }
  };
  visit(f.entry);
  if (src.length + dst.length > MAX_FEATURES) return null;

  const family = f.family;
  const sets: ValueRange[] = [];
  for (const feature of [...src, ...dst]) if (!('table' in feature)) sets.push(...feature.valueRanges(family));
  const points = boundaryPoints(family, f.pools, sets);

  const firsts: AddrValue[] = [];
  const lasts: AddrValue[] = [];
  const info: number[] = [];
  const w = CLASS_WORDS;
  for (let k = 0; k + 1 < points.length; k++) {
    const first = points[k]!;
    if (family === 4) w[0] = first as number;
    else ipv6ValueToWords(first as bigint, w, 0);
    const masq = lookupAt(family, f.masq, w);
    const srcPool = masq >= 0 ? masq : lookupAt(family, f.any, w);
    const dstPool = lookupAt(family, f.poolSet, w);
    let srcBits = 0;
    let dstBits = 0;
    for (let i = 0; i < src.length; i++) if (hasAt(family, src[i]!, w)) srcBits |= 1 << i;
    for (let i = 0; i < dst.length; i++) if (hasAt(family, dst[i]!, w)) dstBits |= 1 << i;
    if (srcPool < 0 && dstPool < 0 && srcBits === 0 && dstBits === 0) continue;
    const last = pred(points[k + 1]!);
    const n = info.length;
    // The same answers as the interval right before: extend it.
    if (n > 0 && succ(lasts[lasts.length - 1]!) === first && info[n - 4] === srcPool && info[n - 3] === dstPool && info[n - 2] === srcBits && info[n - 1] === dstBits) {
      lasts[lasts.length - 1] = last;
      continue;
    }
    firsts.push(first);
    lasts.push(last);
    info.push(srcPool, dstPool, srcBits, dstBits);
  }
  return {
    index: RangeIndex.ofValues(family, firsts, lasts),
    info: Int32Array.from(info),
    dstBits: dst.length,
    pairs: new Int32Array(1 << (src.length + dst.length)),
  };
}

/** lookupAt is lookupIPv4 or lookupIPv6 for the address in w[0] (IPv4) or w[0..3]. */
function lookupAt(family: Family, ix: PoolIndex, w: Uint32Array): number {
  return family === 4 ? lookupIPv4(ix, w[0]!) : lookupIPv6(ix, w, 0);
}

/** hasAt reports whether the address in w[0] (IPv4) or w[0..3] is in a feature's set. */
function hasAt(family: Family, x: Feature, w: Uint32Array): boolean {
  if ('table' in x) return lookupAt(family, x, w) >= 0;
  return family === 4 ? x.containsIPv4(w[0]!) : x.containsIPv6Words(w, 0);
}

/**
 * boundaryPoints returns the sorted, distinct first addresses of the pools' prefixes and of the
 * ranges, and the addresses right after them, so consecutive points delimit intervals that no
 * pool or range boundary cuts.
 */
function boundaryPoints(family: Family, pools: readonly ModelPool[], ranges: readonly ValueRange[]): AddrValue[] {
  if (family === 4) {
    const xs = new Float64Array((pools.length + ranges.length) * 2);
    let n = 0;
    for (const { prefix } of pools) {
      const first = Number(prefix.value);
      xs[n++] = first;
      xs[n++] = first + POW2[32 - prefix.bits]!;
    }
    for (const r of ranges) {
      xs[n++] = r.first as number;
      xs[n++] = (r.last as number) + 1;
    }
    xs.sort();
    const out: number[] = [];
    for (const x of xs) if (out.length === 0 || out[out.length - 1] !== x) out.push(x);
    return out;
  }
  const xs: bigint[] = [];
  for (const { prefix } of pools) xs.push(prefix.value, lastAddrValue(prefix) + 1n);
  for (const r of ranges) xs.push(r.first as bigint, (r.last as bigint) + 1n);
  xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return xs.filter((x, i) => i === 0 || xs[i - 1] !== x);
}

/** MutableRule is a CompiledRule while its jump target is still being resolved. */
type MutableRule = { -readonly [K in keyof CompiledRule]: CompiledRule[K] };

/** CompiledFamily is one family's model, compiled: sets as PrefixSets, jumps resolved, pool lookups. */
class CompiledFamily {
  readonly family: Family;
  readonly pools: readonly ModelPool[];
  readonly entry: readonly CompiledRule[];
  /** masq, any, poolSet name the pool behind a match: most specific natOutgoing / any / pool-set pool. */
  readonly masq: PoolIndex;
  readonly any: PoolIndex;
  readonly poolSet: PoolIndex;
  /** classes are built by the first evaluate (null: too many sets to classify). */
  #classes: AddressClasses | null | undefined = undefined;
  /** outcomes are the rule and reason of each decided class pair, two entries each; pairs index them from 1. */
  readonly #outcomes: (CompiledRule | null | NatReason)[] = [];
  /** protocol and outInterface are the flow context the cached outcomes hold for. */
  #protocol: string | undefined = undefined;
  #outInterface: string | undefined = undefined;

  constructor(model: NatModel['families'][number], opts: CompileOptions) {
    this.family = model.family;
    this.pools = model.pools ?? [];
    const index = (keep: (p: ModelPool) => boolean): PoolIndex => {
      const ids: number[] = [];
      const prefixes: Prefix[] = [];
      this.pools.forEach((p, i) => {
        if (!keep(p)) return;
        ids.push(i);
        prefixes.push(p.prefix);
      });
      return { table: new PrefixTable(prefixes), pools: ids };
    };
    // Usually every pool is in the pool set (no LoadBalancer-only pools): then one table serves both.
    this.any = index(() => true);
    this.masq = this.pools.every((p) => p.natOutgoing) ? this.any : index((p) => p.natOutgoing);
    this.poolSet = this.pools.every((p) => p.inPoolSet) ? this.any : index((p) => p.inPoolSet);
    const sets = new Map<string, CompiledSet>();
    for (const s of model.sets) {
      const pools = s.role === 'masq' ? this.masq : s.role === 'pools' ? this.poolSet : null;
      if (pools && samePrefixes(s.members, this.pools, pools)) {
        sets.set(s.name, { role: s.role, set: EMPTY_SET, pools });
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
    this.entry = model.kernelAppends.filter((k) => k.chain === CHAIN_POSTROUTING).flatMap((k) => compile(k.chain, k.rules));
    for (const [r, name] of jumps) r.target = chains.get(name) ?? [];
  }

  /** pool returns the most specific pool of ix holding src (or dst), caching the two lookups the walk repeats. */
  pool(ix: PoolIndex, q: FlowQuery, dst: boolean): number {
    if (ix === this.masq && !dst) {
      if (q.srcMasqPool === UNKNOWN) q.srcMasqPool = this.lookup(ix, q, false);
      return q.srcMasqPool;
    }
    if (ix === this.poolSet && dst) {
      if (q.dstPoolSetPool === UNKNOWN) q.dstPoolSetPool = this.lookup(ix, q, true);
      return q.dstPoolSetPool;
    }
    return this.lookup(ix, q, dst);
  }

  lookup(ix: PoolIndex, q: FlowQuery, dst: boolean): number {
    return this.family === 4 ? lookupIPv4(ix, dst ? q.dst4 : q.src4) : lookupIPv6(ix, q.words, dst ? 4 : 0);
  }

  /**
   * evaluate decides a flow of this family into q: from the address classes of src and dst
   * and the outcome cached for their pair, walking the rules (walk) only for a pair not seen
   * yet (or when the rules test too many sets to classify).
   */
  evaluate(q: FlowQuery): void {
    if (this.#classes === undefined) this.#classes = classify(this);
    const c = this.#classes;
    if (c === null) {
      this.walk(q, undefined);
      return;
    }
    if (q.protocol !== this.#protocol || q.outInterface !== this.#outInterface) {
      // The outcomes depend on the flow context too: start over for another one.
      this.#protocol = q.protocol;
      this.#outInterface = q.outInterface;
      c.pairs.fill(0);
      this.#outcomes.length = 0;
    }
    const s = this.family === 4 ? c.index.find4(q.src4) : c.index.find6(q.words, 0);
    const d = this.family === 4 ? c.index.find4(q.dst4) : c.index.find6(q.words, 4);
    const info = c.info;
    const pair = ((s < 0 ? 0 : info[s * 4 + 2]!) << c.dstBits) | (d < 0 ? 0 : info[d * 4 + 3]!);
    const o = c.pairs[pair]!;
    if (o === 0) {
      this.walk(q, undefined);
      this.#outcomes.push(q.rule, q.reason);
      c.pairs[pair] = this.#outcomes.length >> 1;
    } else {
      q.rule = this.#outcomes[2 * o - 2] as CompiledRule | null;
      q.reason = this.#outcomes[2 * o - 1] as NatReason;
    }
    q.srcPool = s < 0 ? -1 : info[s * 4]!;
    q.dstPool = d < 0 ? -1 : info[d * 4 + 1]!;
  }

  /** walk decides a flow of this family into q by walking the rules from the kernel chain's append, tracing when asked. */
  walk(q: FlowQuery, trace: Trace | undefined): void {
    q.rule = null;
    q.reason = 'NO_NAT_POOLS';
    q.srcMasqPool = UNKNOWN;
    q.dstPoolSetPool = UNKNOWN;
    const fired = this.run(this.entry, q, trace, 0);
    if (fired !== null && fired !== RETURNED) {
      q.rule = fired;
      q.reason = 'NAT';
    }
    const masq = this.pool(this.masq, q, false);
    q.srcPool = masq >= 0 ? masq : this.pool(this.any, q, false);
    q.dstPool = this.pool(this.poolSet, q, true);
  }

  #test(m: CompiledMatch, q: FlowQuery): boolean {
    switch (m.code) {
      case MatchCode.SrcSet:
        if (m.pools) return this.pool(m.pools, q, false) >= 0;
        return this.family === 4 ? m.set.containsIPv4(q.src4) : m.set.containsIPv6Words(q.words, 0);
      case MatchCode.NotDstSet:
        if (m.pools) return this.pool(m.pools, q, true) < 0;
        return !(this.family === 4 ? m.set.containsIPv4(q.dst4) : m.set.containsIPv6Words(q.words, 4));
      case MatchCode.Protocol:
        return q.protocol === m.protocol;
      case MatchCode.OutInterface:
        return q.outInterface === undefined || ifaceMatches(m.iface, q.outInterface);
    }
  }

  /**
   * run evaluates rules in order as netfilter does: the first match that fails skips the rule;
   * a jump runs the target chain and continues on its return; RETURN leaves the chain; a NAT
   * action ends the walk. It returns the NAT rule that fires, RETURNED or null (fell off the
   * end). Each NAT rule that misses sets q.reason from its first failing match.
   */
  run(rules: readonly CompiledRule[], q: FlowQuery, trace: Trace | undefined, depth: number): CompiledRule | typeof RETURNED | null {
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      const ms = r.matches;
      let k = 0;
      for (; k < ms.length; k++) {
        const ok = this.#test(ms[k]!, q);
        if (trace) this.#traceMatch(trace, ms[k]!, ok, q);
        if (!ok) break;
      }
      if (k < ms.length) {
        if (r.kind === RuleKind.Nat) q.reason = ms[k]!.reason;
        continue;
      }
      if (r.kind === RuleKind.Return) return RETURNED;
      if (r.kind === RuleKind.Jump) {
        if (trace) this.#traceJump(trace, r);
        if (depth >= MAX_JUMP_DEPTH) continue;
        const res = this.run(r.target, q, trace, depth + 1);
        if (res !== null && res !== RETURNED) return res;
        continue;
      }
      if (trace) addStep(trace, r.actionName, true, describeAction(r.rule.action));
      return r;
    }
    return null;
  }

  #traceJump(t: Trace, r: CompiledRule): void {
    const target = r.rule.action.kind === 'jump' ? r.rule.action.target : '';
    const n = r.target.length;
    let detail = n === 0 ? 'empty chain' : `${n} rule${n === 1 ? '' : 's'}`;
    if (n === 0 && target === CHAIN_NAT_OUTGOING) {
      detail = `empty: no IPv${this.family} pool has natOutgoing, so Felix programs no NAT rule`;
    }
    addStep(t, `${r.chain} jumps to ${target}`, true, detail);
  }

  #traceMatch(t: Trace, m: CompiledMatch, ok: boolean, q: FlowQuery): void {
    const match = m.match;
    switch (match.kind) {
      case 'src-set': {
        const i = this.lookup(this.masq, q, false);
        const other = this.lookup(this.any, q, false);
        const detail = ok
          ? i >= 0
            ? `${t.src} is in ${poolText(this.pools[i]!)}`
            : `${t.src} is a member`
          : other >= 0
            ? `${t.src} is only in ${poolText(this.pools[other]!)}`
            : `${t.src} is in no natOutgoing pool`;
        addStep(t, `src in ${match.set}`, ok, detail);
        return;
      }
      case 'not-dst-set': {
        let detail: string;
        if (m.role === 'hosts') {
          detail = ok ? `${t.dst} is not a host address` : `${t.dst} is a host address (all-hosts-net)`;
        } else {
          const i = this.lookup(this.poolSet, q, true);
          const any = this.lookup(this.any, q, true);
          detail = !ok
            ? i >= 0
              ? `${t.dst} is in ${poolText(this.pools[i]!)}; traffic to a pool keeps its source`
              : `${t.dst} is a member`
            : any >= 0
              ? `${t.dst} is only in ${poolText(this.pools[any]!)}, which is LoadBalancer-only and not in the pool set`
              : `${t.dst} is in no pool`;
        }
        addStep(t, `dst not in ${match.set}`, ok, detail);
        return;
      }
      case 'protocol':
        addStep(
          t,
          `protocol is ${match.protocol}`,
          ok,
          q.protocol === undefined
            ? `protocol not given: evaluated as neither tcp nor udp (${match.protocol} flows match this rule)`
            : `protocol is ${q.protocol}`,
        );
        return;
      case 'out-interface':
        addStep(
          t,
          `egress interface matches ${match.iface}`,
          ok,
          q.outInterface === undefined
            ? `egress interface not given: NAT applies only when it matches ${match.iface}; assuming it does`
            : `${q.outInterface} ${ok ? 'matches' : 'does not match'} ${match.iface}`,
        );
        return;
    }
  }
}

/**
 * CompiledNat is a NatModel compiled for evaluation: the one NAT predicate behind nat explain
 * (single flows with a trace, and batches), whatever the model's origin (built from pools, or
 * read from a host). It walks the model's own rules from the kernel POSTROUTING append, so
 * explain can never disagree with what the renderers print.
 */
export class CompiledNat {
  readonly #v4: CompiledFamily | undefined;
  readonly #v6: CompiledFamily | undefined;

  constructor(model: NatModel, opts: CompileOptions = {}) {
    const compile = (family: Family): CompiledFamily | undefined => {
      const f = model.families.find((m) => m.family === family);
      return f ? new CompiledFamily(f, opts) : undefined;
    };
    this.#v4 = compile(4);
    this.#v6 = compile(6);
  }

  /** pools returns the family's pools, which FlowQuery.srcPool / dstPool index. */
  pools(family: Family): readonly ModelPool[] {
    return (family === 4 ? this.#v4 : this.#v6)?.pools ?? [];
  }

  /**
   * evaluate decides the flow loaded in q and stores rule, reason and pools in it. Families
   * that differ give FAMILY_MISMATCH; a family missing from the model behaves as an empty
   * ruleset (NO_NAT_POOLS). For batches it remembers outcomes: each (src class, dst class)
   * pair is decided once by the rule walk that decide traces, then reused (AddressClasses).
   */
  evaluate(q: FlowQuery): void {
    const f = this.#family(q);
    if (f) f.evaluate(q);
  }

  /**
   * family returns the compiled family of q's flow, or settles the flow itself: different
   * families give FAMILY_MISMATCH, a family missing from the model NO_NAT_POOLS.
   */
  #family(q: FlowQuery): CompiledFamily | undefined {
    const f = q.srcFamily !== q.dstFamily ? undefined : q.srcFamily === 4 ? this.#v4 : this.#v6;
    if (!f) {
      q.rule = null;
      q.reason = q.srcFamily !== q.dstFamily ? 'FAMILY_MISMATCH' : 'NO_NAT_POOLS';
      q.srcPool = -1;
      q.dstPool = -1;
    }
    return f;
  }

  /** decide returns the full decision for one flow, with its trace (spec/cli.md `nat explain -o json`). */
  decide(src: Addr, dst: Addr, flow: NatFlowContext = {}): NatDecision {
    const q = new FlowQuery();
    q.setAddrs(src, dst);
    q.protocol = flow.protocol;
    q.outInterface = flow.outInterface;
    const trace: Trace = { steps: [], seen: new Set(), src: formatAddr(src), dst: formatAddr(dst) };
    const same = src.family === dst.family;
    addStep(
      trace,
      'src and dst are one family',
      same,
      same ? `IPv${src.family}` : `src is IPv${src.family}, dst is IPv${dst.family}: no NAT rule can match`,
    );
    if (same && !(src.family === 4 ? this.#v4 : this.#v6)) {
      addStep(trace, `IPv${src.family} ruleset present`, false, `the model has no IPv${src.family} ruleset`);
    }
    this.#family(q)?.walk(q, trace);
    const pools = this.pools(src.family);
    const rule = q.rule;
    return {
      src: trace.src,
      dst: trace.dst,
      family: src.family,
      nat: rule !== null,
      action: rule ? rule.actionName : 'none',
      toSource: rule ? rule.toSource : null,
      srcPool: q.srcPool >= 0 ? poolRef(pools[q.srcPool]!) : null,
      dstPool: q.dstPool >= 0 ? poolRef(pools[q.dstPool]!) : null,
      reason: q.reason,
      trace: trace.steps,
      rule: rule ? rule.text : null,
    };
  }
}

/** compileNatModel compiles a model for decideNat and batch evaluation. */
export function compileNatModel(model: NatModel, opts: CompileOptions = {}): CompiledNat {
  return new CompiledNat(model, opts);
}

/**
 * decideNat decides one flow against a compiled model: nat, action, toSource, the pools that
 * explain it (srcPool: the most specific natOutgoing pool containing src, else the most
 * specific pool; dstPool: the most specific pool-set pool containing dst; a reporting choice,
 * since set membership itself is "any entry contains"), the reason, the trace and the rule.
 */
export function decideNat(compiled: CompiledNat, src: Addr, dst: Addr, flow: NatFlowContext = {}): NatDecision {
  return compiled.decide(src, dst, flow);
}
