import { formatAddr, type Addr, type Family } from '../net/addr.js';
import { classify, type AddressClasses } from './classes.js';
import {
  compileFamily,
  MatchCode,
  RuleKind,
  type CompiledFamily,
  type CompiledMatch,
  type CompiledRule,
  type CompileOptions,
  type PoolIndex,
} from './compile.js';
import type { NatDecider, NatDecision, NatFlowContext, NatPoolRef, NatReason } from './decision.js';
import { FlowQuery, lookupFlow, UNKNOWN } from './flow-query.js';
import type { FamilyNatModel, ModelPool, NatModel } from './model.js';
import { newTrace, traceAction, traceFamilies, traceJump, traceMatch, type Trace } from './trace.js';

const MAX_JUMP_DEPTH = 16;
const RETURNED = 'return';

/** ifaceMatches reports whether an interface name matches an iptables interface pattern ("eth+" = prefix "eth"). */
function ifaceMatches(pattern: string, iface: string): boolean {
  return pattern.endsWith('+') ? iface.startsWith(pattern.slice(0, -1)) : iface === pattern;
}

function poolRef(p: ModelPool): NatPoolRef {
  return { name: p.name, cidr: p.cidr, natOutgoing: p.natOutgoing, disabled: p.disabled, ...(p.orphan ? { orphan: true as const } : {}) };
}

/**
 * FamilyEvaluator decides the flows of one family of a compiled model (CompiledFamily): by
 * walking its rules as netfilter does (walk, run), and for batches from the outcome it keeps
 * per pair of address classes (evaluate).
 */
class FamilyEvaluator {
  /** compiled is the family's model, compiled (compileFamily). */
  readonly compiled: CompiledFamily;
  /** classes are built by the first evaluate (null: too many sets to classify). */
  #classes: AddressClasses | null | undefined = undefined;
  /** outcomes are the rule and reason of each decided class pair, two entries each; pairs index them from 1. */
  readonly #outcomes: (CompiledRule | null | NatReason)[] = [];
  /** protocol and outInterface are the flow context the cached outcomes hold for. */
  #protocol: string | undefined = undefined;
  #outInterface: string | undefined = undefined;

  constructor(model: FamilyNatModel, opts: CompileOptions) {
    this.compiled = compileFamily(model, opts);
  }

  /** pool returns the most specific pool of ix holding src (or dst), caching the two lookups the walk repeats. */
  pool(ix: PoolIndex, q: FlowQuery, dst: boolean): number {
    const c = this.compiled;
    if (ix === c.masq && !dst) {
      if (q.srcMasqPool === UNKNOWN) q.srcMasqPool = lookupFlow(c.family, ix, q, false);
      return q.srcMasqPool;
    }
    if (ix === c.poolSet && dst) {
      if (q.dstPoolSetPool === UNKNOWN) q.dstPoolSetPool = lookupFlow(c.family, ix, q, true);
      return q.dstPoolSetPool;
    }
    return lookupFlow(c.family, ix, q, dst);
  }

