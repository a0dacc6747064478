import { formatIPv4Value, formatIPv6Value, type AddrRange, type AddrValue, type Family } from './addr.js';
import { lastAddrValue, POW2, type Prefix } from './prefix.js';

/**
 * RangeList is the one range algebra's value: the addresses of one family as sorted, merged
 * (non-overlapping, non-adjacent) inclusive ranges, flat as [first0, last0, first1, last1, ...].
 * IPv4 bounds are numbers in a Float64Array and IPv6 bounds bigints, so that 150,000 IPv4
 * elements are built, compared and subtracted without a bigint, an object or a growing array
 * each (bench: `npm run bench -- ranges`). A list is never changed once built. Two lists are
 * equal exactly when their bounds are (sameRanges): the normal form is unique. PrefixSet holds
 * one per family; nft interval sets are compared as RangeLists.
 */
export type RangeList = { readonly family: 4; readonly bounds: Float64Array } | { readonly family: 6; readonly bounds: readonly bigint[] };

type Bound = AddrValue;

/** RangeBuilder collects ranges of one family in any order, overlapping or not, and builds their RangeList. */
export class RangeBuilder {
  // IPv4 bounds in v4 (the first n4 of them), IPv6 in v6: each path stays monomorphic
  private v4 = new Float64Array(64);
  private n4 = 0;
  private v6: bigint[] = [];
  private sorted = true;

  constructor(readonly family: Family) {}

  /** isEmpty reports whether nothing was added. */
  get isEmpty(): boolean {
    return this.n4 + this.v6.length === 0;
  }

  /** add adds the inclusive range [first, last]: numbers for IPv4, bigints for IPv6; first <= last. */
  add(first: Bound, last: Bound): void {
    if (typeof first === 'number') this.add4(first, last as number);
    else {
      const b = this.v6;
      if (b.length > 0 && first < b[b.length - 2]!) this.sorted = false;
      b.push(first, last as bigint);
    }
  }

  /** add4 is add for IPv4. */
  private add4(first: number, last: number): void {
    let b = this.v4;
    const n = this.n4;
    if (n === b.length) {
      b = new Float64Array(Math.max(64, 2 * n));
      b.set(this.v4);
      this.v4 = b;
    }
    if (n > 0 && first < b[n - 2]!) this.sorted = false;
    b[n] = first;
    b[n + 1] = last;
    this.n4 = n + 2;
  }

  /** addPrefix adds a prefix of the builder's family. */
  addPrefix(p: Prefix): void {
    if (this.family === 4) {
      const first = Number(p.value);
      this.add4(first, first + POW2[32 - p.bits]! - 1);
    } else this.add(p.value, lastAddrValue(p));
  }

  /** build returns the list of everything added; the builder stays usable. */
  build(): RangeList {
    if (this.family === 4) {
      const b = this.v4.subarray(0, this.n4);
      return { family: 4, bounds: merged4(this.sorted ? b : sortedPairs4(b)) };
    }
    return { family: 6, bounds: merged6(this.sorted ? this.v6 : sortedPairs6(this.v6)) };
  }

  /** reset makes the builder hold exactly the list's addresses (of its family). */
  reset(list: RangeList): void {
    if (list.family === 4) {
      this.v4 = list.bounds.slice();
      this.n4 = list.bounds.length;
    } else this.v6 = list.bounds.slice();
    this.sorted = true;
  }
}

/** PAIR_INDEX is 2^21: sortedPairs4 packs a first address (< 2^32) and a pair's index (< 2^21) into one exact double. */
const PAIR_INDEX = 2 ** 21;

/**
 * sortedPairs4 returns IPv4 pairs sorted by first: up to 2^21 pairs by their firsts and indexes
 * packed in a Float64Array, sorted natively (no comparator calls), more by an index sort.
 */
function sortedPairs4(b: Float64Array): Float64Array {
  const n = b.length / 2;
  const out = new Float64Array(b.length);
  let order: ArrayLike<number>;
  if (n < PAIR_INDEX) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = b[2 * i]! * PAIR_INDEX + i;
    keys.sort();
    for (let k = 0; k < n; k++) keys[k] = keys[k]! % PAIR_INDEX;
    order = keys;
  } else {
    order = new Uint32Array(n).map((_, i) => i).sort((x, y) => b[2 * x]! - b[2 * y]!);
  }
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    out[2 * k] = b[2 * i]!;
    out[2 * k + 1] = b[2 * i + 1]!;
  }
  return out;
}

/** sortedPairs6 returns IPv6 pairs sorted by first. */
function sortedPairs6(b: readonly bigint[]): bigint[] {
  const order = Array.from({ length: b.length / 2 }, (_, i) => i);
  order.sort((x, y) => (b[2 * x]! < b[2 * y]! ? -1 : b[2 * x]! > b[2 * y]! ? 1 : 0));
  const out: bigint[] = [];
  for (const i of order) out.push(b[2 * i]!, b[2 * i + 1]!);
  return out;
}

/**
 * merged4 joins overlapping and adjacent IPv4 ranges of pairs sorted by first:
 *
 *   [1,4] [3,6] [7,7] [9,9]  ->  [1,7] [9,9]
 */
