// covers: src/core/net/addr.ts, src/core/result.ts
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  compareAddr,
  formatAddr,
  formatIPv6Value,
  formatIPv6Words,
  ipv4ScanEnd,
  ipv6ValueToWords,
  isIPv4Mapped,
  parseAddr,
  parseIPv4Bytes,
  parseIPv4Value,
  parseIPv6Words,
  scanIPv4Bytes,
  unmap,
  writeIPv4Value,
  writeIPv6Words,
} from '../../../src/core/index.js';

describe('parseAddr', () => {
  // A corpus of nasty inputs, after Go's netip fuzz corpus.
  it.each([
    ['0.0.0.0', 4, '0.0.0.0'],
    ['255.255.255.255', 4, '255.255.255.255'],
    ['192.168.1.5', 4, '192.168.1.5'],
    ['::', 6, '::'],
    ['::1', 6, '::1'],
    ['1::', 6, '1::'],
    ['FD00:ABCD::', 6, 'fd00:abcd::'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', 6, '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', 6, '2001:db8::1:0:0:1'], // leftmost of two equal runs
    ['2001:db8:0:1:1:1:1:1', 6, '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    ['::ffff:1.2.3.4', 6, '::ffff:1.2.3.4'],
    ['::1.2.3.4', 6, '::102:304'],
    ['1:2:3:4:5:6:7::', 6, '1:2:3:4:5:6:7:0'],
    ['::2:3:4:5:6:7:8', 6, '0:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:1.2.3.4', 6, '1:2:3:4:5:6:102:304'],
  ] as const)('accepts %s', (input, family, canonical) => {
    const r = parseAddr(input);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.family).toBe(family);
    expect(formatAddr(r.value)).toBe(canonical);
  });

  it.each([
    ['', 'empty'],
    ['127.1', 'ipv4-syntax'],
    ['1.2.3', 'ipv4-syntax'],
    ['1.2.3.4.5', 'ipv4-syntax'],
    ['010.0.0.1', 'ipv4-leading-zero'],
    ['1.2.3.04', 'ipv4-leading-zero'],
    ['256.0.0.0', 'ipv4-octet-range'],
    ['0x7f.0.0.1', 'ipv4-syntax'],
    ['1.2.3.4 ', 'ipv4-syntax'],
    [' 1.2.3.4', 'ipv4-syntax'],
    ['1..2.3', 'ipv4-syntax'],
    ['1.2.3.', 'ipv4-syntax'],
    ['-1.2.3.4', 'ipv4-syntax'],
    ['fe80::1%eth0', 'zone'],
    [':::', 'ipv6-syntax'],
    ['1:::2', 'ipv6-syntax'],
    ['::1::', 'ipv6-syntax'],
    ['1:2:3:4:5:6:7:8:9', 'ipv6-syntax'],
    ['1:2:3:4:5:6:7', 'ipv6-syntax'],
    ['1:2:3:4:5:6:7:8::', 'ipv6-syntax'],
    ['12345::', 'ipv6-syntax'],
    ['g::', 'ipv6-syntax'],
    [':1', 'ipv6-syntax'],
    ['1:', 'ipv6-syntax'],
    ['::1.2.3', 'ipv6-syntax'],
    ['::01.2.3.4', 'ipv6-syntax'],
    ['1:2:3:4:5:6:7:1.2.3.4', 'ipv6-syntax'],
    ['::1.2.3.4:5', 'ipv6-syntax'],
  ] as const)('rejects %j (%s)', (input, kind) => {
    const r = parseAddr(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.kind).toBe(kind);
    expect(r.error.input).toBe(input);
  });
});

describe('IPv4-mapped addresses', () => {
  it('stay IPv6 until unmapped', () => {
    const r = parseAddr('::ffff:10.0.0.1');
    expect(r.ok && r.value.family).toBe(6);
    if (!r.ok) return;
    expect(isIPv4Mapped(r.value)).toBe(true);
    expect(formatAddr(unmap(r.value))).toBe('10.0.0.1');
    expect(unmap(r.value).family).toBe(4);
  });
});

describe('properties', () => {
  const v4 = fc.integer({ min: 0, max: 0xffffffff });
  const v6 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });

  it('IPv4: parse(format(x)) = x', () => {
    fc.assert(
      fc.property(v4, (x) => {
        const s = formatAddr({ family: 4, value: BigInt(x) });
        expect(parseIPv4Value(s)).toBe(x);
        const r = parseAddr(s);
        expect(r.ok && r.value.value).toBe(BigInt(x));
      }),
    );
  });

  it('IPv6: parse(format(x)) = x and format is stable', () => {
    fc.assert(
      fc.property(v6, (x) => {
        const s = formatIPv6Value(x);
        const r = parseAddr(s);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.value.value).toBe(x);
        expect(formatAddr(r.value)).toBe(s);
      }),
    );
  });

  it('IPv6: zero-heavy values round-trip (runs of zero groups)', () => {
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (gs) => {
        const x = gs.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
        const full = gs.map((g) => g.toString(16)).join(':');
        const r = parseAddr(full);
        expect(r.ok && r.value.value).toBe(x);
        const again = parseAddr(formatIPv6Value(x));
        expect(again.ok && again.value.value).toBe(x);
      }),
    );
  });

  it('compareAddr orders IPv4 before IPv6, then by value', () => {
    fc.assert(
      fc.property(v4, v6, (a, b) => {
        expect(compareAddr({ family: 4, value: BigInt(a) }, { family: 6, value: b })).toBeLessThan(0);
      }),
    );
  });
});

