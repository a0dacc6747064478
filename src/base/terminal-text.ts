/**
 * UNSAFE matches what visible() rewrites: C0 controls, DEL and C1 controls (a terminal acts on
 * them: ESC starts a sequence, CR and BS overwrite, CSI is 0x9b), and the Unicode format
 * characters that hide or reorder text (zero-width, bidi marks, overrides and isolates, line
 * and paragraph separators, BOM).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
// eslint-disable-next-line no-control-regex
const UNSAFE_ALL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** VisibleOptions keep some whitespace as is: newlines (a message of several lines), tabs (a source line). */
export interface VisibleOptions {
  readonly newlines?: boolean;
  readonly tabs?: boolean;
}

/** escapeChar writes one unsafe character as an escape: \n \r \t, \xNN below U+0100, else \uNNNN. */
function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * visible returns text that is safe to write to a terminal: every character UNSAFE matches is
 * written as an escape (ESC as `\x1b`, a newline as `\n`, U+202E as `\u202e`), except newlines
 * and tabs where opts keep them. Other text, backslashes included, is unchanged: the result is
 * for people to read, not to decode. Text from input (file contents, names, values, stored
 * data, tool output) goes through it before it reaches a terminal.
 */
export function visible(s: string, opts: VisibleOptions = {}): string {
  if (!UNSAFE.test(s)) return s;
  return s.replace(UNSAFE_ALL, (c) => ((c === '\n' && opts.newlines) || (c === '\t' && opts.tabs) ? c : escapeChar(c)));
}

/** MAX_MESSAGE_CHARS is the most of a message printed: a message quoting a huge value is cut. */
export const MAX_MESSAGE_CHARS = 2000;

/**
 * clip returns s cut to at most max characters (never inside a surrogate pair), saying how
 * many were left out: "…[N more characters]".
 */
export function clip(s: string, max = MAX_MESSAGE_CHARS): string {
  if (s.length <= max) return s;
  const end = isLowSurrogate(s.charCodeAt(max)) ? max - 1 : max;
  return `${s.slice(0, end)}…[${s.length - end} more characters]`;
}

/**
 * visibleMessage is a message as printed: clipped (each line, when newlines are kept: a
 * message can list many diagnostics), then made visible.
 */
export function visibleMessage(s: string, opts: VisibleOptions = {}): string {
  if (!opts.newlines || !s.includes('\n')) return visible(clip(s), opts);
  return s
    .split('\n')
    .map((line) => visible(clip(line), opts))
    .join('\n');
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** EXCERPT_WIDTH is the most characters of a source line a diagnostic echoes; EXCERPT_LEAD is how many of them come before the column. */
const EXCERPT_WIDTH = 100;
const EXCERPT_LEAD = 40;

/** LineExcerpt is a window of a source line made visible, and where a position falls in it (1-based). */
export interface LineExcerpt {
  readonly text: string;
  readonly column: number;
  readonly endColumn?: number;
}

/**
 * lineExcerpt returns the part of a source line a diagnostic echoes: the whole line when it is
 * at most EXCERPT_WIDTH characters, else a window of that many around the 1-based column,
 * with "…" where the line goes on. The window is made visible (tabs kept, so that a caret
 * line can reproduce them), and column and endColumn (exclusive) are mapped into it. The work
 * depends on the window, not on the line's length.
 */
export function lineExcerpt(src: string, column: number, endColumn?: number): LineExcerpt {
  const col0 = Math.max(0, Math.min(column - 1, src.length));
  let from = 0;
  let to = src.length;
  if (src.length > EXCERPT_WIDTH) {
    from = Math.max(0, Math.min(col0 - EXCERPT_LEAD, src.length - EXCERPT_WIDTH));
    to = from + EXCERPT_WIDTH;
    if (from > 0 && isLowSurrogate(src.charCodeAt(from))) from++;
    if (to < src.length && isHighSurrogate(src.charCodeAt(to - 1))) to--;
  }
  const part = (a: number, b: number): string => visible(src.slice(a, b), { tabs: true });
  const at = Math.max(from, Math.min(col0, to));
  const before = `${from > 0 ? '…' : ''}${part(from, at)}`;
  const text = `${before}${part(at, to)}${to < src.length ? '…' : ''}`;
  if (endColumn === undefined) return { text, column: before.length + 1 };
  const end = Math.max(at, Math.min(endColumn - 1, to));
  return { text, column: before.length + 1, endColumn: before.length + part(at, end).length + 1 };
}

// eslint-disable-next-line no-control-regex
const JSON_UNSAFE = /[\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * jsonSafe makes JSON text (JSON.stringify's output, which escapes C0 controls but leaves DEL,
 * C1 controls and the format characters visible() escapes raw) safe for a terminal without
 * changing its value: those characters can only stand inside strings, where a \uNNNN escape
 * means the same character.
 */
export function jsonSafe(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