function merged4(b: Float64Array): Float64Array {
  const out = new Float64Array(b.length);
  let n = 0;
  for (let i = 0; i < b.length; i += 2) {
    const first = b[i]!;
    const last = b[i + 1]!;
    if (n > 0 && first <= out[n - 1]! + 1) {
      if (last > out[n - 1]!) out[n - 1] = last;
    } else {
      out[n] = first;
      out[n + 1] = last;
      n += 2;
    }
  }
  return out.slice(0, n);
}

/** merged6 is merged4 for IPv6. */
function merged6(b: readonly bigint[]): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < b.length; i += 2) {
    const first = b[i]!;
    const last = b[i + 1]!;
    const n = out.length;
    if (n > 0 && first <= out[n - 1]! + 1n) {
      if (last > out[n - 1]!) out[n - 1] = last;
    } else out.push(first, last);
  }
  return out;
}

/**
 * joinedRanges returns the RangeList of ranges given as [first0, last0, first1, last1, ...] in
 * address order, disjoint but maybe adjacent (the intervals of a sweep): adjacent ones are
 * joined, in one pass and one allocation, without RangeBuilder's copy and sort check.
 */
export function joinedRanges(family: Family, b: readonly AddrValue[]): RangeList {
  if (family === 4) {
    const v = b as readonly number[];
    let n = 0;
    for (let i = 0; i < v.length; i += 2) if (i === 0 || v[i]! !== v[i - 1]! + 1) n += 2;
    const out = new Float64Array(n);
    n = 0;
    for (let i = 0; i < v.length; i += 2) {
      if (i === 0 || v[i]! !== v[i - 1]! + 1) {
        out[n] = v[i]!;
        n += 2;
      }
      out[n - 1] = v[i + 1]!;
    }
    return { family: 4, bounds: out };
  }
  const v = b as readonly bigint[];
  const out: bigint[] = [];
  for (let i = 0; i < v.length; i += 2) {
    if (i === 0 || v[i]! !== v[i - 1]! + 1n) out.push(v[i]!, v[i + 1]!);
    else out[out.length - 1] = v[i + 1]!;
  }
  return { family: 6, bounds: out };
}

/**
 * isPrefixUnion reports whether a list holds exactly the addresses of the prefixes (of its
 * family): sameRanges(list, rangesOf(family, prefixes)), in one pass without building that
 * list when the prefixes come in address order (a model's pools do), else by building it.
 */
export function isPrefixUnion(list: RangeList, prefixes: readonly Prefix[]): boolean {
  for (let i = 1; i < prefixes.length; i++) if (prefixes[i]!.value < prefixes[i - 1]!.value) return sameRanges(list, rangesOf(list.family, prefixes));
  const b = list.bounds;
  let k = 0;
  let first: AddrValue = -1;
  let last: AddrValue = -1;
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i]!;
    const f: AddrValue = list.family === 4 ? Number(p.value) : p.value;
    const l: AddrValue = list.family === 4 ? (f as number) + POW2[32 - p.bits]! - 1 : lastAddrValue(p);
    if (i > 0 && (list.family === 4 ? (f as number) <= (last as number) + 1 : (f as bigint) <= (last as bigint) + 1n)) {
      if (l > last) last = l;
      continue;
    }
    if (i > 0) {
      if (b[k] !== first || b[k + 1] !== last) return false;
      k += 2;
    }
    first = f;
    last = l;
  }
  if (prefixes.length > 0) {
    if (b[k] !== first || b[k + 1] !== last) return false;
    k += 2;
  }
  return k === b.length;
}

/** rangesOf returns the RangeList of prefixes of one family (a model set's members). */
export function rangesOf(family: Family, prefixes: readonly Prefix[]): RangeList {
  const b = new RangeBuilder(family);
  for (const p of prefixes) b.addPrefix(p);
  return b.build();
}

/** sameRanges reports whether two lists hold the same addresses. */
export function sameRanges(a: RangeList, b: RangeList): boolean {
  if (a.family !== b.family || a.bounds.length !== b.bounds.length) return false;
  for (let i = 0; i < a.bounds.length; i++) if (a.bounds[i] !== b.bounds[i]) return false;
  return true;
}

/**
 * subtractRanges returns the addresses of a that are not in b (same family):
 *
 *   a       [0..........9]      [12....15]
 *   b           [2..4]   [8...........13]
 *   result  [0,1]  [5..7]            [14,15]
 */
export function subtractRanges(a: RangeList, b: RangeList): RangeList {
  if (a.family === 4) {
    // at most one more range than a has per range of b
    const out = new Float64Array(a.bounds.length + b.bounds.length);
    const n = subtractInto(a.bounds, b.bounds as Float64Array, (x) => x - 1, (x) => x + 1, out);
    return { family: 4, bounds: out.slice(0, n) };
  }
  const out: bigint[] = [];
  subtractInto(a.bounds, b.bounds as readonly bigint[], (x) => x - 1n, (x) => x + 1n, out);
  return { family: 6, bounds: out };
}

