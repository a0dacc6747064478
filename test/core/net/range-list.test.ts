import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatPrefix,
  forEachRangePrefix,
  isPrefixUnion,
  joinedRanges,
  PrefixSetBuilder,
  RangeBuilder,
  rangeCidrs,
  rangesMeet,
  rangesOf,
  sameRanges,
  subtractRanges,
  toAddrRanges,
  comparePrefix,
  type AddrRange,
  type AddrValue,
  type Family,
  type Prefix,
  type RangeList,
} from '../../../src/core/index.js';
import { mustParseAddr, mustParsePrefix } from '../../support/prefix.js';
import { arbPrefix, oracle, WIDTH } from './support.js';

// RangeList against plain sets of addresses as the oracle (house style: the simple
// implementation tests the fast one), over small universes where random prefixes overlap often.

/** addresses returns every address of the prefixes. */
const addresses = (ps: readonly Prefix[]): Set<bigint> => oracle(ps.map((prefix) => ({ add: true, prefix })));

/** runs returns a set of addresses as its maximal runs of consecutive addresses, in order. */
function runs(family: Family, set: ReadonlySet<bigint>): AddrRange[] {
  const out: AddrRange[] = [];
  for (const v of [...set].sort((a, b) => (a < b ? -1 : 1))) {
    const last = out[out.length - 1];
    if (last && last.last + 1n === v) out[out.length - 1] = { ...last, last: v };
    else out.push({ family, first: v, last: v });
  }
  return out;
}

/** naiveCidrs covers runs with CIDRs: from each run's next address, the largest aligned block that fits, found by trying every size. */
function naiveCidrs(family: Family, rs: readonly AddrRange[]): string[] {
  const out: string[] = [];
  for (const r of rs) {
    for (let a = r.first; a <= r.last; ) {
      let k = WIDTH[family];
      while (a % (1n << BigInt(k)) !== 0n || a + (1n << BigInt(k)) - 1n > r.last) k--;
      out.push(formatPrefix({ family, value: a, bits: WIDTH[family] - k }));
      a += 1n << BigInt(k);
    }
  }
  return out;
}

describe.each([4, 6] as const)('RangeList (IPv%i)', (family) => {
  const prefixes = fc.array(arbPrefix(family), { maxLength: 30 });

  it('rangesOf gives the merged ranges of the addresses, whatever the order of the prefixes', () => {
    fc.assert(
      fc.property(prefixes, (ps) => {
        const list = rangesOf(family, ps);
        expect(toAddrRanges(list)).toEqual(runs(family, addresses(ps)));
        expect(list.family).toBe(family);
      }),
    );
  });

  it('rangeCidrs gives the fewest CIDRs covering exactly the addresses, in order', () => {
    fc.assert(
      fc.property(prefixes, (ps) => {
        expect(rangeCidrs(rangesOf(family, ps))).toEqual(naiveCidrs(family, runs(family, addresses(ps))));
      }),
    );
  });

  it('subtractRanges is set difference, and sameRanges is set equality', () => {
    fc.assert(
      fc.property(prefixes, prefixes, (a, b) => {
        const inB = addresses(b);
        const want = new Set([...addresses(a)].filter((v) => !inB.has(v)));
        const diff = subtractRanges(rangesOf(family, a), rangesOf(family, b));
        expect(toAddrRanges(diff)).toEqual(runs(family, want));
        const equal = [...addresses(a)].sort().join() === [...inB].sort().join();
        expect(sameRanges(rangesOf(family, a), rangesOf(family, b))).toBe(equal);
      }),
    );
  });

  it('joinedRanges joins disjoint ranges given in order (cut anywhere) into the list of their addresses', () => {
    fc.assert(
      fc.property(prefixes, fc.array(fc.nat(), { maxLength: 40 }), (ps, cuts) => {
        const list = rangesOf(family, ps);
        // each range of the list cut into adjacent pieces at the cut offsets that fall inside it
        const pieces: AddrValue[] = [];
        for (const r of toAddrRanges(list)) {
          let first = r.first;
          for (const c of cuts) {
            const at = r.first + BigInt(c);
            if (at <= first || at > r.last) continue;
            pieces.push(...[first, at - 1n].map((v) => (family === 4 ? Number(v) : v)));
            first = at;
          }
          pieces.push(...[first, r.last].map((v) => (family === 4 ? Number(v) : v)));
        }
        expect(joinedRanges(family, pieces)).toEqual(list);
      }),
    );
  });

  it('isPrefixUnion is sameRanges against the prefixes\' list, in address order or not', () => {
    fc.assert(
      fc.property(prefixes, prefixes, fc.boolean(), (a, b, sorted) => {
        const ps = sorted ? [...b].sort(comparePrefix) : b;
        for (const list of [rangesOf(family, a), rangesOf(family, b)]) expect(isPrefixUnion(list, ps)).toBe(sameRanges(list, rangesOf(family, ps)));
      }),
    );
  });

  it('rangesMeet reports whether any address of a prefix is in the list', () => {
    fc.assert(
      fc.property(prefixes, prefixes, (ps, queries) => {
        const list = rangesOf(family, ps);
        const set = addresses(ps);
        for (const q of queries) {
          const first = family === 4 ? Number(q.value) : q.value;
          const { last } = toAddrRanges(rangesOf(family, [q]))[0]!;
          const want = [...addresses([q])].some((v) => set.has(v));
          expect(rangesMeet(list, first, family === 4 ? Number(last) : last)).toBe(want);
        }
      }),
    );
  });
});

