import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  canonicalIPv4Key,
  canonicalIPv6Bits,
  canonicalPrefixText,
  containsAddr,
  containsPrefix,
  formatPrefix,
  ipv6WordsToValue,
  lastAddrValue,
  overlaps,
  parseAddr,
  parsePrefix,
  writePrefix,
  type Family,
  type Prefix,
} from '../../../src/core/index.js';
import { mustParseAddr, mustParsePrefix } from '../../support/prefix.js';
import { fcRuns } from '../../support/fc-runs.js';

describe('parsePrefix', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8', false],
    ['10.0.0.1/16', '10.0.0.0/16', true],
    ['0.0.0.0/0', '0.0.0.0/0', false],
    ['1.2.3.4/32', '1.2.3.4/32', false],
    ['FD00:ABCD::/64', 'fd00:abcd::/64', false],
    ['fd5f::1/123', 'fd5f::/123', true],
    ['2001:0db8:85a3:0000:0000:0000:0000:0000/64', '2001:db8:85a3::/64', false],
    ['aa00:0000::0000/10', 'aa00::/10', false],
    ['::/0', '::/0', false],
    ['10.0.0.0/08', '10.0.0.0/8', false], // Go's dtoi accepts leading zeros in the length
  ] as const)('%s -> %s (host bits %s)', (input, canonical, hostBits) => {
    const r = parsePrefix(input);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(formatPrefix(r.value.prefix)).toBe(canonical);
    expect(r.value.hostBitsSet).toBe(hostBits);
  });

  it.each([
    ['10.0.0.0', 'prefix-missing-length'],
    ['10.0.0.0/33', 'prefix-length'],
    ['aa:bb::/129', 'prefix-length'],
    ['10.0.0.0/', 'prefix-length'],
    ['10.0.0.0/-1', 'prefix-length'],
    ['10.0.0.0/8/8', 'prefix-length'],
    ['10.0.256.0/24', 'ipv4-octet-range'],
    ['010.0.0.0/8', 'ipv4-leading-zero'],
    ['fd5f::2::1/32', 'ipv6-syntax'],
    ['fe80::1%eth0/64', 'zone'],
    ['127.1/8', 'ipv4-syntax'],
  ] as const)('rejects %s (%s)', (input, kind) => {
    const r = parsePrefix(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe(kind);
  });
});

