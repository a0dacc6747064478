import { ipv6ValueToWords, pred, succ, type AddrValue, type Family } from '../net/addr.js';
import { lastAddrValue, POW2 } from '../net/prefix.js';
import type { PrefixSet } from '../net/prefix-set.js';
import { RangeIndex } from '../net/range-index.js';
import type { RangeList } from '../net/range-list.js';
import { lookupIPv4, lookupIPv6, MatchCode, type CompiledFamily, type CompiledRule, type PoolIndex } from './compile.js';
import type { ModelPool } from './model.js';

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
export interface AddressClasses {
  /** index holds the intervals that some pool or tested set covers (an address in none of them has pools -1 and bits 0). */
  readonly index: RangeIndex;
  /** info holds four numbers per interval: src pool, dst pool, src bits, dst bits. */
  readonly info: Int32Array;
  /** dstBits is the number of dst bits: a pair's key is (src bits << dstBits) | dst bits. */
  readonly dstBits: number;
  /** pairs maps a pair's key to its outcome (an index, from 1, into the outcomes CompiledNat keeps per family), or 0 while undecided. */
  readonly pairs: Int32Array;
}

const CLASS_WORDS = new Uint32Array(4);

/**
 * ClassFeatures are what a family's rules look up about an address: the sets its src matches
 * test, those its dst matches test (a pool index, or a PrefixSet when the set is not exactly
 * some pools), and the range lists of the PrefixSets among them (whose bounds cut classes).
 */
export interface ClassFeatures {
  readonly src: readonly Feature[];
  readonly dst: readonly Feature[];
  readonly lists: readonly RangeList[];
}

/** classFeatures collects the sets a family's rules test, or returns null for more than MAX_FEATURES. */
export function classFeatures(f: CompiledFamily): ClassFeatures | null {
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
  const lists: RangeList[] = [];
  for (const feature of [...src, ...dst]) if (!('table' in feature)) lists.push(feature.rangeList(f.family));
  return { src, dst, lists };
}

/**
 * classAt writes the answers of every lookup a decision makes about the address in w[0]
 * (IPv4) or w[0..3] into out[o..o+3]: the pool reported for it as src (the most specific
 * natOutgoing pool, else the most specific pool) and as dst (the most specific pool-set
 * pool), and its src and dst bits (bit i: in the i-th src or dst feature).
 */
export function classAt(f: CompiledFamily, x: ClassFeatures, w: Uint32Array, out: Int32Array | number[], o: number): void {
  const family = f.family;
  const masq = lookupAt(family, f.masq, w);
  out[o] = masq >= 0 ? masq : lookupAt(family, f.any, w);
  out[o + 1] = lookupAt(family, f.poolSet, w);
  let srcBits = 0;
  let dstBits = 0;
  for (let i = 0; i < x.src.length; i++) if (hasAt(family, x.src[i]!, w)) srcBits |= 1 << i;
  for (let i = 0; i < x.dst.length; i++) if (hasAt(family, x.dst[i]!, w)) dstBits |= 1 << i;
  out[o + 2] = srcBits;
  out[o + 3] = dstBits;
}

/**
 * classify builds a family's AddressClasses from its compiled rules, sets and pools, or
 * returns null when the rules test more than MAX_FEATURES sets. Every answer comes from the
 * compiled lookups themselves, asked at the first address of each interval: the interval
 * bounds are all the bounds of the pools and tested sets, so no lookup changes inside one.
 */
export function classify(f: CompiledFamily): AddressClasses | null {
  const x = classFeatures(f);
  if (x === null) return null;
  const family = f.family;
  const points = boundaryPoints(family, [{ pools: f.pools, lists: x.lists }]);

  const firsts: AddrValue[] = [];
  const lasts: AddrValue[] = [];
  const info: number[] = [];
  const w = CLASS_WORDS;
  const at = [0, 0, 0, 0];
  for (let k = 0; k + 1 < points.length; k++) {
    const first = points[k]!;
    if (family === 4) w[0] = first as number;
    else ipv6ValueToWords(first as bigint, w, 0);
    classAt(f, x, w, at, 0);
    const [srcPool, dstPool, srcBits, dstBits] = at as [number, number, number, number];
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
    dstBits: x.dst.length,
    pairs: new Int32Array(1 << (x.src.length + x.dst.length)),
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
 * PoolBounds are a family's pools' first addresses and the addresses after their last, in
 * pool order: numbers for IPv4 (in Float64Arrays), bigints for IPv6.
 */
export interface PoolBounds {
  readonly first: ArrayLike<AddrValue>;
  readonly end: ArrayLike<AddrValue>;
}

/**
 * BoundSource is one model family's pools and its tested sets' range lists: what cuts its
 * address classes; with the pools' bounds when the caller has them already.
 */
export interface BoundSource {
  readonly pools: readonly ModelPool[];
  readonly lists: readonly RangeList[];
  readonly bounds?: PoolBounds;
}

/** END is the address after each family's last. */
export const END: Readonly<Record<Family, AddrValue>> = { 4: 2 ** 32, 6: 1n << 128n };

/**
 * boundaryPoints returns the sorted, distinct first addresses of the sources' pools' prefixes
 * and lists' ranges, the addresses right after them, the family's first address and the
 * address after its last, so consecutive points delimit intervals that no pool or range
 * boundary of any source cuts, together covering the family. IPv4 points are numbers sorted
 * natively in one Float64Array (nat diff gives two 10,000-pool models at once).
 */
export function boundaryPoints(family: Family, sources: readonly BoundSource[]): ArrayLike<AddrValue> {
  if (family === 4) {
    let size = 2;
    for (const { pools, lists } of sources) {
      size += pools.length * 2;
      for (const l of lists) size += l.bounds.length;
    }
    const xs = new Float64Array(size);
    let n = 0;
    xs[n++] = 0;
    xs[n++] = END[4] as number;
    for (const { pools, lists, bounds } of sources) {
      if (bounds) {
        xs.set(bounds.first as Float64Array, n);
        xs.set(bounds.end as Float64Array, n + pools.length);
        n += 2 * pools.length;
      } else {
        for (let i = 0; i < pools.length; i++) {
          const prefix = pools[i]!.prefix;
          const first = Number(prefix.value);
          xs[n++] = first;
          xs[n++] = first + POW2[32 - prefix.bits]!;
        }
      }
      for (const l of lists) {
        const bs = l.bounds as Float64Array;
        for (let i = 0; i < bs.length; i += 2) {
          xs[n++] = bs[i]!;
          xs[n++] = bs[i + 1]! + 1;
        }
      }
    }
    xs.sort();
    let m = 0;
    for (let i = 0; i < n; i++) if (m === 0 || xs[i] !== xs[m - 1]) xs[m++] = xs[i]!;
    return xs.subarray(0, m);
  }
  const xs: bigint[] = [0n, END[6] as bigint];
  for (const { pools, lists, bounds } of sources) {
    if (bounds) xs.push(...(bounds.first as readonly bigint[]), ...(bounds.end as readonly bigint[]));
    else for (const { prefix } of pools) xs.push(prefix.value, lastAddrValue(prefix) + 1n);
    for (const l of lists) {
      const bs = l.bounds as readonly bigint[];
      for (let i = 0; i < bs.length; i += 2) xs.push(bs[i]!, bs[i + 1]! + 1n);
    }
  }
  xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return xs.filter((x, i) => i === 0 || xs[i - 1] !== x);
}
