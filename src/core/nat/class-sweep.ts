import { ipv6ValueToWords, type AddrValue } from '../net/addr.js';
import { lastAddrValue, POW2 } from '../net/prefix.js';
import { sameRanges } from '../net/range-list.js';
import { classAt, type BoundSource, type ClassFeatures, type PoolBounds } from './classes.js';
import type { CompiledFamily, PoolIndex } from './compile.js';
import type { ModelPool } from './model.js';

/**
 * Classifier writes classAt's answers about an address into out[o..o+3] (src pool, dst pool,
 * src bits, dst bits). Addresses must be asked in increasing order; the lookups answer any
 * address, the sweep any address in increasing order (points boundaryPoints gives, or some of them).
 */
export interface Classifier {
  at(x: AddrValue, out: Int32Array, o: number): void;
}

/** FeatureKind says how ClassSweep answers a feature: from the stack (by the pools of masq, any or poolSet) or from a set's ranges. */
const enum FeatureKind {
  Masq,
  Any,
  PoolSet,
  Ranges,
}

/** featureKind says how ClassSweep answers a feature of the family. */
function featureKind(f: CompiledFamily, feature: ClassFeatures['src'][number]): FeatureKind {
  return feature === f.masq ? FeatureKind.Masq : feature === f.any ? FeatureKind.Any : feature === f.poolSet ? FeatureKind.PoolSet : FeatureKind.Ranges;
}

/** poolBounds returns the PoolBounds of a family's pools. */
function poolBounds(f: CompiledFamily): PoolBounds {
  const n = f.pools.length;
  if (f.family === 6) return { first: f.pools.map((p) => p.prefix.value), end: f.pools.map((p) => lastAddrValue(p.prefix) + 1n) };
  const first = new Float64Array(n);
  const end = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = f.pools[i]!.prefix;
    first[i] = Number(p.value);
    end[i] = first[i]! + POW2[32 - p.bits]!;
  }
  return { first, end };
}

/**
 * sweepable reports whether pools with these bounds are sorted by first address, then by
 * length (the longer first: it ends later), with no two alike: ClassSweep's premise.
 */
function sweepable({ first, end }: PoolBounds): boolean {
  for (let i = 1; i < first.length; i++) if (!(first[i - 1]! < first[i]! || (first[i - 1] === first[i] && end[i - 1]! > end[i]!))) return false;
  return true;
}

/**
 * ClassSweep is the Classifier of a family whose pools are sorted by prefix with no two alike
 * (what buildNatModel makes): it walks the pools in address order with a stack of those that
 * hold the current address (a pool comes after every pool that contains it, and prefixes
 * nest or are disjoint), so the most specific pool of an index is the topmost of its pools
 * on the stack; each tested set that is not some pools is walked with a cursor on its ranges.
 * No lookup table is built: nat diff asks at every bound of two 10,000-pool models, and
 * building the tables cost more than all its questions.
 */
class ClassSweep implements Classifier {
  /** first and end are each pool's first address and the address after its last (numbers for IPv4, bigints for IPv6). */
  readonly #first: ArrayLike<AddrValue>;
  readonly #end: ArrayLike<AddrValue>;
  /** inMasq and inPoolSet flag the pools of the masq and pool-set indexes. */
  readonly #inMasq: Uint8Array;
  readonly #inPoolSet: Uint8Array;
  readonly #stack: Int32Array;
  #sp = 0;
  #next = 0;
  /** kinds and bounds say how each feature (src features, then dst) is answered; cursors walk the Ranges features' bounds. */
  readonly #kinds: FeatureKind[] = [];
  readonly #bounds: (ArrayLike<AddrValue> | null)[] = [];
  readonly #cursors: number[] = [];
  readonly #srcCount: number;

  constructor(f: CompiledFamily, x: ClassFeatures, bounds: PoolBounds = poolBounds(f)) {
    const n = f.pools.length;
    this.#first = bounds.first;
    this.#end = bounds.end;
    const flags = (ix: PoolIndex): Uint8Array => {
      const out = new Uint8Array(n);
      const ids = ix.pools;
      for (let i = 0; i < ids.length; i++) out[ids[i]!] = 1;
      return out;
    };
    this.#inMasq = flags(f.masq);
    this.#inPoolSet = flags(f.poolSet);
    this.#stack = new Int32Array(n + 1);
    let lists = 0;
    for (const feature of [...x.src, ...x.dst]) {
      const kind = featureKind(f, feature);
      this.#kinds.push(kind);
      this.#bounds.push(kind === FeatureKind.Ranges ? x.lists[lists++]!.bounds : null);
      this.#cursors.push(0);
    }
    this.#srcCount = x.src.length;
  }