describe('containment', () => {
  it('never mixes families', () => {
    expect(containsAddr(mustParsePrefix('10.0.0.0/8'), mustParseAddr('::ffff:10.0.0.1'))).toBe(false);
    expect(containsAddr(mustParsePrefix('::/0'), mustParseAddr('10.0.0.1'))).toBe(false);
    expect(containsAddr(mustParsePrefix('0.0.0.0/0'), mustParseAddr('::1'))).toBe(false);
    expect(overlaps(mustParsePrefix('0.0.0.0/0'), mustParsePrefix('::/0'))).toBe(false);
  });

  it('includes both ends of the range and nothing beyond', () => {
    const p = mustParsePrefix('192.168.0.0/16');
    expect(containsAddr(p, mustParseAddr('192.168.0.0'))).toBe(true);
    expect(containsAddr(p, mustParseAddr('192.168.255.255'))).toBe(true);
    expect(containsAddr(p, mustParseAddr('192.167.255.255'))).toBe(false);
    expect(containsAddr(p, mustParseAddr('192.169.0.0'))).toBe(false);
  });

  // Oracle: compare the first `bits` characters of the addresses' bit strings.
  function bitString(family: Family, v: bigint): string {
    return v.toString(2).padStart(family === 4 ? 32 : 128, '0');
  }
  const arbPrefix = (family: Family): fc.Arbitrary<Prefix> =>
    fc
      .tuple(
        family === 4 ? fc.bigInt({ min: 0n, max: 0xffffffffn }) : fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
        fc.oneof(fc.constantFrom(0, family === 4 ? 32 : 128, 1, family === 4 ? 31 : 127), fc.integer({ min: 0, max: family === 4 ? 32 : 128 })),
      )
      .map(([v, bits]) => {
        const w = family === 4 ? 32 : 128;
        const host = (1n << BigInt(w - bits)) - 1n;
        return { family, value: v & ~host & ((1n << BigInt(w)) - 1n), bits };
      });

  for (const family of [4, 6] as const) {
    const w = family === 4 ? 32 : 128;
    const arbValue = fc.oneof(
      fc.bigInt({ min: 0n, max: (1n << BigInt(w)) - 1n }),
      fc.constantFrom(0n, (1n << BigInt(w)) - 1n),
    );
    it(`IPv${family}: containsAddr = bit-string oracle`, () => {
      fc.assert(
        fc.property(arbPrefix(family), arbValue, (p, v) => {
          const oracle = bitString(family, v).slice(0, p.bits) === bitString(family, p.value).slice(0, p.bits);
          expect(containsAddr(p, { family, value: v })).toBe(oracle);
        }),
        { numRuns: fcRuns(2000) },
      );
    });
    it(`IPv${family}: the range ends are contained, their neighbours are not`, () => {
      fc.assert(
        fc.property(arbPrefix(family), (p) => {
          const last = lastAddrValue(p);
          expect(containsAddr(p, { family, value: p.value })).toBe(true);
          expect(containsAddr(p, { family, value: last })).toBe(true);
          if (p.value > 0n) expect(containsAddr(p, { family, value: p.value - 1n })).toBe(false);
          if (last < (1n << BigInt(w)) - 1n) expect(containsAddr(p, { family, value: last + 1n })).toBe(false);
        }),
      );
    });
    it(`IPv${family}: overlaps is symmetric and equals range intersection`, () => {
      fc.assert(
        fc.property(arbPrefix(family), arbPrefix(family), (p, q) => {
          const intersect = p.value <= lastAddrValue(q) && q.value <= lastAddrValue(p);
          expect(overlaps(p, q)).toBe(intersect);
          expect(overlaps(q, p)).toBe(overlaps(p, q));
          expect(containsPrefix(p, q)).toBe(p.bits <= q.bits && intersect);
        }),
      );
    });
    it(`IPv${family}: masking is idempotent and format/parse round-trips`, () => {
      fc.assert(
        fc.property(arbPrefix(family), (p) => {
          const s = formatPrefix(p);
          const r = parsePrefix(s);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          expect(r.value.prefix).toEqual(p);
          expect(r.value.hostBitsSet).toBe(false);
          expect(formatPrefix(r.value.prefix)).toBe(s);
        }),
      );
    });
  }
});

