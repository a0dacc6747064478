import { type Addr, type AddrRange, type AddrValue, type Family } from './addr.js';
import { prefixRange, type Prefix } from './prefix.js';
import { RangeIndex } from './range-index.js';
import {
  forEachRangePrefix,
  RangeBuilder,
  rangePrefixes,
  rangesMeet,
  subtractRanges,
  toAddrRanges,
  type PrefixVisitor,
  type RangeList,
} from './range-list.js';

/**
 * PrefixSet is an immutable set of addresses of both families, held as one RangeList per
 * family (sorted, non-overlapping, non-adjacent ranges: the one range algebra), compiled into
 * typed arrays (RangeIndex) for allocation-free lookups. Membership is "any added prefix
 * contains the address" (ipset hash:net semantics). Make one with PrefixSetBuilder.
 */
export class PrefixSet {
  readonly #byFamily: { readonly 4: RangeList; readonly 6: RangeList };
  /** v4 and v6 are compiled on the first lookup: sets built only to be rendered never need them. */
  #v4: RangeIndex | undefined;
  #v6: RangeIndex | undefined;
  #ranges: readonly AddrRange[] | undefined;

  /** constructor is internal: one RangeList per family. */
  constructor(v4: RangeList, v6: RangeList) {
    this.#byFamily = { 4: v4, 6: v6 };
  }

  /** isEmpty reports whether the set holds no address. */
  get isEmpty(): boolean {
    return this.#byFamily[4].bounds.length + this.#byFamily[6].bounds.length === 0;
  }

  /** ranges returns the set's ranges, IPv4 before IPv6, each family in address order. */
  ranges(): readonly AddrRange[] {
    this.#ranges ??= [...toAddrRanges(this.#byFamily[4]), ...toAddrRanges(this.#byFamily[6])];
    return this.#ranges;
  }

  /** rangeList returns the ranges of one family as a RangeList (numbers for IPv4), for compiling them further. */
  rangeList(family: Family): RangeList {
    return this.#byFamily[family];
  }

  /** contains reports whether the address is in the set. */
  contains(a: Addr): boolean {
    const v = a.family === 4 ? Number(a.value) : a.value;
    return rangesMeet(this.#byFamily[a.family], v, v);
  }

  /** containsIPv4 reports whether the IPv4 address v (a uint32) is in the set. */
  containsIPv4(v: number): boolean {
    this.#v4 ??= rangeIndex(this.#byFamily[4]);
    return this.#v4.find4(v) >= 0;
  }

  /** containsIPv6Words reports whether the IPv6 address in words w[off..off+3] is in the set. */
  containsIPv6Words(w: ArrayLike<number>, off = 0): boolean {
    this.#v6 ??= rangeIndex(this.#byFamily[6]);
    return this.#v6.find6(w, off) >= 0;
  }

  /** overlaps reports whether any address of the prefix is in the set. */
  overlaps(p: Prefix): boolean {
    const r = prefixRange(p);
    return rangesMeet(this.#byFamily[p.family], r.first, r.last);
  }

  /**
   * toPrefixes returns the minimal list of prefixes that covers exactly the set (IPv4 first,
   * in address order): what an nft interval set needs, with overlapping and adjacent members
   * merged (10.0.0.0/25 + 10.0.0.128/25 -> 10.0.0.0/24).
   */
  toPrefixes(): Prefix[] {
    return [...rangePrefixes(this.#byFamily[4]), ...rangePrefixes(this.#byFamily[6])];
  }

  /** forEachPrefix visits the prefixes of toPrefixes, in order, without making Prefix objects (renderers write them as text). */
  forEachPrefix(visit: PrefixVisitor): void {
    forEachRangePrefix(this.#byFamily[4], visit);
    forEachRangePrefix(this.#byFamily[6], visit);
  }
}

/**
 * PrefixSetBuilder collects prefixes and ranges to add and remove, in order, and builds an
 * immutable PrefixSet (after go4.org/netipx IPSetBuilder): a later add wins over an earlier
 * remove and vice versa. Families never mix: removing an IPv4 prefix never touches IPv6.
 */
export class PrefixSetBuilder {
  readonly #in = { 4: new RangeBuilder(4), 6: new RangeBuilder(6) };
  readonly #out = { 4: new RangeBuilder(4), 6: new RangeBuilder(6) };

  /** add adds every address of the prefix. */
  add(p: Prefix): this {
    if (!this.#out[p.family].isEmpty) this.#settle(p.family);
    this.#in[p.family].addPrefix(p);
    return this;
  }

  /** remove removes every address of the prefix. */
  remove(p: Prefix): this {
    this.#out[p.family].addPrefix(p);
    return this;
  }

  /** addRange adds the inclusive range r (first <= last). */
  addRange(r: AddrRange): this {
    if (!this.#out[r.family].isEmpty) this.#settle(r.family);
    addAddrRange(this.#in[r.family], r);
    return this;
  }

  /** removeRange removes the inclusive range r (first <= last). */
  removeRange(r: AddrRange): this {
    addAddrRange(this.#out[r.family], r);
    return this;
  }

  /** build returns the set of everything added and not removed since; the builder stays usable. */
  build(): PrefixSet {
    this.#settle(4);
    this.#settle(6);
    return new PrefixSet(this.#in[4].build(), this.#in[6].build());
  }

  /** settle applies a family's pending removals to what was added so far, so that later adds win over them. */
  #settle(family: Family): void {
    const outs = this.#out[family];
    if (outs.isEmpty) return;
    this.#in[family].reset(subtractRanges(this.#in[family].build(), outs.build()));
    this.#out[family] = new RangeBuilder(family);
  }
}

/** rangeIndex compiles a RangeList. */
function rangeIndex(list: RangeList): RangeIndex {
  const bs = list.bounds;
  const n = bs.length / 2;
  if (list.family === 4) {
    const first = new Uint32Array(n);
    const last = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      first[i] = list.bounds[2 * i]!;
      last[i] = list.bounds[2 * i + 1]!;
    }
    return new RangeIndex(4, first, last);
  }
  const first: AddrValue[] = [];
  const last: AddrValue[] = [];
  for (let i = 0; i < bs.length; i += 2) {
    first.push(bs[i]!);
    last.push(bs[i + 1]!);
  }
  return RangeIndex.ofValues(6, first, last);
}

/** addAddrRange adds an AddrRange to a builder of its family (numbers for IPv4). */
function addAddrRange(b: RangeBuilder, r: AddrRange): void {
  if (r.family === 4) b.add(Number(r.first), Number(r.last));
  else b.add(r.first, r.last);
}
