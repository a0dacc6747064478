import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatPrefix, type Prefix } from '../../src/core/index.js';
import { chunk, TextBuffer } from '../../src/render/text-buffer.js';

describe('TextBuffer', () => {
  it('gives back what was written, ASCII or not, as it grows', () => {
    const part = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 30 }).map((s) => ({ kind: 'text' as const, s })),
      fc.string({ unit: 'binary', maxLength: 30 }).map((s) => ({ kind: 'chunk' as const, s })),
      fc.integer({ min: 0, max: 0xffffffff }).map((v) => ({ kind: 'prefix' as const, p: { family: 4, value: BigInt(v), bits: 32 } as Prefix })),
      fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((v) => ({ kind: 'prefix' as const, p: { family: 6, value: v, bits: 128 } as Prefix })),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 60 }), (parts) => {
        const out = new TextBuffer(1);
        let want = '';
        for (const x of parts) {
          if (x.kind === 'text') out.text(x.s);
          else if (x.kind === 'chunk') out.chunk(chunk(x.s));
          else if (x.p.family === 4) out.prefixOf(4, Number(x.p.value), x.p.bits);
          else out.prefix(x.p);
          // a lone surrogate becomes U+FFFD in UTF-8, as TextEncoder does
          want += x.kind === 'prefix' ? formatPrefix(x.p) : new TextDecoder().decode(new TextEncoder().encode(x.s));
        }
        expect(out.toString()).toBe(want);
      }),
    );
  });
});