describe('parsePrefix against its definition (the fast path for text that parses)', () => {
  // The definition, written plainly: parseAddr on the text before "/", a decimal length of 1-5
  // digits within the family's width, host bits cleared with bigint arithmetic; null: no prefix.
  function reference(s: string): ReturnType<typeof parsePrefix> | null {
    const slash = s.indexOf('/');
    if (slash < 0) return null;
    const a = parseAddr(s.slice(0, slash));
    const len = s.slice(slash + 1);
    if (!a.ok || !/^[0-9]{1,5}$/.test(len) || Number(len) > (a.value.family === 4 ? 32 : 128)) return null;
    const width = a.value.family === 4 ? 32 : 128;
    const bits = Number(len);
    const value = a.value.value & (((1n << BigInt(bits)) - 1n) << BigInt(width - bits));
    return { ok: true, value: { prefix: { family: a.value.family, value, bits }, addr: a.value, hostBitsSet: value !== a.value.value } };
  }
  const octet = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.constantFrom('256', '01', '00', '999', ''));
  const v4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
  const group = fc.oneof(fc.integer({ min: 0, max: 0xffff }).map((g) => g.toString(16)), fc.constantFrom('FFFF', 'Ab', '0', '00000', 'g'));
  const v6 = fc.oneof(
    fc.array(group, { minLength: 8, maxLength: 8 }).map((g) => g.join(':')),
    fc.tuple(fc.array(group, { maxLength: 4 }), fc.array(group, { maxLength: 3 })).map(([a, b]) => `${a.join(':')}::${b.join(':')}`),
    v4.map((a) => `::ffff:${a}`),
  );
  const len = fc.oneof(fc.integer({ min: 0, max: 130 }).map(String), fc.constantFrom('024', '00', '', '1a', '-1', '123456', '0032', '000024', '00000'));
  const text = fc.oneof(
    fc.tuple(v4, len).map(([a, l]) => `${a}/${l}`),
    fc.tuple(v6, len).map(([a, l]) => `${a}/${l}`),
    fc.tuple(v6, len).map(([a, l]) => `${a}%eth0/${l}`),
    fc.string({ maxLength: 20 }),
    v4,
  );
  it('gives the same prefix, address and host bits, or an error, for any text', () => {
    fc.assert(
      fc.property(text, (s) => {
        const want = reference(s);
        if (want === null) expect(parsePrefix(s).ok).toBe(false);
        else expect(parsePrefix(s)).toEqual(want);
      }),
      { numRuns: fcRuns(3000) },
    );
  });

  it('canonicalIPv4Key accepts exactly the IPv4 CIDRs that parse without host bits in their canonical text, with their address and length', () => {
    // canonical texts of random prefixes (host bits set or not), and small edits of them: a
    // leading zero in an octet or the length, an octet or length too large, a character more or less
    const canonical = fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 }), fc.boolean()).map(([v, bits, masked]) => {
      const value = masked ? v - (v % 2 ** (32 - bits)) : v;
      return formatPrefix({ family: 4, value: BigInt(value), bits });
    });
    const edit = fc.tuple(canonical, fc.nat(), fc.constantFrom('0', '1', '9', '.', '/', '', '25', '256', '00', ' ', '\u0130')).map(([c, at, x]) => {
      const k = at % (c.length + 1);
      return at % 2 === 0 ? c.slice(0, k) + x + c.slice(k) : c.slice(0, k) + x + c.slice(k + 1);
    });
    fc.assert(
      fc.property(fc.oneof(text, canonical, edit, canonical.map((c) => c.replace('/', '/0'))), (s) => {
        const r = parsePrefix(s);
        const want = r.ok && r.value.prefix.family === 4 && !r.value.hostBitsSet && formatPrefix(r.value.prefix) === s;
        const key = canonicalIPv4Key(s);
        expect(key >= 0).toBe(want);
        if (want) expect(key).toBe(Number(r.value.prefix.value) * 64 + r.value.prefix.bits);
      }),
      { numRuns: fcRuns(5000) },
    );
  });

  it('canonicalIPv6Bits accepts exactly the IPv6 CIDRs that parse without host bits in their canonical text, with their words', () => {
    // canonical texts of random prefixes (with host bits set or not) beside any text
    const value = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
    const canonical = fc.tuple(value, fc.integer({ min: 0, max: 128 }), fc.boolean()).map(([v, bits, masked]) => {
      const p: Prefix = { family: 6, value: masked ? v & (((1n << BigInt(bits)) - 1n) << BigInt(128 - bits)) : v, bits };
      return formatPrefix(p);
    });
    const words = new Uint32Array(4);
    fc.assert(
      fc.property(fc.oneof(text, canonical, canonical.map((c) => c.toUpperCase()), canonical.map((c) => c.replace('/', '/0'))), (s) => {
        const r = parsePrefix(s);
        const want = r.ok && r.value.prefix.family === 6 && !r.value.hostBitsSet && formatPrefix(r.value.prefix) === s;
        const bits = canonicalIPv6Bits(s, words);
        expect(bits >= 0).toBe(want);
        if (want) {
          expect(bits).toBe(r.value.prefix.bits);
          expect(ipv6WordsToValue(words)).toBe(r.value.prefix.value);
        }
      }),
      { numRuns: fcRuns(3000) },
    );
  });

  it('canonicalPrefixText and writePrefix give formatPrefix', () => {
    const buf = new Uint8Array(64);
    fc.assert(
      fc.property(text, (s) => {
        const r = parsePrefix(s);
        if (!r.ok) return;
        const canonical = formatPrefix(r.value.prefix);
        expect(canonicalPrefixText(s, r.value)).toBe(canonical);
        expect(new TextDecoder().decode(buf.subarray(0, writePrefix(r.value.prefix, buf, 0)))).toBe(canonical);
      }),
      { numRuns: fcRuns(2000) },
    );
  });
});
