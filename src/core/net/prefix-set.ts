import { bitsOf, pred, succ, type Addr, type AddrRange, type AddrValue, type Family, type ValueRange } from './addr.js';
import { POW2, prefixRange, type Prefix } from './prefix.js';
import { RangeIndex } from './range-index.js';

const byFirst = (a: ValueRange, b: ValueRange): number => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0);

/**
 * normalize returns the ranges sorted, with overlapping and adjacent ones merged:
 *
 *   [1,4] [3,6] [7,7] [9,9]  ->  [1,7] [9,9]
 */
function normalize(ranges: readonly ValueRange[]): ValueRange[] {
  let sorted = true;
  for (let i = 1; i < ranges.length && sorted; i++) sorted = ranges[i - 1]!.first <= ranges[i]!.first;
  const input = sorted ? ranges : [...ranges].sort(byFirst);
  const out: ValueRange[] = [];
  for (const r of input) {
    const cur = out[out.length - 1];
    if (cur && r.first <= succ(cur.last)) {
      if (r.last > cur.last) cur.last = r.last;
    } else {
      out.push({ first: r.first, last: r.last });
    }
  }
  return out;
}

/**
 * subtract returns the normalized ranges `from` without the addresses of the normalized
 * ranges `minus`:
 *
 *   from   [0..........9]      [12....15]
 *   minus      [2..4]   [8...........13]
 *   result [0,1]  [5..7]            [14,15]
 */
function subtract(from: readonly ValueRange[], minus: readonly ValueRange[]): ValueRange[] {
  const out: ValueRange[] = [];
  let j = 0;
  for (const r of from) {
    while (j < minus.length && minus[j]!.last < r.first) j++;
    let first = r.first;
    for (let k = j; ; k++) {
      const o = minus[k];
      if (!o || o.first > r.last) {
        out.push({ first, last: r.last });
        break;
      }
      if (o.first > first) out.push({ first, last: pred(o.first) });
      if (o.last >= r.last) break;
      first = succ(o.last);
    }
  }
  return out;
}

/** rangeSize returns the number of addresses in [first, last]. */
function rangeSize(first: AddrValue, last: AddrValue): AddrValue {
  return typeof first === 'number' ? (last as number) - first + 1 : (last as bigint) - first + 1n;
}

/**
 * hostBitsOf returns the host bits of the largest block that starts at a (so is aligned there)
 * and holds at most size addresses: min(trailing zeros of a, floor(log2(size))).
 */
function hostBitsOf(a: AddrValue, size: AddrValue, width: number): number {
  if (typeof a === 'number') {
    // IPv4: a < 2^32 and size <= 2^32; `a & -a` isolates the lowest set bit in 32-bit arithmetic.
    const align = a === 0 ? 32 : 31 - Math.clz32(a & -a);
    return Math.min(align, (size as number) >= 2 ** 32 ? 32 : 31 - Math.clz32(size as number));
  }
  let align = 0;
  if (a === 0n) {
    align = width;
  } else {
    let x = a;
    for (; (x & 0xffffffffn) === 0n; x >>= 32n) align += 32;
    const low = Number(x & 0xffffffffn);
    align += 31 - Math.clz32(low & -low);
  }
  let fits = 31;
  let x = size as bigint;
  for (; x > 0xffffffffn; x >>= 32n) fits += 32;
  return Math.min(align, fits - Math.clz32(Number(x)));
}

/** PrefixVisitor receives one prefix as its family, first address (a number for IPv4, a bigint for IPv6) and length. */
export type PrefixVisitor = (family: Family, first: AddrValue, bits: number) => void;

/**
 * rangePrefixes calls visit with the minimal list of prefixes that covers exactly the range
 * [first, last], in address order: each prefix is the largest aligned block that starts at
 * the next uncovered address and does not pass last.
 */
function rangePrefixes(family: Family, r: ValueRange, visit: PrefixVisitor): void {
  const width = bitsOf(family);
  let a = r.first;
  for (;;) {
    const host = hostBitsOf(a, rangeSize(a, r.last), width);
    visit(family, a, width - host);
    const next = typeof a === 'number' ? a + POW2[host]! : a + (1n << BigInt(host));
    if (next > r.last) return;
    a = next;
  }
}

/**
 * PrefixSet is an immutable set of addresses of both families, held as ranges per family that
 * are sorted, non-overlapping and non-adjacent (every method relies on this), compiled into
 * typed arrays (RangeIndex) for allocation-free lookups. Membership is "any added prefix
 * contains the address" (ipset hash:net semantics). Make one with PrefixSetBuilder.
 */
export class PrefixSet {
  readonly #byFamily: { readonly 4: readonly ValueRange[]; readonly 6: readonly ValueRange[] };
  /** v4 and v6 are compiled on the first lookup: sets built only to be rendered never need them. */
  #v4: RangeIndex | undefined;
  #v6: RangeIndex | undefined;
  #ranges: readonly AddrRange[] | undefined;

  /** constructor is internal: ranges per family must already be normalized. */
  constructor(v4: readonly ValueRange[], v6: readonly ValueRange[]) {
    this.#byFamily = { 4: v4, 6: v6 };
  }

  /** isEmpty reports whether the set holds no address. */
  get isEmpty(): boolean {
    return this.#byFamily[4].length + this.#byFamily[6].length === 0;
  }