  at(x: AddrValue, out: Int32Array, o: number): void {
    const first = this.#first;
    const end = this.#end;
    const stack = this.#stack;
    let sp = this.#sp;
    while (sp > 0 && end[stack[sp - 1]!]! <= x) sp--;
    let next = this.#next;
    for (; next < first.length && first[next]! <= x; next++) {
      // a pool that ends at or before x does not hold it (and holds no later address): skip it
      if (end[next]! <= x) continue;
      while (sp > 0 && end[stack[sp - 1]!]! <= first[next]!) sp--;
      stack[sp++] = next;
    }
    this.#next = next;
    this.#sp = sp;
    const any = sp > 0 ? stack[sp - 1]! : -1;
    let masq = -1;
    for (let k = sp - 1; k >= 0 && masq < 0; k--) if (this.#inMasq[stack[k]!] === 1) masq = stack[k]!;
    let poolSet = -1;
    for (let k = sp - 1; k >= 0 && poolSet < 0; k--) if (this.#inPoolSet[stack[k]!] === 1) poolSet = stack[k]!;
    out[o] = masq >= 0 ? masq : any;
    out[o + 1] = poolSet;
    let srcBits = 0;
    let dstBits = 0;
    const kinds = this.#kinds;
    for (let i = 0; i < kinds.length; i++) {
      let has: boolean;
      switch (kinds[i]) {
        case FeatureKind.Masq:
          has = masq >= 0;
          break;
        case FeatureKind.Any:
          has = any >= 0;
          break;
        case FeatureKind.PoolSet:
          has = poolSet >= 0;
          break;
        default: {
          const b = this.#bounds[i]!;
          let j = this.#cursors[i]!;
          while (j < b.length && b[j + 1]! < x) j += 2;
          this.#cursors[i] = j;
          has = j < b.length && b[j]! <= x;
        }
      }
      if (!has) continue;
      if (i < this.#srcCount) srcBits |= 1 << i;
      else dstBits |= 1 << (i - this.#srcCount);
    }
    out[o + 2] = srcBits;
    out[o + 3] = dstBits;
  }
}

/** LookupClassifier is the Classifier of any family: classAt's lookups at each address (the pool tables built on first use). */
class LookupClassifier implements Classifier {
  readonly #w = new Uint32Array(4);

  constructor(
    private readonly f: CompiledFamily,
    private readonly x: ClassFeatures,
  ) {}

  at(x: AddrValue, out: Int32Array, o: number): void {
    if (this.f.family === 4) this.#w[0] = x as number;
    else ipv6ValueToWords(x as bigint, this.#w, 0);
    classAt(this.f, this.x, this.#w, out, o);
  }
}

/**
 * classifierOf returns a Classifier for a family: a sweep when its pools allow one (always
 * for models buildNatModel makes) unless `lookups` asks for classAt's lookups (the reference
 * the sweep is tested against), else lookups. Both give classAt's answers.
 */
export function classifierOf(f: CompiledFamily, x: ClassFeatures, lookups = false): Classifier {
  if (lookups) return new LookupClassifier(f, x);
  const bounds = poolBounds(f);
  return sweepable(bounds) ? new ClassSweep(f, x, bounds) : new LookupClassifier(f, x);
}

/**
 * AlignedSweeps are two models' sweeps of one family, aligned for nat diff. The after model
 * mostly holds the before model's pools (samePool: the very ModelPool objects when nat diff's
 * after build reuses them), so outside the addresses that some pool of only one model
 * covers (`changed`), both models hold the same pools in the same nesting: there the after
 * model's answers are the before model's with each pool index mapped by aToB (the bits
 * are the same when both models test the same features), and the after sweep need only be
 * asked inside `changed`.
 */
export interface AlignedSweeps {
  readonly a: Classifier;
  readonly b: Classifier;
  /** aToB maps a before pool's index to the same pool's index in the after model (samePool), or -1 (a pool only the before model has). */
  readonly aToB: Int32Array;
  /** changed are the addresses some pool of only one model covers, as [first, end) pairs: sorted, disjoint. */
  readonly changed: readonly AddrValue[];
  /** bounds are every bound that cuts either model's classes (boundaryPoints' sources): the before model's, and the after model's own pools. */
  readonly bounds: readonly BoundSource[];
}

/** LOOKAHEAD is how many before pools the alignment looks past (removed pools) for an after pool. */
const LOOKAHEAD = 8;

/** MOST_OWN is how many pools of only one model alignedSweeps accepts however few the models share. */
const MOST_OWN = 64;

/**
 * samePool reports whether two models report the same pool for an address (the same name,
 * CIDR and NAT role: the same object, as the after model mostly holds), or none in both.
 */
export function samePool(a: ModelPool | undefined, b: ModelPool | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return a.name === b.name && a.cidr === b.cidr && a.natOutgoing === b.natOutgoing && a.inPoolSet === b.inPoolSet;
}

/** sameFeatures reports whether two families' rules test the same features, answered the same way (Ranges: the same ranges). */
function sameFeatures(fa: CompiledFamily, xa: ClassFeatures, fb: CompiledFamily, xb: ClassFeatures): boolean {
  if (xa.src.length !== xb.src.length || xa.dst.length !== xb.dst.length || xa.lists.length !== xb.lists.length) return false;
  const a = [...xa.src, ...xa.dst];
  const b = [...xb.src, ...xb.dst];
  for (let i = 0; i < a.length; i++) if (featureKind(fa, a[i]!) !== featureKind(fb, b[i]!)) return false;
  for (let i = 0; i < xa.lists.length; i++) if (!sameRanges(xa.lists[i]!, xb.lists[i]!)) return false;
  return true;
}

/**
 * alignedSweeps aligns two models' families for a joint sweep (AlignedSweeps), or returns
 * null when it cannot or would not pay: the families test other features, a family's pools
 * are not in sweep order, or the models share few pools. An after pool is the before pool
 * it is the same as (samePool, found walking both in order); any pool not found so is one
 * model's own and its addresses are in `changed`, where both sweeps answer, so the answers do
 * not depend on how many pools are found.
 */
export function alignedSweeps(fa: CompiledFamily, xa: ClassFeatures, fb: CompiledFamily, xb: ClassFeatures): AlignedSweeps | null {
  if (fa.family !== fb.family || !sameFeatures(fa, xa, fb, xb)) return null;
  const boundsA = poolBounds(fa);
  if (!sweepable(boundsA)) return null;
  const pa = fa.pools;
  const pb = fb.pools;
  const na = pa.length;
  const nb = pb.length;
  const v4 = fa.family === 4;
  const firstB: AddrValue[] | Float64Array = v4 ? new Float64Array(nb) : new Array<AddrValue>(nb);
  const endB: AddrValue[] | Float64Array = v4 ? new Float64Array(nb) : new Array<AddrValue>(nb);
  const aToB = new Int32Array(na).fill(-1);
  const onlyB: ModelPool[] = [];
  // [first, end) of every pool only one model has
  const pairs: AddrValue[] = [];
  let i = 0;
  for (let j = 0; j < nb; j++) {
    const p = pb[j]!;
    const stop = Math.min(na, i + LOOKAHEAD);
    let k = i;
    while (k < stop && !samePool(pa[k], p)) k++;
    if (k < stop) {
      for (; i < k; i++) pairs.push(boundsA.first[i]!, boundsA.end[i]!);
      aToB[k] = j;
      firstB[j] = boundsA.first[k]!;
      endB[j] = boundsA.end[k]!;
      i = k + 1;
      continue;
    }
    onlyB.push(p);
    const first = v4 ? Number(p.prefix.value) : p.prefix.value;
    firstB[j] = first;
    endB[j] = v4 ? (first as number) + POW2[32 - p.prefix.bits]! : lastAddrValue(p.prefix) + 1n;
    pairs.push(firstB[j]!, endB[j]!);
  }
  for (; i < na; i++) pairs.push(boundsA.first[i]!, boundsA.end[i]!);
  // mostly other pools (e.g. a state read from the store against one from files): the general sweep costs less
  const own = pairs.length / 2;
  if (own > MOST_OWN && 2 * own > na + nb) return null;
  const boundsB = { first: firstB, end: endB };
  if (!sweepable(boundsB)) return null;
  return {
    a: new ClassSweep(fa, xa, boundsA),
    b: new ClassSweep(fb, xb, boundsB),
    aToB,
    changed: mergedIntervals(pairs),
    bounds: [
      { pools: pa, lists: xa.lists, bounds: boundsA },
      { pools: onlyB, lists: [] },
    ],
  };
}

/** mergedIntervals sorts [first, end) pairs and joins those that overlap, into sorted disjoint pairs. */
function mergedIntervals(xs: readonly AddrValue[]): AddrValue[] {
  const order: number[] = [];
  for (let i = 0; i < xs.length; i += 2) order.push(i);
  order.sort((x, y) => (xs[x]! < xs[y]! ? -1 : xs[x]! > xs[y]! ? 1 : 0));
  const out: AddrValue[] = [];
  for (const i of order) {
    const first = xs[i]!;
    const end = xs[i + 1]!;
    const n = out.length;
    if (n > 0 && first <= out[n - 1]!) {
      if (end > out[n - 1]!) out[n - 1] = end;
    } else out.push(first, end);
  }
  return out;
}
