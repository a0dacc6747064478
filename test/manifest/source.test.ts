import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SourceText } from '../../src/manifest/source.js';
import { fcRuns } from '../support/fc-runs.js';

/** naive is the reference: every line start found by splitting the whole text. */
function naive(text: string): { position(o: number): { line: number; column: number }; lineText(l: number): string } {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return {
    position(o) {
      const off = Math.max(0, Math.min(o, text.length));
      let line = 0;
      while (line + 1 < starts.length && starts[line + 1]! <= off) line++;
      return { line: line + 1, column: off - starts[line]! + 1 };
    },
    lineText(l) {
      if (l < 1 || l > starts.length) return '';
      const end = l < starts.length ? starts[l]! - 1 : text.length;
      return text.slice(starts[l - 1], end).replace(/\r$/, '');
    },
  };
}

describe('SourceText', () => {
  it('answers positions and lines in any order as a full line index would (its index grows on demand)', () => {
    const text = fc.array(fc.constantFrom('a', 'bc', '\n', '\r\n', '\n\n', 'é', '💥'), { maxLength: 200 }).map((p) => p.join(''));
    const query = fc.oneof(
      fc.record({ at: fc.integer({ min: -3, max: 420 }), line: fc.constant(false) }),
      fc.record({ at: fc.integer({ min: -1, max: 210 }), line: fc.constant(true) }),
    );
    fc.assert(
      fc.property(text, fc.array(query, { maxLength: 30 }), (t, queries) => {
        const src = new SourceText('f', t);
        const ref = naive(t);
        for (const q of queries) {
          if (q.line) expect(src.lineText(q.at)).toBe(ref.lineText(q.at));
          else expect(src.position(q.at)).toEqual(ref.position(q.at));
        }
      }),
      { numRuns: fcRuns(1000) },
    );
  });

  it('counts positions from a known line start as its index would find them', () => {
    const text = fc.array(fc.constantFrom('a', 'bc', '\n', '\r\n', '\n\n', 'é'), { maxLength: 200 }).map((p) => p.join(''));
    fc.assert(
      fc.property(text, fc.nat(), fc.array(fc.integer({ min: -3, max: 420 }), { maxLength: 20 }), (t, pick, offsets) => {
        const src = new SourceText('f', t);
        const starts = [0, ...[...t].flatMap((c, i) => (c === '\n' ? [i + 1] : []))];
        const k = pick % starts.length;
        for (const o of offsets) expect(src.positionFrom(starts[k]!, k + 1, o)).toEqual(new SourceText('f', t).position(o));
      }),
      { numRuns: fcRuns(1000) },
    );
  });

  it('finds the last lines of a large text', () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => `line ${i}`);
    const src = new SourceText('f', `${lines.join('\n')}\n`);
    expect(src.lineText(200_000)).toBe('line 199999');
    expect(src.lineText(200_001)).toBe('');
    expect(src.position(src.text.length - 3)).toEqual({ line: 200_000, column: 10 });
    expect(src.lineText(5)).toBe('line 4');
  });
});