  /** ranges returns the set's ranges, IPv4 before IPv6, each family in address order. */
  ranges(): readonly AddrRange[] {
    this.#ranges ??= ([4, 6] as const).flatMap((family) =>
      this.#byFamily[family].map((r) => ({ family, first: BigInt(r.first), last: BigInt(r.last) })),
    );
    return this.#ranges;
  }

  /** valueRanges returns the ranges of one family as AddrValues (numbers for IPv4), for compiling them further. */
  valueRanges(family: Family): readonly ValueRange[] {
    return this.#byFamily[family];
  }

  /** contains reports whether the address is in the set. */
  contains(a: Addr): boolean {
    const v = a.family === 4 ? Number(a.value) : a.value;
    return this.#findRange(a.family, v, v) >= 0;
  }

  /** containsIPv4 reports whether the IPv4 address v (a uint32) is in the set. */
  containsIPv4(v: number): boolean {
    this.#v4 ??= rangeIndex(4, this.#byFamily[4]);
    return this.#v4.find4(v) >= 0;
  }

  /** containsIPv6Words reports whether the IPv6 address in words w[off..off+3] is in the set. */
  containsIPv6Words(w: ArrayLike<number>, off = 0): boolean {
    this.#v6 ??= rangeIndex(6, this.#byFamily[6]);
    return this.#v6.find6(w, off) >= 0;
  }

  /** overlaps reports whether any address of the prefix is in the set. */
  overlaps(p: Prefix): boolean {
    const r = prefixRange(p);
    return this.#findRange(p.family, r.first, r.last) >= 0;
  }

  /**
   * toPrefixes returns the minimal list of prefixes that covers exactly the set (IPv4 first,
   * in address order): what an nft interval set needs, with overlapping and adjacent members
   * merged (10.0.0.0/25 + 10.0.0.128/25 -> 10.0.0.0/24).
   */
  toPrefixes(): Prefix[] {
    const out: Prefix[] = [];
    this.forEachPrefix((family, first, bits) => out.push({ family, value: BigInt(first), bits }));
    return out;
  }

  /** forEachPrefix visits the prefixes of toPrefixes, in order, without making Prefix objects (renderers write them as text). */
  forEachPrefix(visit: PrefixVisitor): void {
    for (const family of [4, 6] as const) for (const r of this.#byFamily[family]) rangePrefixes(family, r, visit);
  }

  /** findRange returns the index of a range of the family that meets [first, last], or -1. */
  #findRange(family: Family, first: AddrValue, last: AddrValue): number {
    const rs = this.#byFamily[family];
    let lo = 0;
    let hi = rs.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (rs[mid]!.first <= last) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && rs[found]!.last >= first ? found : -1;
  }
}

/**
 * PrefixSetBuilder collects prefixes and ranges to add and remove, in order, and builds an
 * immutable PrefixSet (after go4.org/netipx IPSetBuilder): a later add wins over an earlier
 * remove and vice versa. Families never mix: removing an IPv4 prefix never touches IPv6.
 */
export class PrefixSetBuilder {
  #in: { 4: ValueRange[]; 6: ValueRange[] } = { 4: [], 6: [] };
  #out: { 4: ValueRange[]; 6: ValueRange[] } = { 4: [], 6: [] };

  /** add adds every address of the prefix. */
  add(p: Prefix): this {
    if (this.#out[p.family].length > 0) this.#settle(p.family);
    this.#in[p.family].push(prefixRange(p));
    return this;
  }

  /** remove removes every address of the prefix. */
  remove(p: Prefix): this {
    this.#out[p.family].push(prefixRange(p));
    return this;
  }

  /** addRange adds the inclusive range r (first <= last). */
  addRange(r: AddrRange): this {
    if (this.#out[r.family].length > 0) this.#settle(r.family);
    this.#in[r.family].push(valueRange(r));
    return this;
  }

  /** removeRange removes the inclusive range r (first <= last). */
  removeRange(r: AddrRange): this {
    this.#out[r.family].push(valueRange(r));
    return this;
  }

  /** build returns the set of everything added and not removed since; the builder stays usable. */
  build(): PrefixSet {
    this.#settle(4);
    this.#settle(6);
    // settle made fresh range objects that nothing mutates; the arrays are copied because add() appends.
    return new PrefixSet(this.#in[4].slice(), this.#in[6].slice());
  }

  /** settle normalizes a family's ranges and applies its pending removals, so that later adds win over them. */
  #settle(family: Family): void {
    const ins = normalize(this.#in[family]);
    const outs = this.#out[family];
    this.#in[family] = outs.length > 0 ? subtract(ins, normalize(outs)) : ins;
    this.#out[family] = [];
  }
}

/** rangeIndex compiles ranges of one family. */
function rangeIndex(family: Family, ranges: readonly ValueRange[]): RangeIndex {
  return RangeIndex.ofValues(
    family,
    ranges.map((r) => r.first),
    ranges.map((r) => r.last),
  );
}

/** valueRange converts an AddrRange to AddrValues (numbers for IPv4). */
function valueRange(r: AddrRange): ValueRange {
  return r.family === 4 ? { first: Number(r.first), last: Number(r.last) } : { first: r.first, last: r.last };
}
