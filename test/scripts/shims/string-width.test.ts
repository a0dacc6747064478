import fc from 'fast-check';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import shim from '../../../scripts/shims/string-width.js';
import { GLOBAL_OPTIONS } from '../../../src/cli/global-options.js';
import type { CommandSpec } from '../../../src/commands/command.js';
import { loadAllCommands } from '../../../src/commands/index.js';
import { fcRuns } from '../../support/fc-runs.js';

// The bundle measures yargs' help text with scripts/shims/string-width.ts instead of the
// string-width package (see there). It must agree with string-width on what help shows:
// poolctl's own texts, and text in the scripts a translation or a user's value might bring.

/** helpTexts lists every text the help of a command shows (names, descriptions, examples), subcommands included. */
function helpTexts(specs: readonly CommandSpec[]): string[] {
  return specs.flatMap((c) => [
    c.name,
    c.describe,
    ...(c.aliases ?? []),
    ...(c.positionals ?? []).flatMap((p) => [p.name, p.describe, ...(p.choices ?? [])]),
    ...Object.entries(c.options ?? {}).flatMap(([name, o]) => [name, o.describe, ...(o.choices ?? []).map(String)]),
    ...(c.examples ?? []).flat(),
    ...helpTexts(c.subcommands ?? []),
  ]);
}

/** SCRIPTS are code point ranges where the shim (code points and East Asian width) and string-width agree. */
const SCRIPTS: readonly (readonly [number, number])[] = [
  [0x20, 0x7e], // ASCII
  [0xa1, 0xac], // Latin-1 punctuation (not the soft hyphen U+00AD)
  [0xae, 0x24f], // Latin-1 letters, Latin Extended
  [0x300, 0x36f], // combining diacritical marks (zero width)
  [0x391, 0x3c9], // Greek
  [0x410, 0x44f], // Cyrillic
  [0x2190, 0x21ff], // arrows
  [0x2500, 0x257f], // box drawing
  [0x3041, 0x3096], // Hiragana
  [0x30a1, 0x30fa], // Katakana
  [0x4e00, 0x4fff], // CJK ideographs
  [0xac00, 0xd7a3], // Hangul syllables
  [0xff01, 0xff5e], // fullwidth forms
  [0xff61, 0xff9f], // halfwidth Katakana
];

const codePoint = fc.oneof(...SCRIPTS.map(([lo, hi]) => fc.integer({ min: lo, max: hi }))).map((cp) => String.fromCodePoint(cp));
/** ansi is an SGR colour sequence or an OSC 8 hyperlink opener, as chalk and terminals write them. */
const ansi = fc.constantFrom('\u001b[31m', '\u001b[39m', '\u001b[1;32m', '\u001b[0m', '\u001b]8;;https://example.com\u0007');

describe('scripts/shims/string-width.ts', () => {
  it("agrees with string-width on every text of poolctl's help", async () => {
    const texts = [...helpTexts(await loadAllCommands()), ...Object.values(GLOBAL_OPTIONS).map((o) => o.describe)];
    expect(texts.length).toBeGreaterThan(150);
    expect(texts.filter((t) => shim(t) !== stringWidth(t))).toEqual([]);
  });

  it('agrees with string-width on a corpus of scripts, wide and combining characters, controls and colours', () => {
    const corpus = ['', 'abc', 'héllo', 'e\u0301', '日本語', 'ｶﾀｶﾅ', 'ＡＢＣ', '한국어', '\u001b[31mred\u001b[39m', 'a\tb', 'zero\u200bwidth', '\u0000x', '\u3000', '←→ ✓ ✗ …', 'x\ufe0f', '😀'];
    expect(corpus.map((s) => shim(s))).toEqual(corpus.map((s) => stringWidth(s)));
  });

  it('agrees with string-width on generated text', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 9, arbitrary: codePoint }, { weight: 1, arbitrary: ansi }), { maxLength: 40 }), (parts) => {
        const s = parts.join('');
        expect(shim(s)).toBe(stringWidth(s));
      }),
      { numRuns: fcRuns(500) },
    );
  });
});
