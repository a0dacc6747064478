// string-width replaces the `string-width` package inside the bundle (scripts/build.mjs
// aliases it). string-width 8 compiles Unicode-property regexes (\p{RGI_Emoji} with the /v
// flag) when it is imported, which costs ~60 ms of every start-up that loads yargs; yargs
// and cliui only measure help text, for which code points plus East Asian width suffice.
// test/scripts/shims/string-width.test.ts checks it against string-width on poolctl's help and
// on generated text. What it does not do: emoji sequences (skin tones, ZWJ families, VS16
// presentation), combining marks outside U+0300-036F, the soft hyphen and Hangul jamo count
// per code point, where string-width counts grapheme clusters.
import { eastAsianWidth } from 'get-east-asian-width';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

/** stringWidth returns the number of terminal columns a string takes. */
export default function stringWidth(text: string): number {
  if (typeof text !== 'string' || text.length === 0) return 0;
  const s = text.includes('\u001b') ? text.replace(ANSI, '') : text;
  let width = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue; // control characters
    if ((cp >= 0x300 && cp <= 0x36f) || cp === 0x200b || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) continue;
    width += cp < 0x1100 ? 1 : eastAsianWidth(cp);
  }
  return width;
}
