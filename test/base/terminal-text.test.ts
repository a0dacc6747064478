import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clip, jsonSafe, lineExcerpt, MAX_MESSAGE_CHARS, visible, visibleMessage } from '../../src/base/terminal-text.js';

/** RAW matches every character a terminal could act on or that hides text (what visible() must never let through). */
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

/** hostile draws strings rich in escapes, controls, format characters, wide and astral characters. */
const hostile = fc
  .array(fc.oneof(fc.constantFrom('\u001b[31m', '\u001b]0;x\u0007', '\r', '\n', '\t', '\b', '\u0000', '\u007f', '\u009b', '\u202e', '\u2028', '\ufeff', '💥', '界', 'é', '\\'), fc.string({ maxLength: 5 })), {
    maxLength: 60,
  })
  .map((p) => p.join(''));

describe('visible', () => {
  it.each([
    ['plain text, backslashes kept', 'a\\nb c', 'a\\nb c'],
    ['ESC sequences', 'a\u001b[31mred\u001b[0m', 'a\\x1b[31mred\\x1b[0m'],
    ['an OSC title with BEL', '\u001b]0;pwned\u0007', '\\x1b]0;pwned\\x07'],
    ['CR, LF, TAB, BS', 'a\rb\nc\td\be', 'a\\rb\\nc\\td\\x08e'],
    ['DEL and C1 (CSI)', 'x\u007fy\u009b2J', 'x\\x7fy\\x9b2J'],
    ['bidi override, line separator, BOM, zero-width', '\u202eevil\u2028\ufeff\u200b', '\\u202eevil\\u2028\\ufeff\\u200b'],
  ])('%s', (_what, input, want) => {
    expect(visible(input)).toBe(want);
  });

  it('keeps newlines and tabs only when asked', () => {
    expect(visible('a\nb\tc\rd', { newlines: true })).toBe('a\nb\\tc\\rd');
    expect(visible('a\nb\tc', { tabs: true })).toBe('a\\nb\tc');
  });

  it('never lets a raw control or format character through, and changes nothing else', () => {
    /** reference escapes character by character: the names for LF, CR and TAB, else \xNN or \uNNNN. */
    const reference = (s: string): string =>
      [...s]
        .map((c) => {
          if (!RAW.test(c)) return c;
          const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
          const n = c.charCodeAt(0);
          return named[c] ?? (n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`);
        })
        .join('');
    fc.assert(
      fc.property(hostile, (s) => {
        const v = visible(s);
        expect(v).not.toMatch(RAW);
        expect(v).toBe(reference(s));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('clip and visibleMessage', () => {
  it('cut a message to MAX_MESSAGE_CHARS and say how much is left out, never inside a surrogate pair', () => {
    expect(clip('short')).toBe('short');
    const long = 'y'.repeat(MAX_MESSAGE_CHARS + 500);
    expect(clip(long)).toBe(`${'y'.repeat(MAX_MESSAGE_CHARS)}…[500 more characters]`);
    const astral = `${'a'.repeat(MAX_MESSAGE_CHARS - 1)}💥b`;
    expect(clip(astral)).toBe(`${'a'.repeat(MAX_MESSAGE_CHARS - 1)}…[3 more characters]`);
  });

  it('clips each line of a message of several lines', () => {
    const msg = `first\n${'z'.repeat(MAX_MESSAGE_CHARS + 1)}\n\u001b[2Jlast`;
    expect(visibleMessage(msg, { newlines: true })).toBe(`first\n${'z'.repeat(MAX_MESSAGE_CHARS)}…[1 more characters]\n\\x1b[2Jlast`);
    expect(visibleMessage('a\nb')).toBe('a\\nb');
  });
});

describe('lineExcerpt', () => {
  it('shows a short line whole, with the column where it was', () => {
    expect(lineExcerpt('  name: x', 9)).toEqual({ text: '  name: x', column: 9 });
    expect(lineExcerpt('a: "\u001b[2J" b', 9, 11)).toEqual({ text: 'a: "\\x1b[2J" b', column: 12, endColumn: 14 });
  });

  it('shows a window of a long line around the column, with ellipses', () => {
    const line = `${'k: v, '.repeat(100_000)}bad: [x]`;
    const col = line.indexOf('bad') + 1;
    const x = lineExcerpt(line, col, col + 3);
    expect(x.text.length).toBeLessThanOrEqual(102);
    expect(x.text.startsWith('…')).toBe(true);
    expect(x.text.slice(x.column - 1, x.endColumn! - 1)).toBe('bad');
    const start = lineExcerpt(line, 1);
    expect(start).toMatchObject({ column: 1 });
    expect(start.text.endsWith('…')).toBe(true);
  });

  it('points at the same character in any line, and stays bounded whatever the line holds', () => {
    fc.assert(
      fc.property(hostile, hostile, fc.nat(), (pre, post, k) => {
        const line = pre.repeat(1 + (k % 50)) + 'Q' + post;
        const col = line.indexOf('Q') + 1;
        const x = lineExcerpt(line, col, col + 1);
        expect(x.text).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u202e]/);
        expect(x.text[x.column - 1]).toBe('Q');
        expect(x.endColumn).toBe(x.column + 1);
        // At most 100 characters of the line, each written in at most 6 (\u202e), and two ellipses.
        expect(x.text.length).toBeLessThanOrEqual(602);
      }),
      { numRuns: 500 },
    );
  });
});

describe('jsonSafe', () => {
  it('escapes what JSON.stringify leaves raw, keeping the value', () => {
    fc.assert(
      fc.property(fc.dictionary(hostile, fc.oneof(hostile, fc.array(hostile, { maxLength: 3 }))), (o) => {
        const text = jsonSafe(JSON.stringify(o, null, 2));
        expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(o)));
      }),
      { numRuns: 300 },
    );
  });
});
