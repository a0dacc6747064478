import type { Addr, AddrValue, Family } from '../net/addr.js';
import { isPrefixUnion, joinedRanges, RangeBuilder, rangesMeet, type RangeList } from '../net/range-list.js';
import { alignedSweeps, classifierOf, samePool } from './class-sweep.js';
import { boundaryPoints, classFeatures, END, type ClassFeatures } from './classes.js';
import type { CompiledFamily, CompiledRule } from './compile.js';
import type { CompiledNat } from './compiled-nat.js';
import type { NatActionName, NatReason } from './decision.js';
import { FlowQuery } from './flow-query.js';
import type { ModelPool } from './model.js';

/**
 * The exact difference between the NAT behaviour of two models (before and after a change),
 * over the whole address space, decided by the predicate nat explain uses.
 *
 * Each model's decision depends on a flow's addresses only through its address classes
 * (classes.ts): the sets the rules test and the pools reported. Cutting the address space at
 * every bound of both models' pools and tested sets gives intervals on which both models'
 * lookups are constant, so a flow's verdict before and after depends only on the joint class
 * of its src interval and of its dst interval. The diff decides one representative flow per
 * pair of joint classes in each model (CompiledNat.evaluate, the walk nat explain traces) and
 * reports every pair whose verdict changes as regions: exact src ranges x exact dst ranges.
 *
 * Regions are stated in the pools' terms: a side of a pair is split by pool where the pool
 * there differs between the models (added, removed, natOutgoing or pool-set membership
 * changed), so each region names the pools that cause it; where the pools are the same in
 * both models, they stay together (all unchanged natOutgoing pools are one src side).
 */

/** PortRange is an action's --to-ports. */
interface PortRange {
  readonly min: number;
  readonly max: number;
}

/**
 * NatVerdict is what happens to a flow: NAT or not, the action and SNAT target, the ports tcp
 * and udp flows get (a port range), the egress interfaces NAT is limited to, and the reason.
 */
export interface NatVerdict {
  readonly nat: boolean;
  readonly action: NatActionName;
  readonly toSource: string | null;
  /** tcpPorts and udpPorts are the --to-ports of the rule tcp / udp flows hit, or null. */
  readonly tcpPorts: PortRange | null;
  readonly udpPorts: PortRange | null;
  /** outInterface is the interface filter of the rule that NATs (`eth+`), or null for any interface. */
  readonly outInterface: string | null;
  readonly reason: NatReason;
}

/** PoolChange is a pool that differs between the models where it is reported: before, after, or both (changed). */
export interface PoolChange {
  readonly before?: ModelPool;
  readonly after?: ModelPool;
}

/**
 * NatDiffSide is one side (sources or destinations) of a region: its exact addresses, the
 * pools explain reports for them in each model (srcPool / dstPool), the pools among those that
 * differ between the models (empty: every pool here is unchanged), the pools that name the
 * side in reports (the changed ones in the state that has them, after first; else the
 * unchanged ones), and whether the addresses are exactly the named pools' CIDRs (whole)
 * rather than a part of them.
 */
export interface NatDiffSide {
  readonly ranges: RangeList;
  readonly before: readonly ModelPool[];
  readonly after: readonly ModelPool[];
  readonly changed: readonly PoolChange[];
  readonly named: readonly ModelPool[];
  readonly whole: boolean;
}

/** NatDiffRegion is a block of flows whose verdict changes: every src in `src` to every dst in `dst`. */
export interface NatDiffRegion {
  readonly family: Family;
  readonly src: NatDiffSide;
  readonly dst: NatDiffSide;
  readonly before: NatVerdict;
  readonly after: NatVerdict;
}

/** sameVerdict reports whether two verdicts are the same behaviour (the reason aside). */
export function sameVerdict(a: NatVerdict, b: NatVerdict): boolean {
  const samePorts = (x: PortRange | null, y: PortRange | null): boolean => (x === null ? y === null : y !== null && x.min === y.min && x.max === y.max);
  return (
    a.nat === b.nat &&
    a.action === b.action &&
    a.toSource === b.toSource &&
    a.outInterface === b.outInterface &&
    samePorts(a.tcpPorts, b.tcpPorts) &&
    samePorts(a.udpPorts, b.udpPorts)
  );
}