describe('RangeList edges', () => {
  it('merges adjacent ranges added in any order and covers the whole IPv4 space', () => {
    const b = new RangeBuilder(4);
    b.add(2 ** 31, 2 ** 32 - 1);
    b.add(0, 2 ** 31 - 1);
    const all: RangeList = b.build();
    expect(all).toEqual({ family: 4, bounds: Float64Array.of(0, 2 ** 32 - 1) });
    expect(rangeCidrs(all)).toEqual(['0.0.0.0/0']);
    expect(rangeCidrs(rangesOf(6, [mustParsePrefix('::/0')]))).toEqual(['::/0']);
  });

  it('a range that is no prefix is split into the fewest CIDRs', () => {
    const b = new RangeBuilder(4);
    b.add(Number(mustParseAddr('10.1.0.0').value), Number(mustParseAddr('10.1.0.5').value));
    expect(rangeCidrs(b.build())).toEqual(['10.1.0.0/30', '10.1.0.4/31']);
  });

  it('lists of different families are never the same', () => {
    expect(sameRanges(rangesOf(4, []), rangesOf(6, []))).toBe(false);
    expect(sameRanges(rangesOf(4, []), rangesOf(4, []))).toBe(true);
  });

  it('sorts IPv4 ranges added out of order, beyond the 2^21 pairs its packed sort takes', () => {
    for (const n of [1000, 2 ** 21 + 3]) {
      const b = new RangeBuilder(4);
      for (let i = n - 1; i >= 0; i--) b.add(4 * i, 4 * i + 1);
      const list = b.build();
      expect(list.bounds.length).toBe(2 * n);
      let sorted = true;
      for (let i = 0; i < n && sorted; i++) sorted = list.bounds[2 * i] === 4 * i && list.bounds[2 * i + 1] === 4 * i + 1;
      expect(sorted).toBe(true);
    }
  });

  it('PrefixSet.forEachPrefix visits what forEachRangePrefix visits for each family', () => {
    const ps = ['10.0.0.0/25', '10.0.0.128/25', '10.9.0.7/32', 'fd00::/64', 'fd00:0:0:1::/64'].map(mustParsePrefix);
    const b = new PrefixSetBuilder();
    for (const p of ps) b.add(p);
    const got: string[] = [];
    b.build().forEachPrefix((family, first, bits) => got.push(formatPrefix({ family, value: BigInt(first), bits })));
    const want: string[] = [];
    for (const family of [4, 6] as const) {
      forEachRangePrefix(rangesOf(family, ps.filter((p) => p.family === family)), (f, first, bits) => want.push(formatPrefix({ family: f, value: BigInt(first), bits })));
    }
    expect(got).toEqual(want);
    expect(got).toEqual(['10.0.0.0/24', '10.9.0.7/32', 'fd00::/63']);
  });
});
