import { ipv6ValueToWords, type Addr, type Family } from './addr.js';
import { comparePrefix, type Prefix } from './prefix.js';
import { pred, prefixRange, RangeIndex, succ, zeroOf, type AddrValue, type ValueRange } from './range-index.js';

interface Segment extends ValueRange {
  readonly owner: number;
}

/**
 * segments flattens prefixes of one family (which, being prefixes, nest or are disjoint) into
 * sorted disjoint segments, each owned by the most specific prefix that covers it:
 *
 *   10.0.0.0/16 (0)  [...............................]
 *   10.0.1.0/24 (1)          [.......]
 *   segments         [ 0 ...][   1   ][ 0 ..........]
 *
 * order lists the indexes of the family's prefixes sorted by address, then shorter first, so
 * a prefix comes after every prefix that contains it; of identical prefixes the first wins.
 */
function segments(family: Family, prefixes: readonly Prefix[], order: readonly number[]): Segment[] {
  const out: Segment[] = [];
  const stack: (ValueRange & { owner: number })[] = [];
  let cursor = zeroOf(family); // first address not yet assigned to a segment
  const emit = (upTo: AddrValue, owner: number): void => {
    if (cursor <= upTo) out.push({ first: cursor, last: upTo, owner });
  };
  for (const i of order) {
    const { first, last } = prefixRange(prefixes[i]!);
    while (stack.length > 0 && stack[stack.length - 1]!.last < first) {
      const top = stack.pop()!;
      emit(top.last, top.owner);
      cursor = succ(top.last);
    }
    const top = stack[stack.length - 1];
    if (top) {
      if (top.first === first && top.last === last) continue;
      emit(pred(first), top.owner);
    }
    cursor = first;
    stack.push({ first, last, owner: i });
  }
  while (stack.length > 0) {
    const top = stack.pop()!;
    emit(top.last, top.owner);
    cursor = succ(top.last);
  }
  return out;
}

const WORDS = new Uint32Array(4);

/**
 * PrefixTable answers which of a list of prefixes is the most specific one containing an
 * address (longest-prefix match), as an index into that list, or -1 when none contains it;
 * of identical prefixes, the first in the list wins. Lookups are binary searches over typed
 * arrays (RangeIndex). poolctl uses it to name the pool behind a set match, which is a
 * reporting choice: set membership itself has no longest-prefix preference (PrefixSet).
 */
export class PrefixTable {
  readonly #index: { readonly 4: RangeIndex; readonly 6: RangeIndex };
  readonly #owner: { readonly 4: Int32Array; readonly 6: Int32Array };

  constructor(prefixes: readonly Prefix[]) {
    const byFamily: { 4: number[]; 6: number[] } = { 4: [], 6: [] };
    let sorted = true;
    for (let i = 0; i < prefixes.length; i++) {
      const p = prefixes[i]!;
      byFamily[p.family].push(i);
      if (i > 0 && comparePrefix(prefixes[i - 1]!, p) > 0) sorted = false;
    }
    const build = (family: Family): [RangeIndex, Int32Array] => {
      const order = byFamily[family];
      if (!sorted) order.sort((a, b) => comparePrefix(prefixes[a]!, prefixes[b]!) || a - b);
      const segs = segments(family, prefixes, order);
      return [new RangeIndex(family, segs), Int32Array.from(segs, (s) => s.owner)];
    };
    const [i4, o4] = build(4);
    const [i6, o6] = build(6);
    this.#index = { 4: i4, 6: i6 };
    this.#owner = { 4: o4, 6: o6 };
  }

  /** lookup returns the index of the most specific prefix containing the address, or -1. */
  lookup(a: Addr): number {
    if (a.family === 4) return this.lookupIPv4(Number(a.value));
    ipv6ValueToWords(a.value, WORDS);
    return this.lookupIPv6Words(WORDS);
  }

  /** lookupIPv4 is lookup for an IPv4 address given as a uint32. */
  lookupIPv4(v: number): number {
    const i = this.#index[4].find4(v);
    return i < 0 ? -1 : this.#owner[4][i]!;
  }

  /** lookupIPv6Words is lookup for an IPv6 address given as four 32-bit words w[off..off+3]. */
  lookupIPv6Words(w: ArrayLike<number>, off = 0): number {
    const i = this.#index[6].find6(w, off);
    return i < 0 ? -1 : this.#owner[6][i]!;
  }
}
