import { formatIPv4Value, formatIPv6Value, pred, succ, type AddrRange, type AddrValue, type Family } from './addr.js';
import { POW2, type Prefix } from './prefix.js';

/**
 * RangeList is an nft interval set's content: the addresses of one family as sorted, merged
 * (non-overlapping, non-adjacent) inclusive ranges, flat as [first0, last0, first1, last1, ...].
 * IPv4 bounds are numbers and IPv6 bounds bigints, so that 150,000 IPv4 elements are built,
 * compared and subtracted without a bigint or an object each. Two sets are equal exactly
 * when their lists are (sameRanges): the normal form is unique.
 */
export type RangeList = { readonly family: 4; readonly bounds: readonly number[] } | { readonly family: 6; readonly bounds: readonly bigint[] };

type Bound = AddrValue;

/** RangeBuilder collects ranges of one family in any order, overlapping or not, and builds their RangeList. */
export class RangeBuilder {
  // IPv4 bounds in v4, IPv6 in v6: each path stays monomorphic (150,000 IPv4 ranges in a few ms)
  private readonly v4: number[] = [];
  private readonly v6: bigint[] = [];
  private sorted = true;

  constructor(readonly family: Family) {}

  /** add adds the inclusive range [first, last]: numbers for IPv4, bigints for IPv6; first <= last. */
  add(first: Bound, last: Bound): void {
    if (typeof first === 'number') {
      const b = this.v4;
      if (b.length > 0 && first < b[b.length - 2]!) this.sorted = false;
      b.push(first, last as number);
    } else {
      const b = this.v6;
      if (b.length > 0 && first < b[b.length - 2]!) this.sorted = false;
      b.push(first, last as bigint);
    }
  }

  /** addPrefix adds a prefix of the builder's family. */
  addPrefix(p: Prefix): void {
    if (this.family === 4) {
      const first = Number(p.value);
      this.add(first, first + HOSTS4[p.bits]!);
    } else this.add(p.value, p.value | ((1n << BigInt(128 - p.bits)) - 1n));
  }

  build(): RangeList {
    if (this.family === 4) return { family: 4, bounds: merged(this.sorted ? this.v4 : sortedPairs(this.v4), (x) => x + 1) };
    return { family: 6, bounds: merged(this.sorted ? this.v6 : sortedPairs(this.v6), (x) => x + 1n) };
  }
}

/** HOSTS4[bits] is the number of host addresses of an IPv4 prefix minus one. */
const HOSTS4 = Array.from({ length: 33 }, (_, bits) => 2 ** (32 - bits) - 1);

function sortedPairs<B extends Bound>(b: readonly B[]): B[] {
  const order = Array.from({ length: b.length / 2 }, (_, i) => i);
  order.sort((x, y) => (b[2 * x]! < b[2 * y]! ? -1 : b[2 * x]! > b[2 * y]! ? 1 : 0));
  const out: B[] = [];
  for (const i of order) out.push(b[2 * i]!, b[2 * i + 1]!);
  return out;
}

/** merged joins overlapping and adjacent ranges of pairs sorted by first. */
function merged<B extends Bound>(b: readonly B[], next: (x: B) => B): B[] {
  const out: B[] = [];
  for (let i = 0; i < b.length; i += 2) {
    const first = b[i]!;
    const last = b[i + 1]!;
    const n = out.length;
    if (n > 0 && first <= next(out[n - 1]!)) {
      if (last > out[n - 1]!) out[n - 1] = last;
    } else out.push(first, last);
  }
  return out;
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

/** subtractRanges returns the addresses of a that are not in b (same family). */
export function subtractRanges(a: RangeList, b: RangeList): RangeList {
  const out: Bound[] = [];
  const bb = b.bounds as readonly Bound[];
  let j = 0;
  for (let i = 0; i < a.bounds.length; i += 2) {
    let first: Bound = a.bounds[i]!;
    const last: Bound = a.bounds[i + 1]!;
    while (j < bb.length && bb[j + 1]! < first) j += 2;
    let k = j;
    while (first <= last) {
      if (k >= bb.length || bb[k]! > last) {
        out.push(first, last);
        break;
      }
      if (bb[k]! > first) out.push(first, pred(bb[k]!));
      if (bb[k + 1]! >= last) break;
      first = succ(bb[k + 1]!);
      k += 2;
    }
  }
  return { family: a.family, bounds: out } as RangeList;
}

/** toAddrRanges returns the list as core AddrRanges (bigint bounds). */
export function toAddrRanges(list: RangeList): AddrRange[] {
  const out: AddrRange[] = [];
  for (let i = 0; i < list.bounds.length; i += 2) out.push({ family: list.family, first: BigInt(list.bounds[i]!), last: BigInt(list.bounds[i + 1]!) });
  return out;
}

/** POW2N[k] is 2^k as a bigint (k <= 128); POW2 (core) is 2^k as a number. */
const POW2N = Array.from({ length: 129 }, (_, k) => 1n << BigInt(k));

/** trailingZeros32 counts the trailing zero bits of an unsigned 32-bit value (32 for 0). */
function trailingZeros32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32((x & -x) >>> 0);
}

/** trailingZeros128 counts the trailing zero bits of a 128-bit value (128 for 0). */
function trailingZeros128(v: bigint): number {
  for (let w = 0; w < 4; w++) {
    const x = Number((v >> BigInt(32 * w)) & 0xffffffffn);
    if (x !== 0) return 32 * w + trailingZeros32(x);
  }
  return 128;
}

/**
 * forEachRangeCidr calls visit(first, bits) for the fewest CIDRs covering exactly the list's
 * addresses, in order (what PrefixSet.toPrefixes gives): each CIDR is the largest block
 * aligned at the range's next address that fits in the range.
 */
function forEachRangeCidr(list: RangeList, visit: (first: number | bigint, bits: number) => void): void {
  if (list.family === 4) {
    const bs = list.bounds;
    for (let i = 0; i < bs.length; i += 2) {
      let first = bs[i]!;
      const last = bs[i + 1]!;
      while (first <= last) {
        let k = trailingZeros32(first >>> 0);
        while (k > 0 && first + POW2[k]! - 1 > last) k--;
        visit(first, 32 - k);
        first += POW2[k]!;
      }
    }
    return;
  }
  const bs = list.bounds;
  for (let i = 0; i < bs.length; i += 2) {
    let first = bs[i]!;
    const last = bs[i + 1]!;
    while (first <= last) {
      let k = trailingZeros128(first);
      while (k > 0 && first + POW2N[k]! - 1n > last) k--;
      visit(first, 128 - k);
      first += POW2N[k]!;
    }
  }
}

/** rangeCidrs returns the fewest CIDRs covering exactly the list's addresses (forEachRangeCidr), as canonical text: a change's member lines. */
export function rangeCidrs(list: RangeList): string[] {
  const out: string[] = [];
  forEachRangeCidr(list, (first, bits) => out.push(`${typeof first === 'number' ? formatIPv4Value(first) : formatIPv6Value(first)}/${bits}`));
  return out;
}

/** rangeCidrCount returns rangeCidrs(list).length without making the texts. */
export function rangeCidrCount(list: RangeList): number {
  let n = 0;
  forEachRangeCidr(list, () => n++);
  return n;
}
