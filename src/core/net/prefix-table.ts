import { ipv6ValueToWords, pred, succ, zeroOf, type Addr, type AddrValue, type Family } from './addr.js';
import { comparePrefix, prefixRange, type Prefix } from './prefix.js';
import { RangeIndex } from './range-index.js';

/** Segments are disjoint ranges in address order, as parallel arrays, each with its owner. */
interface Segments {
  readonly first: AddrValue[];
  readonly last: AddrValue[];
  readonly owner: number[];
}

/**
 * segments flattens prefixes of one family (which, being prefixes, nest or are disjoint) into
 * sorted disjoint segments, each owned by the most specific prefix that covers it:
 *
 *   10.0.0.0/16 (0)  [...............................]
 *   10.0.1.0/24 (1)          [.......]
 *   segments         [ 0 ...][   1   ][ 0 ..........]
 *
 * The prefixes come as their first and last addresses and their owners, sorted by address,
 * then shorter first, so a prefix comes after every prefix that contains it; of identical
 * prefixes the first wins.
 */
function segments(family: Family, firsts: readonly AddrValue[], lasts: readonly AddrValue[], owners: readonly number[]): Segments {
  const out: Segments = { first: [], last: [], owner: [] };
  // The stack holds the prefixes that contain the current one, outermost first.
  const stackFirst: AddrValue[] = [];
  const stackLast: AddrValue[] = [];
  const stackOwner: number[] = [];
  let cursor = zeroOf(family); // first address not yet assigned to a segment
  const emit = (upTo: AddrValue, owner: number): void => {
    if (cursor > upTo) return;
    out.first.push(cursor);
    out.last.push(upTo);
    out.owner.push(owner);
  };
  for (let k = 0; k < owners.length; k++) {
    const first = firsts[k]!;
    const last = lasts[k]!;
    let top = stackLast.length - 1;
    for (; top >= 0 && stackLast[top]! < first; top--) {
      emit(stackLast[top]!, stackOwner[top]!);
      cursor = succ(stackLast[top]!);
      stackFirst.pop();
      stackLast.pop();
      stackOwner.pop();
    }
    if (top >= 0) {
      if (stackFirst[top] === first && stackLast[top] === last) continue;
      emit(pred(first), stackOwner[top]!);
    }
    cursor = first;
    stackFirst.push(first);
    stackLast.push(last);
    stackOwner.push(owners[k]!);
  }
  for (let top = stackLast.length - 1; top >= 0; top--) {
    emit(stackLast[top]!, stackOwner[top]!);
    cursor = succ(stackLast[top]!);
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
    for (let i = 0; i < prefixes.length; i++) byFamily[prefixes[i]!.family].push(i);
    const build = (family: Family): [RangeIndex, Int32Array] => {
      const order = byFamily[family];
      let sorted = true;
      for (let k = 1; k < order.length && sorted; k++) sorted = comparePrefix(prefixes[order[k - 1]!]!, prefixes[order[k]!]!) <= 0;
      if (!sorted) order.sort((a, b) => comparePrefix(prefixes[a]!, prefixes[b]!) || a - b);
      const firsts: AddrValue[] = [];
      const lasts: AddrValue[] = [];
      // disjoint: each prefix starts after the one before ends, so each is a segment of its own
      let disjoint = true;
      for (const i of order) {
        const { first, last } = prefixRange(prefixes[i]!);
        if (lasts.length > 0 && first <= lasts[lasts.length - 1]!) disjoint = false;
        firsts.push(first);
        lasts.push(last);
      }
      if (disjoint) return [RangeIndex.ofValues(family, firsts, lasts), Int32Array.from(order)];
      const segs = segments(family, firsts, lasts, order);
      return [RangeIndex.ofValues(family, segs.first, segs.last), Int32Array.from(segs.owner)];
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
