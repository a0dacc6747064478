import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { comparePrefix, formatIPv4Value, formatPrefix, parsePrefix, type Prefix } from '../../src/core/index.js';
import { formatKey4, keysOf4, parseKey4, prefixKey4, printKey4 } from '../../src/host/ipv4-key.js';
import { fcRuns } from '../support/fc-runs.js';

// IPv4 prefix keys (address * 64 + length) against core's Prefix, parsePrefix and formatPrefix.

const arbPrefix4: fc.Arbitrary<Prefix> = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([v, bits]) => ({
  family: 4,
  value: BigInt(bits === 0 ? 0 : (v & (-1 << (32 - bits))) >>> 0),
  bits,
}));

/** ipsetText is how ipset prints a hash:net member: canonical CIDR text, a /32 without its length. */
const ipsetText = (p: Prefix): string => (p.bits === 32 ? formatIPv4Value(Number(p.value)) : formatPrefix(p));

describe('IPv4 prefix keys', () => {
  it('formatKey4 and printKey4 give the prefix as formatPrefix and ipset print it', () => {
    fc.assert(
      fc.property(arbPrefix4, (p) => {
        expect(formatKey4(prefixKey4(p))).toBe(formatPrefix(p));
        expect(printKey4(prefixKey4(p))).toBe(ipsetText(p));
      }),
    );
  });

  it('order prefixes as comparePrefix does, and keysOf4 sorts them', () => {
    fc.assert(
      fc.property(fc.array(arbPrefix4, { maxLength: 30 }), (ps) => {
        const sorted = [...ps].sort(comparePrefix);
        expect([...keysOf4(ps)]).toEqual(sorted.map(prefixKey4));
      }),
    );
  });

  it('parseKey4 reads what ipset prints, anywhere in a line, and nothing else', () => {
    fc.assert(
      fc.property(arbPrefix4, fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), (p, before, after) => {
        const text = ipsetText(p);
        expect(parseKey4(`${before}${text}${after}`, before.length, before.length + text.length)).toBe(prefixKey4(p));
      }),
    );
    // Any other text gives -1: parsed strictly, it is not canonical ipset output.
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9./]{1,20}$/), (s) => {
        const parsed = parsePrefix(s.includes('/') ? s : `${s}/32`);
        const canonical = parsed.ok && !parsed.value.hostBitsSet && parsed.value.prefix.family === 4 && ipsetText(parsed.value.prefix) === s;
        expect(parseKey4(s, 0, s.length)).toBe(canonical ? prefixKey4(parsed.value.prefix) : -1);
      }),
      { numRuns: fcRuns(2000) },
    );
    for (const s of ['10.0.0.0/26', '10.9.0.1', '0.0.0.0/0']) expect(parseKey4(s, 0, s.length)).toBeGreaterThanOrEqual(0);
    for (const s of ['10.0.0.1/26', '010.0.0.0/8', '10.9.0.1/32', '10.0.0.0/08', '10.0.0.0/33', '10.0.0.0/26 timeout 5', '256.0.0.0/8']) {
      expect(parseKey4(s, 0, s.length)).toBe(-1);
    }
  });
});
