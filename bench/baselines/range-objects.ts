// The range algebra PrefixSet used until 833a219, kept only as the `ranges` bench's baseline:
// ranges as one {first, last} object each (numbers for IPv4, bigints for IPv6). core now
// computes on flat bounds (core/net/range-list.ts); this copy shows what that choice buys.
import { POW2, type AddrValue, type Family, type Prefix } from '../../src/core/index.js';

/** ObjectRange is an inclusive range as one object. */
export interface ObjectRange {
  first: AddrValue;
  last: AddrValue;
}

const succ = (x: AddrValue): AddrValue => (typeof x === 'number' ? x + 1 : x + 1n);
const pred = (x: AddrValue): AddrValue => (typeof x === 'number' ? x - 1 : x - 1n);
const byFirst = (a: ObjectRange, b: ObjectRange): number => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0);

/** objectRangeOf returns a prefix's first and last address as one object. */
export function objectRangeOf(p: Prefix): ObjectRange {
  if (p.family === 4) {
    const first = Number(p.value);
    return { first, last: first + POW2[32 - p.bits]! - 1 };
  }
  return { first: p.value, last: p.value | ((1n << BigInt(128 - p.bits)) - 1n) };
}

/** normalizeObjects returns the ranges sorted, overlapping and adjacent ones merged. */
export function normalizeObjects(ranges: readonly ObjectRange[]): ObjectRange[] {
  let sorted = true;
  for (let i = 1; i < ranges.length && sorted; i++) sorted = ranges[i - 1]!.first <= ranges[i]!.first;
  const input = sorted ? ranges : [...ranges].sort(byFirst);
  const out: ObjectRange[] = [];
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

/** subtractObjects returns the normalized ranges `from` without the normalized ranges `minus`. */
export function subtractObjects(from: readonly ObjectRange[], minus: readonly ObjectRange[]): ObjectRange[] {
  const out: ObjectRange[] = [];
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

/** sameObjects reports whether two normalized lists are equal. */
export function sameObjects(a: readonly ObjectRange[], b: readonly ObjectRange[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.first !== b[i]!.first || a[i]!.last !== b[i]!.last) return false;
  return true;
}

function rangeSize(first: AddrValue, last: AddrValue): AddrValue {
  return typeof first === 'number' ? (last as number) - first + 1 : (last as bigint) - first + 1n;
}

function hostBitsOf(a: AddrValue, size: AddrValue, width: number): number {
  if (typeof a === 'number') {
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

/** forEachObjectPrefix visits the fewest prefixes covering the ranges exactly, in order. */
export function forEachObjectPrefix(family: Family, ranges: readonly ObjectRange[], visit: (first: AddrValue, bits: number) => void): void {
  const width = family === 4 ? 32 : 128;
  for (const r of ranges) {
    let a = r.first;
    for (;;) {
      const host = hostBitsOf(a, rangeSize(a, r.last), width);
      visit(a, width - host);
      const next = typeof a === 'number' ? a + POW2[host]! : a + (1n << BigInt(host));
      if (next > r.last) break;
      a = next;
    }
  }
}

/** findObject returns the index of the range holding v, or -1 (PrefixSet.contains before the compiled index). */
export function findObject(rs: readonly ObjectRange[], v: AddrValue): number {
  let lo = 0;
  let hi = rs.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (rs[mid]!.first <= v) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found >= 0 && rs[found]!.last >= v ? found : -1;
}
