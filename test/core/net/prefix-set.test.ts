import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatPrefix, ipv6ValueToWords, lastAddrValue, PrefixSetBuilder, type Addr } from '../../../src/core/index.js';
import { mustParseAddr, mustParsePrefix } from '../../support/prefix.js';
import { arbOps, oracle, probe, WIDTH, type Op } from './support.js';

function build(ops: readonly Op[]) {
  const b = new PrefixSetBuilder();
  for (const { add, prefix } of ops) {
    if (add) b.add(prefix);
    else b.remove(prefix);
  }
  return b.build();
}

const words = new Uint32Array(4);

describe.each([4, 6] as const)('PrefixSet IPv%i against a Set<bigint> oracle', (family) => {
  it('contains (bigint and typed-array paths) equals the oracle after any add/remove sequence', () => {
    fc.assert(
      fc.property(arbOps(family), (ops) => {
        const set = build(ops);
        const want = oracle(ops);
        for (const v of probe(family)) {
          const a: Addr = { family, value: v };
          expect(set.contains(a)).toBe(want.has(v));
          if (family === 4) {
            expect(set.containsIPv4(Number(v))).toBe(want.has(v));
          } else {
            ipv6ValueToWords(v, words);
            expect(set.containsIPv6Words(words)).toBe(want.has(v));
          }
        }
      }),
    );
  });

  it('ranges are sorted, non-overlapping and non-adjacent', () => {
    fc.assert(
      fc.property(arbOps(family), (ops) => {
        const rs = build(ops).ranges();
        for (let i = 0; i < rs.length; i++) {
          expect(rs[i]!.first <= rs[i]!.last).toBe(true);
          if (i > 0) expect(rs[i - 1]!.last + 1n < rs[i]!.first).toBe(true);
        }
      }),
    );
  });

  it('toPrefixes covers exactly the set, in order, with no two prefixes that merge into one', () => {
    fc.assert(
      fc.property(arbOps(family), (ops) => {
        const prefixes = build(ops).toPrefixes();
        const covered = new Set<bigint>();
        let prevLast = -1n;
        for (const p of prefixes) {
          expect(p.value > prevLast).toBe(true); // sorted, disjoint
          prevLast = lastAddrValue(p);
          for (let v = p.value; v <= lastAddrValue(p); v++) covered.add(v);
        }
        expect([...covered].sort()).toEqual([...oracle(ops)].sort());
        // Minimal: no two neighbours are the halves of one aligned block.
        for (let i = 1; i < prefixes.length; i++) {
          const a = prefixes[i - 1]!;
          const b = prefixes[i]!;
          const host = BigInt(WIDTH[family] - a.bits);
          const mergeable = a.bits === b.bits && b.value === lastAddrValue(a) + 1n && a.value % (1n << (host + 1n)) === 0n;
          expect(mergeable).toBe(false);
        }
      }),
    );
  });

  it('overlaps reports whether any address of a prefix is in the set', () => {
    fc.assert(
      fc.property(arbOps(family), arbOps(family), (ops, queries) => {
        const set = build(ops);
        const want = oracle(ops);
        for (const { prefix } of queries) {
          let any = false;
          for (let v = prefix.value; v <= lastAddrValue(prefix) && !any; v++) any = want.has(v);
          expect(set.overlaps(prefix)).toBe(any);
        }
      }),
    );
  });
});

describe('PrefixSet edges', () => {
  it('handles /0 and the last address of each family', () => {
    const set = new PrefixSetBuilder().add(mustParsePrefix('0.0.0.0/0')).add(mustParsePrefix('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128')).build();
    expect(set.containsIPv4(0)).toBe(true);
    expect(set.containsIPv4(0xffffffff)).toBe(true);
    expect(set.contains(mustParseAddr('::'))).toBe(false);
    expect(set.contains(mustParseAddr('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'))).toBe(true);
    expect(set.contains(mustParseAddr('ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe'))).toBe(false);
    expect(set.toPrefixes().map(formatPrefix)).toEqual(['0.0.0.0/0', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128']);
  });

  it('never mixes families: an IPv4 /0 holds no IPv6 address, removing ::/0 keeps IPv4', () => {
    const set = new PrefixSetBuilder().add(mustParsePrefix('0.0.0.0/0')).remove(mustParsePrefix('::/0')).build();
    expect(set.contains(mustParseAddr('10.1.2.3'))).toBe(true);
    expect(set.contains(mustParseAddr('::ffff:10.1.2.3'))).toBe(false);
    expect(set.overlaps(mustParsePrefix('::/0'))).toBe(false);
  });

  it('a later add wins over an earlier remove, and the other way round', () => {
    const p = mustParsePrefix('10.0.0.0/24');
    expect(new PrefixSetBuilder().remove(p).add(p).build().contains(mustParseAddr('10.0.0.7'))).toBe(true);
    expect(new PrefixSetBuilder().add(p).remove(p).build().isEmpty).toBe(true);
  });

  it('removes at range boundaries', () => {
    const set = new PrefixSetBuilder()
      .add(mustParsePrefix('10.0.0.0/24'))
      .remove(mustParsePrefix('10.0.0.0/32'))
      .remove(mustParsePrefix('10.0.0.255/32'))
      .build();
    expect(set.toPrefixes().map(formatPrefix)).toEqual([
      '10.0.0.1/32',
      '10.0.0.2/31',
      '10.0.0.4/30',
      '10.0.0.8/29',
      '10.0.0.16/28',
      '10.0.0.32/27',
      '10.0.0.64/26',
      '10.0.0.128/26',
      '10.0.0.192/27',
      '10.0.0.224/28',
      '10.0.0.240/29',
      '10.0.0.248/30',
      '10.0.0.252/31',
      '10.0.0.254/32',
    ]);
  });

  it('merges overlapping and adjacent prefixes (what nft interval sets need)', () => {
    const set = new PrefixSetBuilder()
      .add(mustParsePrefix('10.0.0.0/16'))
      .add(mustParsePrefix('10.0.1.0/24'))
      .add(mustParsePrefix('10.1.0.0/25'))
      .add(mustParsePrefix('10.1.0.128/25'))
      .add(mustParsePrefix('fd00::/64'))
      .add(mustParsePrefix('fd00::/80'))
      .build();
    expect(set.toPrefixes().map(formatPrefix)).toEqual(['10.0.0.0/16', '10.1.0.0/24', 'fd00::/64']);
  });
});
