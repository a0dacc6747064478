import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitStream } from '../../src/manifest/documents.js';
import { fcRuns } from '../support/fc-runs.js';

// splitStream finds markers by searching for them (`---`, `...`, `%`) and looking at the
// character before; the general way looks at each line start (a line break, then the marker).
// Both give the same boundaries, or both say the stream needs the whole-stream parser.

/** isMarkerLine reports whether the line starting at i is a marker line of ch. */
function isMarkerLine(text: string, i: number, ch: string): boolean {
  if (!text.startsWith(ch.repeat(3), i)) return false;
  const c = text[i + 3];
  return c === undefined || c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/** byLines is splitStream the general way: every line start, one by one. */
function byLines(text: string): number[] | null {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  if (starts.some((s) => text[s] === '%' || isMarkerLine(text, s, '.'))) return null;
  const markers = starts.filter((s) => isMarkerLine(text, s, '-'));
  const bounds = [0, ...markers];
  const head = bounds.length > 1 ? bounds[1]! : text.length;
  if (/^(?:[ \t\r\n]|#[^\n]*)*$/.test(text.slice(0, head))) bounds.shift();
  bounds.push(text.length);
  return bounds;
}

/** PIECES make texts dense in markers and near-markers. */
const PIECES = ['---', '...', '--', '..', '-', '.', '%', '\n', '\n', '\n', '\r', ' ', '\t', '#', 'a', 'k: v', '----', '....', '%YAML 1.1', 'x---', '- a'];

describe('splitStream', () => {
  it('equals a line-by-line split on texts dense in markers', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        expect(splitStream(text)).toEqual(byLines(text));
      }),
      { numRuns: fcRuns(2000) },
    );
  });

  it('cuts a stream of documents at its marker lines only', () => {
    const text = 'a: 1\n---\nb: x---y\n--- \nc: "---"\n---\n# only a comment\n';
    expect(splitStream(text)).toEqual([0, 5, 18, 32, text.length]);
    expect(splitStream('a: 1\n...\n')).toBeNull();
    expect(splitStream('a: 1\n%TAG ! x\n')).toBeNull();
    expect(splitStream('a: 1 % 2\nb: ...x\n')).toEqual([0, 17]);
  });
});