  /**
   * evaluate decides a flow of this family into q: from the address classes of src and dst
   * and the outcome cached for their pair, walking the rules (walk) only for a pair not seen
   * yet (or when the rules test too many sets to classify).
   */
  evaluate(q: FlowQuery): void {
    if (this.#classes === undefined) this.#classes = classify(this.compiled);
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
    const v4 = this.compiled.family === 4;
    const s = v4 ? c.index.find4(q.src4) : c.index.find6(q.words, 0);
    const d = v4 ? c.index.find4(q.dst4) : c.index.find6(q.words, 4);
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

  /**
   * walk decides a flow of this family into q by walking the rules from the kernel chain's
   * append, tracing when asked. With `known`, q.srcMasqPool and q.dstPoolSetPool are already
   * answered (walkKnown) and the reported pools (srcPool, dstPool) are left as they are.
   */
  walk(q: FlowQuery, trace: Trace | undefined, known = false): void {
    q.rule = null;
    q.reason = 'NO_NAT_POOLS';
    if (!known) {
      q.srcMasqPool = UNKNOWN;
      q.dstPoolSetPool = UNKNOWN;
    }
    const { entry, masq, any, poolSet } = this.compiled;
    const fired = this.run(entry, q, trace, 0);
    if (fired !== null && fired !== RETURNED) {
      q.rule = fired;
      q.reason = 'NAT';
    }
    if (known) return;
    const src = this.pool(masq, q, false);
    q.srcPool = src >= 0 ? src : this.pool(any, q, false);
    q.dstPool = this.pool(poolSet, q, true);
  }

  #test(m: CompiledMatch, q: FlowQuery): boolean {
    switch (m.code) {
      case MatchCode.SrcSet:
        if (m.pools) return this.pool(m.pools, q, false) >= 0;
        return this.compiled.family === 4 ? m.set.containsIPv4(q.src4) : m.set.containsIPv6Words(q.words, 0);
      case MatchCode.NotDstSet:
        if (m.pools) return this.pool(m.pools, q, true) < 0;
        return !(this.compiled.family === 4 ? m.set.containsIPv4(q.dst4) : m.set.containsIPv6Words(q.words, 4));
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
        if (trace) traceMatch(trace, this.compiled, ms[k]!, ok, q);
        if (!ok) break;
      }
      if (k < ms.length) {
        if (r.kind === RuleKind.Nat) q.reason = ms[k]!.reason;
        continue;
      }
      if (r.kind === RuleKind.Return) return RETURNED;
      if (r.kind === RuleKind.Jump) {
        if (trace) traceJump(trace, this.compiled, r);
        if (depth >= MAX_JUMP_DEPTH) continue;
        const res = this.run(r.target, q, trace, depth + 1);
        if (res !== null && res !== RETURNED) return res;
        continue;
      }
      if (trace) traceAction(trace, r);
      return r;
    }
    return null;
  }
}

/**
 * CompiledNat is a NatModel compiled for evaluation: the one NAT predicate behind nat explain
 * (single flows with a trace, and batches), whatever the model's origin (built from pools, or
 * read from a host). It walks the model's own rules from the kernel POSTROUTING append, so
 * explain can never disagree with what the renderers print.
 */
export class CompiledNat implements NatDecider {
  readonly #v4: FamilyEvaluator | undefined;
  readonly #v6: FamilyEvaluator | undefined;

  constructor(model: NatModel, opts: CompileOptions = {}) {
    const compile = (family: Family): FamilyEvaluator | undefined => {
      const f = model.families.find((m) => m.family === family);
      return f ? new FamilyEvaluator(f, opts) : undefined;
    };
    this.#v4 = compile(4);
    this.#v6 = compile(6);
  }

  /**
   * walk decides the flow loaded in q as evaluate does, by walking the rules every time
   * (without building address classes): for callers that decide a few flows of a big model.
   */
  walk(q: FlowQuery): void {
    this.#family(q)?.walk(q, undefined);
  }

  /**
   * walkKnown is walk for a caller that has already found the two pools the walk looks up
   * (q.srcMasqPool: the most specific natOutgoing pool holding src; q.dstPoolSetPool: the most
   * specific pool-set pool holding dst; -1 for none): it sets rule and reason only, and looks
   * no pool up (nat diff's sweep knows them, and the pool tables need not be built).
   */
  walkKnown(q: FlowQuery): void {
    this.#family(q)?.walk(q, undefined, true);
  }

  /** compiledFamily returns the family's compiled model, or undefined when the model lacks the family. */
  compiledFamily(family: Family): CompiledFamily | undefined {
    return (family === 4 ? this.#v4 : this.#v6)?.compiled;
  }

  /** pools returns the family's pools, which FlowQuery.srcPool / dstPool index. */
  pools(family: Family): readonly ModelPool[] {
    return (family === 4 ? this.#v4 : this.#v6)?.compiled.pools ?? [];
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
  #family(q: FlowQuery): FamilyEvaluator | undefined {
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
    const trace = newTrace(formatAddr(src), formatAddr(dst));
    traceFamilies(trace, src.family, dst.family, (src.family === 4 ? this.#v4 : this.#v6) !== undefined);
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