describe('byte-level parsing and writing (batch explain, renderers)', () => {
  const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const v4 = fc.integer({ min: 0, max: 0xffffffff });

  it('scanIPv4Bytes reads an address up to the first byte that cannot continue it', () => {
    fc.assert(
      fc.property(v4, fc.constantFrom(' ', ',', '#', '\n', ':', 'x', '/', '.', '7', ''), (x, next) => {
        const text = formatAddr({ family: 4, value: BigInt(x) });
        const b = ascii(`${text}${next}`);
        const v = scanIPv4Bytes(b, 0, b.length);
        if (next === '.') expect(v).toBe(-1); // a fifth octet
        else if (next === '7') expect(v).toBe(parseIPv4Bytes(b)); // the last octet goes on
        else {
          expect(v).toBe(x);
          expect(ipv4ScanEnd()).toBe(text.length);
          expect(parseIPv4Bytes(b)).toBe(next === '' ? x : -1);
        }
      }),
    );
  });

  it('string parsers never read a character above 0xff as its low byte', () => {
    // U+0131 and U+0F3A end in the bytes of "1" and ":".
    expect(parseIPv4Value('\u0131.2.3.4')).toBe(-1);
    expect(parseAddr('1.2.3.\u0134').ok).toBe(false);
    expect(parseAddr('fd00\u0f3a:1').ok).toBe(false);
    expect(parseIPv6Words('\u0f3a\u0f3a', new Uint32Array(4))).toBe(false);
  });

  it('writeIPv4Value and writeIPv6Words write formatAddr', () => {
    const buf = new Uint8Array(64);
    const words = new Uint32Array(4);
    fc.assert(
      fc.property(v4, fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (x, y) => {
        expect(new TextDecoder().decode(buf.subarray(0, writeIPv4Value(x, buf, 0)))).toBe(formatAddr({ family: 4, value: BigInt(x) }));
        ipv6ValueToWords(y, words);
        expect(new TextDecoder().decode(buf.subarray(3, writeIPv6Words(words, 0, buf, 3)))).toBe(formatAddr({ family: 6, value: y }));
        expect(formatIPv6Words(words)).toBe(formatAddr({ family: 6, value: y }));
      }),
    );
  });
});
