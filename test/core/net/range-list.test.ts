import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPrefix, PrefixSetBuilder, type Family, type Prefix } from '../../../src/core/index.js';
import { RangeBuilder, rangeCidrs, rangesOf, sameRanges, subtractRanges, toAddrRanges, type RangeList } from '../../../src/core/index.js';
import { mustParseAddr, mustParsePrefix } from '../../support/prefix.js';

// RangeList against core's PrefixSet as the oracle (house style: the simple implementation
// tests the fast one), over small universes where random prefixes overlap often.

/** prefixArb gives prefixes inside 10.0.0.0/24 or fd00::/120 (bits 24..32 / 120..128). */
function prefixArb(family: Family): fc.Arbitrary<Prefix> {
  const base = family === 4 ? mustParsePrefix('10.0.0.0/24').value : mustParsePrefix('fd00::/120').value;
  const width = family === 4 ? 32 : 128;
  return fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 8 })).map(([off, host]) => {
    const value = (base + BigInt(off)) & ~((1n << BigInt(host)) - 1n);
    return { family, value, bits: width - host };
  });
}

const oracle = (ps: readonly Prefix[]) => {
  const b = new PrefixSetBuilder();
  for (const p of ps) b.add(p);
  return b.build();
};

describe.each([4, 6] as const)('RangeList (IPv%i)', (family) => {
  const prefixes = fc.array(prefixArb(family), { maxLength: 30 });

  it('rangesOf gives the merged ranges PrefixSet gives, whatever the order of the prefixes', () => {
    fc.assert(
      fc.property(prefixes, (ps) => {
        const list = rangesOf(family, ps);
        expect(toAddrRanges(list)).toEqual([...oracle(ps).ranges()]);
        expect(list.family).toBe(family);
      }),
    );
  });

  it('rangeCidrs gives the CIDRs PrefixSet.toPrefixes gives', () => {
    fc.assert(
      fc.property(prefixes, (ps) => {
        expect(rangeCidrs(rangesOf(family, ps))).toEqual(oracle(ps).toPrefixes().map(formatPrefix));
      }),
    );
  });

  it('subtractRanges is set difference, and sameRanges is set equality', () => {
    fc.assert(
      fc.property(prefixes, prefixes, (a, b) => {
        const want = new PrefixSetBuilder();
        for (const p of a) want.add(p);
        for (const r of oracle(b).ranges()) want.removeRange(r);
        const diff = subtractRanges(rangesOf(family, a), rangesOf(family, b));
        expect(toAddrRanges(diff)).toEqual([...want.build().ranges()]);
        const equal = oracle(a).toPrefixes().map(formatPrefix).join() === oracle(b).toPrefixes().map(formatPrefix).join();
        expect(sameRanges(rangesOf(family, a), rangesOf(family, b))).toBe(equal);
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
});