const NO_FEATURES: ClassFeatures = { src: [], dst: [], lists: [] };

/** Side is one model's family for the diff: its compiled family (absent: no ruleset), features and pools. */
interface Side {
  readonly family: CompiledFamily | undefined;
  readonly features: ClassFeatures;
  readonly pools: readonly ModelPool[];
}

function sideOf(nat: CompiledNat, family: Family): Side {
  const f = nat.compiledFamily(family);
  if (!f) return { family: undefined, features: NO_FEATURES, pools: [] };
  const features = classFeatures(f);
  // Models poolctl builds test three sets at most; a model with more cannot be classified.
  if (features === null) throw new Error(`nat diff: the IPv${family} rules test too many sets to classify addresses`);
  return { family: f, features, pools: f.pools };
}

/**
 * Group is the intervals of one side with one joint class and one pool split: one changed
 * pool pair (changed), or every interval whose pool is the same in both models.
 */
class Group {
  /**
   * bounds are the group's intervals as [first, last, ...], in address order (the sweep's),
   * disjoint but maybe adjacent: a plain array, as most groups hold one changed pool's one
   * interval (a RangeBuilder each cost a typed array, and the big diff ~1,000 of them).
   */
  readonly bounds: AddrValue[] = [];
  /**
   * before and after are the pools reported in the group, as indexes into each model's pools,
   * in address order; a run of intervals in one pool adds its index once (SideMaker sorts and
   * drops the repeats left): cheaper than a Set for the 10,000 unchanged pools of a big diff.
   */
  readonly before: number[] = [];
  readonly after: number[] = [];

  constructor(
    /** rep is the first address of the group's first interval: a representative. */
    readonly rep: AddrValue,
    /** repA and repB are the pools reported for rep in each model (as src or as dst: the side's), or -1. */
    readonly repA: number,
    readonly repB: number,
    readonly changed: boolean,
  ) {}
}

/** SAME is the split key of the intervals whose pool is the same in both models (a changed pair's key is >= 0). */
const SAME = -1;

/** JointClasses are one side's groups by joint class key, then by pool split key (SAME, or the changed pair's). */
type JointClasses = Map<number, Map<number, Group>>;

/** sameAdd adds an interval to a group, with its pools in each model (or -1), as addTo does. */
function sameAdd(g: Group, first: AddrValue, last: AddrValue, poolA: number, poolB: number): void {
  g.bounds.push(first, last);
  if (poolA >= 0 && g.before[g.before.length - 1] !== poolA) g.before.push(poolA);
  if (poolB >= 0 && g.after[g.after.length - 1] !== poolB) g.after.push(poolB);
}

function addTo(classes: JointClasses, key: number, split: number, first: AddrValue, last: AddrValue, poolA: number, poolB: number): void {
  let bySplit = classes.get(key);
  if (!bySplit) classes.set(key, (bySplit = new Map()));
  let g = bySplit.get(split);
  if (!g) bySplit.set(split, (g = new Group(first, poolA, poolB, split !== SAME)));
  sameAdd(g, first, last, poolA, poolB);
}

/**
 * JointGroups are the groups of both sides of a joint sweep (jointClasses), filled a run of
 * intervals at a time, and the addresses of either model's pool-set pools.
 */
class JointGroups {
  readonly src: JointClasses = new Map();
  readonly dst: JointClasses = new Map();
  readonly poolSet: RangeBuilder;
  /** width makes a changed pair's key: the two pool indexes (-1 for none) as one number. */
  readonly #width: number;
  readonly #srcShift: number;
  readonly #dstShift: number;
  /** sameSrc and sameDst are the SAME groups by class key, for addShared. */
  readonly #sameSrc = new Map<number, Group>();
  readonly #sameDst = new Map<number, Group>();