/** subtractInto writes the ranges of a without those of b to out from 0 (pred and succ step one address) and returns how many bounds it wrote. */
function subtractInto<B extends Bound>(
  a: ArrayLike<B>,
  bb: ArrayLike<B>,
  pred: (x: B) => B,
  succ: (x: B) => B,
  out: { [i: number]: B },
): number {
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let first = a[i]!;
    const last = a[i + 1]!;
    while (j < bb.length && bb[j + 1]! < first) j += 2;
    let k = j;
    while (first <= last) {
      if (k >= bb.length || bb[k]! > last) {
        out[n++] = first;
        out[n++] = last;
        break;
      }
      if (bb[k]! > first) {
        out[n++] = first;
        out[n++] = pred(bb[k]!);
      }
      if (bb[k + 1]! >= last) break;
      first = succ(bb[k + 1]!);
      k += 2;
    }
  }
  return n;
}

/** rangesMeet reports whether any address of [first, last] (of the list's family) is in the list. */
export function rangesMeet(list: RangeList, first: Bound, last: Bound): boolean {
  const bs = list.bounds as ArrayLike<Bound>;
  // The only candidate is the first range that ends at or after first.
  let lo = 0;
  let hi = bs.length >> 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bs[2 * mid + 1]! < first) lo = mid + 1;
    else hi = mid;
  }
  return 2 * lo < bs.length && bs[2 * lo]! <= last;
}

/** toAddrRanges returns the list as AddrRanges (bigint bounds). */
export function toAddrRanges(list: RangeList): AddrRange[] {
  const out: AddrRange[] = [];
  for (let i = 0; i < list.bounds.length; i += 2) out.push({ family: list.family, first: BigInt(list.bounds[i]!), last: BigInt(list.bounds[i + 1]!) });
  return out;
}

/** PrefixVisitor receives one prefix as its family, first address (a number for IPv4, a bigint for IPv6) and length. */
export type PrefixVisitor = (family: Family, first: AddrValue, bits: number) => void;

/**
 * hostBits4 returns the host bits of the largest IPv4 block that starts at a (so is aligned
 * there) and holds at most size addresses: min(trailing zeros of a, floor(log2(size))).
 */
function hostBits4(a: number, size: number): number {
  // a < 2^32 and size <= 2^32; `a & -a` isolates the lowest set bit in 32-bit arithmetic.
  const align = a === 0 ? 32 : 31 - Math.clz32(a & -a);
  return Math.min(align, size >= 2 ** 32 ? 32 : 31 - Math.clz32(size));
}

/** hostBits6 is hostBits4 for IPv6. */
function hostBits6(a: bigint, size: bigint): number {
  let align = 0;
  if (a === 0n) {
    align = 128;
  } else {
    let x = a;
    for (; (x & 0xffffffffn) === 0n; x >>= 32n) align += 32;
    const low = Number(x & 0xffffffffn);
    align += 31 - Math.clz32(low & -low);
  }
  let fits = 31;
  let x = size;
  for (; x > 0xffffffffn; x >>= 32n) fits += 32;
  return Math.min(align, fits - Math.clz32(Number(x)));
}

/**
 * forEachRangePrefix visits the fewest prefixes that cover exactly the list's addresses, in
 * address order: each is the largest aligned block that starts at the next uncovered address
 * and does not pass the end of its range (10.0.0.0/25 + 10.0.0.128/25 -> 10.0.0.0/24).
 */
export function forEachRangePrefix(list: RangeList, visit: PrefixVisitor): void {
  if (list.family === 4) {
    const bs = list.bounds;
    for (let i = 0; i < bs.length; i += 2) {
      const last = bs[i + 1]!;
      for (let a = bs[i]!; a <= last; ) {
        const host = hostBits4(a, last - a + 1);
        visit(4, a, 32 - host);
        a += POW2[host]!;
      }
    }
    return;
  }
  const bs = list.bounds;
  for (let i = 0; i < bs.length; i += 2) {
    const last = bs[i + 1]!;
    for (let a = bs[i]!; a <= last; ) {
      const host = hostBits6(a, last - a + 1n);
      visit(6, a, 128 - host);
      a += 1n << BigInt(host);
    }
  }
}

/** rangePrefixes returns the prefixes forEachRangePrefix visits. */
export function rangePrefixes(list: RangeList): Prefix[] {
  const out: Prefix[] = [];
  forEachRangePrefix(list, (family, first, bits) => out.push({ family, value: BigInt(first), bits }));
  return out;
}

/** rangeCidrs returns the prefixes forEachRangePrefix visits as canonical text: a change's member lines. */
export function rangeCidrs(list: RangeList): string[] {
  const out: string[] = [];
  forEachRangePrefix(list, (_family, first, bits) => out.push(`${typeof first === 'number' ? formatIPv4Value(first) : formatIPv6Value(first)}/${bits}`));
  return out;
}

/** rangeCidrCount returns rangeCidrs(list).length without making the texts. */
export function rangeCidrCount(list: RangeList): number {
  let n = 0;
  forEachRangePrefix(list, () => n++);
  return n;
}