  constructor(
    family: Family,
    private readonly a: Side,
    private readonly b: Side,
  ) {
    this.poolSet = new RangeBuilder(family);
    this.#width = b.pools.length + 1;
    this.#srcShift = a.features.src.length;
    this.#dstShift = a.features.dst.length;
  }

  /** add files the interval [first, last], whose answers in both models are r[0..3] and r[4..7] (Classifier's). */
  add(first: AddrValue, last: AddrValue, r: Int32Array): void {
    const sa = r[0]!;
    const da = r[1]!;
    const sb = r[4]!;
    const db = r[5]!;
    const pa = this.a.pools;
    const pb = this.b.pools;
    const w = this.#width;
    const srcSplit = samePool(pa[sa], pb[sb]) ? SAME : (sa + 1) * w + sb + 1;
    const dstSplit = samePool(pa[da], pb[db]) ? SAME : (da + 1) * w + db + 1;
    addTo(this.src, r[2]! | (r[6]! << this.#srcShift), srcSplit, first, last, sa, sb);
    addTo(this.dst, r[3]! | (r[7]! << this.#dstShift), dstSplit, first, last, da, db);
    if (da >= 0 || db >= 0) this.poolSet.add(first, last);
  }

  /**
   * addShared is add for an interval where both models hold the same pools (outside an
   * aligned sweep's `changed`): its pools are the same in both (split SAME) and r[4..7] are
   * r[0..3] mapped, so it joins the SAME groups of its classes, kept at hand by key.
   */
  addShared(first: AddrValue, last: AddrValue, r: Int32Array): void {
    const srcKey = r[2]! | (r[6]! << this.#srcShift);
    const dstKey = r[3]! | (r[7]! << this.#dstShift);
    const sg = this.#sameSrc.get(srcKey);
    const dg = this.#sameDst.get(dstKey);
    if (sg === undefined || dg === undefined) {
      this.add(first, last, r);
      this.#sameSrc.set(srcKey, this.src.get(srcKey)!.get(SAME)!);
      this.#sameDst.set(dstKey, this.dst.get(dstKey)!.get(SAME)!);
      return;
    }
    sameAdd(sg, first, last, r[0]!, r[4]!);
    sameAdd(dg, first, last, r[1]!, r[5]!);
    if (r[1]! >= 0) this.poolSet.add(first, last);
  }
}

/** NO_CLASS is the class of every address in a family a model lacks: no pool, no set. */
const NO_CLASS: readonly number[] = [-1, -1, 0, 0];

/** JointSweep is jointClasses' result: each side's groups, and the addresses of either model's pool-set pools. */
interface JointSweep {
  readonly src: JointClasses;
  readonly dst: JointClasses;
  readonly poolSet: RangeList;
}

/**
 * jointClasses cuts the family's address space at both models' bounds and groups the
 * intervals, as sources and as destinations, by their joint class (the bits of both models)
 * and by pool split (see the module comment). Each model answers by a sweep in address order
 * (class-sweep.ts). On the way it collects the addresses that either model's pool set holds
 * (a pool-set pool is reported for them as dst): what "outside the IP pools" leaves out.
 */
function jointClasses(family: Family, a: Side, b: Side, opts: DiffNatOptions): JointSweep {
  const lookups = opts.lookups === true;
  // the models' shared pools answer alike outside `changed`: the after sweep is asked only inside
  const aligned = a.family && b.family && !lookups && opts.aligned !== false ? alignedSweeps(a.family, a.features, b.family, b.features) : null;
  const points = boundaryPoints(
    family,
    aligned ? aligned.bounds : [a, b].filter((s) => s.family !== undefined).map((s) => ({ pools: s.pools, lists: s.features.lists })),
  );
  const ca = aligned ? aligned.a : a.family ? classifierOf(a.family, a.features, lookups) : null;
  const cb = aligned ? aligned.b : b.family ? classifierOf(b.family, b.features, lookups) : null;
  const aToB = aligned?.aToB;
  const changed = aligned?.changed ?? [];
  let u = 0;
  const at = new Int32Array(8);
  const groups = new JointGroups(family, a, b);
  // a run of intervals with the same answers in both models is one interval
  let runFirst: AddrValue = 0;
  let inRun = false;
  // shared: no pool of only one model at this point (an aligned sweep's outside `changed`), and so for the run
  let shared = false;
  let runShared = false;
  const run = new Int32Array(8);
  for (let k = 0; k + 1 < points.length; k++) {
    const first = points[k]!;
    if (ca) ca.at(first, at, 0);
    else at.set(NO_CLASS, 0);
    if (aToB) {
      while (u < changed.length && changed[u + 1]! <= first) u += 2;
      shared = !(u < changed.length && changed[u]! <= first);
      if (!shared) cb!.at(first, at, 4);
      else {
        // no pool of only one model here: the same pools, the same bits
        at[4] = at[0]! >= 0 ? aToB[at[0]!]! : -1;
        at[5] = at[1]! >= 0 ? aToB[at[1]!]! : -1;
        at[6] = at[2]!;
        at[7] = at[3]!;
      }
    } else if (cb) cb.at(first, at, 4);
    else at.set(NO_CLASS, 4);
    let same = inRun;
    for (let i = 0; same && i < 8; i++) same = at[i] === run[i];
    if (same) continue;
    if (inRun) {
      const last = family === 4 ? (first as number) - 1 : (first as bigint) - 1n;
      if (runShared) groups.addShared(runFirst, last, run);
      else groups.add(runFirst, last, run);
    }
    runFirst = first;
    runShared = shared;
    inRun = true;
    run.set(at);
  }
  const end = END[family];
  if (inRun) {
    const last = family === 4 ? (end as number) - 1 : (end as bigint) - 1n;
    if (runShared) groups.addShared(runFirst, last, run);
    else groups.add(runFirst, last, run);
  }
  return { src: groups.src, dst: groups.dst, poolSet: groups.poolSet.build() };
}

/** poolsAt returns the pools at the indexes of all the lists, once each, in index order. */
function poolsAt(pools: readonly ModelPool[], lists: readonly (readonly number[])[]): ModelPool[] {
  let n = 0;
  for (let k = 0; k < lists.length; k++) n += lists[k]!.length;
  const all = new Int32Array(n);
  n = 0;
  for (let k = 0; k < lists.length; k++) {
    const l = lists[k]!;
    for (let i = 0; i < l.length; i++) all[n++] = l[i]!;
  }
  all.sort();
  const out: ModelPool[] = [];
  for (let k = 0; k < all.length; k++) if (k === 0 || all[k] !== all[k - 1]) out.push(pools[all[k]!]!);
  return out;
}

/**
 * SideMaker turns groups into NatDiffSides, each group's (and each class's union) once, so that
 * regions share the pool lists of big groups (all unchanged natOutgoing pools) instead of
 * copying them.
 */
class SideMaker {
  readonly #groups = new Map<Group, NatDiffSide>();
  readonly #unions = new Map<Map<number, Group>, NatDiffSide>();

  constructor(
    private readonly family: Family,
    private readonly a: Side,
    private readonly b: Side,
  ) {}

  /** of is the side of one group. */
  of(g: Group): NatDiffSide {
    let side = this.#groups.get(g);
    if (!side) this.#groups.set(g, (side = this.#make([g])));
    return side;
  }

  /** union is the side of every group of a class together. */
  union(groups: Map<number, Group>): NatDiffSide {
    let side = this.#unions.get(groups);
    if (!side) this.#unions.set(groups, (side = groups.size === 1 ? this.of(groups.values().next().value!) : this.#make([...groups.values()])));
    return side;
  }

  #make(gs: readonly Group[]): NatDiffSide {
    const changed: PoolChange[] = [];
    let list: RangeList;
    if (gs.length === 1) list = joinedRanges(this.family, gs[0]!.bounds);
    else {
      const ranges = new RangeBuilder(this.family);
      for (const g of gs) for (let i = 0; i < g.bounds.length; i += 2) ranges.add(g.bounds[i]!, g.bounds[i + 1]!);
      list = ranges.build();
    }
    for (const g of gs) {
      if (!g.changed) continue;
      const [x] = g.before;
      const [y] = g.after;
      changed.push({ ...(x !== undefined ? { before: this.a.pools[x]! } : {}), ...(y !== undefined ? { after: this.b.pools[y]! } : {}) });
    }
    const pools = {
      before: poolsAt(this.a.pools, gs.map((g) => g.before)),
      after: poolsAt(this.b.pools, gs.map((g) => g.after)),
    };
    const named = changed.length > 0 ? changed.map((c) => (c.after ?? c.before)!) : pools.after.length > 0 ? pools.after : pools.before;
    const whole = named.length > 0 && isPrefixUnion(list, named.map((p) => p.prefix));
    return { ranges: list, ...pools, changed, named, whole };
  }
}

/** KnownPools are a flow's pool lookups the rule walk makes, found by the caller: indexes into the family's pools, or -1. */
export interface KnownPools {
  readonly srcMasq: number;
  readonly dstPoolSet: number;
}

/**
 * NatVerdicts decides flows into NatVerdicts in one compiled model, with the evaluation nat
 * explain uses: the protocol-less flow, then tcp and udp for their port ranges.
 */
export class NatVerdicts {
  readonly #q = new FlowQuery();

  constructor(private readonly nat: CompiledNat) {}

  /**
   * rule decides src -> dst for a protocol (undefined: neither tcp nor udp) and returns the
   * rule that fires and the reason. With `known`, the walk takes the pools it would look up
   * (the most specific natOutgoing pool holding src, the most specific pool-set pool holding
   * dst, or -1) from the caller, who found them without a lookup.
   */
  rule(src: Addr, dst: Addr, protocol: string | undefined, known?: KnownPools): [CompiledRule | null, NatReason] {
    const q = this.#q;
    q.setAddrs(src, dst);
    q.protocol = protocol;
    q.outInterface = undefined;
    // A diff decides a few representatives per class pair: walking beats building classes.
    if (known) {
      q.srcMasqPool = known.srcMasq;
      q.dstPoolSetPool = known.dstPoolSet;
      this.nat.walkKnown(q);
    } else this.nat.walk(q);
    return [q.rule, q.reason];
  }

  /** verdict decides the flow src -> dst (with `known`, as rule says). */
  verdict(src: Addr, dst: Addr, known?: KnownPools): NatVerdict {
    const [rule, reason] = this.rule(src, dst, undefined, known);
    const ports = (r: CompiledRule | null): PortRange | null => {
      const a = r?.rule.action;
      return a && (a.kind === 'masquerade' || a.kind === 'snat') && a.toPorts ? a.toPorts : null;
    };
    const iface = rule?.rule.matches.find((m) => m.kind === 'out-interface');
    return {
      nat: rule !== null,
      action: rule ? rule.actionName : 'none',
      toSource: rule ? rule.toSource : null,
      tcpPorts: ports(this.rule(src, dst, 'tcp', known)[0]),
      udpPorts: ports(this.rule(src, dst, 'udp', known)[0]),
      outInterface: iface?.kind === 'out-interface' ? iface.iface : null,
      reason,
    };
  }
}

function addrOf(family: Family, v: AddrValue): Addr {
  return { family, value: BigInt(v) };
}

/** NatDiffResult is diffNatReport's: the regions, and per family the addresses of either model's pool-set pools. */
export interface NatDiffResult {
  readonly regions: NatDiffRegion[];
  readonly poolSets: Readonly<Record<Family, RangeList>>;
}

/**
 * diffNat returns the regions of flows whose verdict differs between two compiled models,
 * per family (IPv4 first), ordered by src then dst. Every flow of a pair of joint classes has
 * the verdicts of the pair's representative; for a pair whose verdict changes, each of its
 * flows is in exactly one region: every changed source pool to all the pair's destinations,
 * then the unchanged sources to each changed destination pool, then to the unchanged
 * destinations. Flows between families never NAT in either model, so they never change.
 * Throws only for a model whose rules test more sets than address classes allow (never one
 * poolctl builds).
 */
export function diffNat(before: CompiledNat, after: CompiledNat): NatDiffRegion[] {
  return diffNatReport(before, after).regions;
}

/**
 * DiffNatOptions: lookups classifies addresses by classAt's lookups instead of the sweep (the
 * reference the sweep is tested against; slower: it builds the pool tables); aligned: false
 * sweeps both models everywhere instead of asking the after model only where the models'
 * pools differ (alignedSweeps; the general sweep is the reference the aligned one is tested
 * against).
 */
export interface DiffNatOptions {
  readonly lookups?: boolean;
  readonly aligned?: boolean;
}

/**
 * diffNatReport is diffNat with, per family, the addresses of the pool-set pools of either
 * model (what nat diff's "outside the IP pools" leaves out), found by the same sweep.
 */
export function diffNatReport(before: CompiledNat, after: CompiledNat, opts: DiffNatOptions = {}): NatDiffResult {
  const out: NatDiffRegion[] = [];
  const poolSets = {} as Record<Family, RangeList>;
  const vb = new NatVerdicts(before);
  const va = new NatVerdicts(after);
  for (const family of [4, 6] as const) {
    const a = sideOf(before, family);
    const b = sideOf(after, family);
    const { src, dst, poolSet } = jointClasses(family, a, b, opts);
    poolSets[family] = poolSet;
    const sides = new SideMaker(family, a, b);
    const first = (m: Map<number, Group>): Group => m.values().next().value!;
    // the walk's lookups for a representative, from the pools the sweep found for it
    const masqOf = (pools: readonly ModelPool[], i: number): number => (i >= 0 && pools[i]!.natOutgoing ? i : -1);
    for (const srcGroups of src.values()) {
      const sg0 = first(srcGroups);
      const s = addrOf(family, sg0.rep);
      for (const dstGroups of dst.values()) {
        const dg0 = first(dstGroups);
        const d = addrOf(family, dg0.rep);
        const was = vb.verdict(s, d, { srcMasq: masqOf(a.pools, sg0.repA), dstPoolSet: dg0.repA });
        const now = va.verdict(s, d, { srcMasq: masqOf(b.pools, sg0.repB), dstPoolSet: dg0.repB });
        if (sameVerdict(was, now)) continue;
        const region = (x: NatDiffSide, y: NatDiffSide): void => {
          out.push({ family, src: x, dst: y, before: was, after: now });
        };
        for (const sg of srcGroups.values()) if (sg.changed) region(sides.of(sg), sides.union(dstGroups));
        const same = srcGroups.get(SAME);
        if (!same) continue;
        for (const dg of dstGroups.values()) if (dg.changed) region(sides.of(same), sides.of(dg));
        const rest = dstGroups.get(SAME);
        if (rest) region(sides.of(same), sides.of(rest));
      }
    }
  }
  const firstOf = (l: RangeList): AddrValue => l.bounds[0]!;
  const regions = out.sort((x, y) => x.family - y.family || cmp(firstOf(x.src.ranges), firstOf(y.src.ranges)) || cmp(firstOf(x.dst.ranges), firstOf(y.dst.ranges)));
  return { regions, poolSets };
}

function cmp(a: AddrValue, b: AddrValue): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** regionContains reports whether the flow src -> dst (of the region's family) is in the region. */
export function regionContains(r: NatDiffRegion, src: Addr, dst: Addr): boolean {
  const at = (l: RangeList, v: bigint): boolean => (l.family === 4 ? rangesMeet(l, Number(v), Number(v)) : rangesMeet(l, v, v));
  return src.family === r.family && dst.family === r.family && at(r.src.ranges, src.value) && at(r.dst.ranges, dst.value);
}
