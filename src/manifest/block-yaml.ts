import { unescapePointerSegment } from '../core/index.js';

/**
 * Block YAML: a fast parser for the YAML that manifests are made of, giving the value and an
 * outline of node positions in one pass over the lines. It is the first of validate's parse
 * paths (documents.ts): js-yaml is ~10x faster than `yaml` but has no positions, and `yaml`
 * costs ~100 µs a document; this parser is faster than both and makes positions free.
 *
 * It understands: block mappings with plain or quoted single-line keys, block sequences ("- "
 * items, compact "- key: v" mappings, sequences at their parent key's indent), single-line
 * plain, single- and double-quoted scalars (YAML 1.2 core schema: null, booleans, integers
 * in decimal, 0o and 0x, floats, .inf, .nan), and single-line flow sequences of scalars
 * ([a, "b"]). Anything else (flow mappings, block scalars, anchors, aliases, tags, complex keys,
 * multi-line plain or quoted scalars, tabs in indentation, duplicate keys, keys that are not
 * strings, content after `---`) makes parseBlockYaml return null, and the caller falls back to
 * js-yaml and `yaml`, which also report syntax errors. A property test checks values and
 * positions against `yaml` on generated documents.
 */

/** OutlineNode is a node of a document with its [start, end) offsets in the source text. */
export type OutlineNode =
  | { readonly kind: 'map'; readonly start: number; readonly end: number; readonly entries: ReadonlyMap<string, OutlineEntry> }
  | { readonly kind: 'seq'; readonly start: number; readonly end: number; readonly items: readonly OutlineNode[] }
  | { readonly kind: 'scalar'; readonly start: number; readonly end: number };

/** OutlineEntry is a mapping entry: its key's range and its value (null for `key:` with no value). */
export interface OutlineEntry {
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly value: OutlineNode | null;
}

/** BlockDocument is a parsed document: its plain-JS value, and its outline when asked for. */
export interface BlockDocument {
  readonly value: unknown;
  readonly outline: OutlineNode | null;
}

interface Line {
  readonly at: number;
  readonly end: number;
  /** column of the first non-space character */
  readonly indent: number;
}

class Bail extends Error {}

function bail(): never {
  throw new Bail();
}

const UNSUPPORTED = new Set(['&', '!', '*', '{', '}', '?', '%', '@', '`', ']', ',']);

const NULL_RE = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_RE = /^[-+]?[0-9]+$/;
const OCT_RE = /^0o[0-7]+$/;
const HEX_RE = /^0x[0-9a-fA-F]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const INF_RE = /^[-+]?\.(?:inf|Inf|INF)$/;
const NAN_RE = /^\.(?:nan|NaN|NAN)$/;

/** mayBeNonString reports whether plain text could resolve to null, a boolean or a number (cheap pre-check). */
function mayBeNonString(s: string): boolean {
  const n = s.length;
  if (n === 0) return true;
  const c = s.charCodeAt(0);
  // null, Null, NULL, ~ / true, True, TRUE, false, False, FALSE
  if (c === 126 || c === 110 || c === 78) return n <= 4;
  if (c === 116 || c === 84 || c === 102 || c === 70) return n <= 5;
  if (!(c === 43 || c === 45 || c === 46 || (c >= 48 && c <= 57))) return false;
  // Numbers use only these characters: digits, sign, '.', e/E, x/o, hex digits, inf/nan letters.
  for (let i = 1; i < n; i++) {
    const d = s.charCodeAt(i);
    if (!((d >= 48 && d <= 57) || d === 46 || d === 43 || d === 45 || (d >= 97 && d <= 122) || (d >= 65 && d <= 90))) return false;
  }
  return true;
}

/** resolvePlain gives a plain scalar its YAML 1.2 core schema value. */
function resolvePlain(s: string): unknown {
  if (!mayBeNonString(s)) return s;
  if (s === '' || NULL_RE.test(s)) return null;
  if (BOOL_RE.test(s)) return s[0] === 't' || s[0] === 'T';
  if (INT_RE.test(s)) return Number.parseInt(s, 10);
  if (OCT_RE.test(s)) return Number.parseInt(s.slice(2), 8);
  if (HEX_RE.test(s)) return Number.parseInt(s.slice(2), 16);
  if (FLOAT_RE.test(s)) return Number.parseFloat(s);
  if (INF_RE.test(s)) return s[0] === '-' ? -Infinity : Infinity;
  if (NAN_RE.test(s)) return Number.NaN;
  return s;
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};

/** quoted reads a single-line quoted scalar at i: its value and end offset. */
function quoted(text: string, i: number, end: number): { value: string; end: number } {
  const q = text[i];
  let out = '';
  let j = i + 1;
  let from = j;
  for (; j < end; j++) {
    const c = text[j];
    if (q === "'" && c === "'") {
      if (text[j + 1] === "'") {
        out += text.slice(from, j + 1);
        j++;
        from = j + 1;
        continue;
      }
      return { value: out + text.slice(from, j), end: j + 1 };
    }
    if (q === '"' && c === '"') return { value: out + text.slice(from, j), end: j + 1 };
    if (q === '"' && c === '\\') {
      out += text.slice(from, j);
      const e = text[j + 1];
      if (e === undefined || j + 1 >= end) bail();
      const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      if (hex) {
        const h = text.slice(j + 2, j + 2 + hex);
        if (h.length !== hex || !/^[0-9a-fA-F]+$/.test(h)) bail();
        const cp = Number.parseInt(h, 16);
        if (cp > 0x10ffff) bail();
        out += String.fromCodePoint(cp);
        j += 1 + hex;
      } else {
        const r = ESCAPES[e];
        if (r === undefined) bail();
        out += r;
        j += 1;
      }
      from = j + 1;
    }
  }
  return bail();
}

/** plainEnd returns where a plain scalar starting at i ends on its line: before " #" and trailing blanks. */
function plainEnd(text: string, i: number, end: number, flow: boolean): number {
  let j = i;
  for (; j < end; j++) {
    const c = text[j];
    if (c === '#' && (text[j - 1] === ' ' || text[j - 1] === '\t')) break;
    if (c === ':' && (j + 1 >= end || text[j + 1] === ' ' || text[j + 1] === '\t' || (flow && (text[j + 1] === ',' || text[j + 1] === ']')))) bail();
    if (flow && (c === ',' || c === ']')) break;
    if (flow && (c === '[' || c === '{' || c === '}')) bail();
  }
  while (j > i && (text[j - 1] === ' ' || text[j - 1] === '\t')) j--;
  return j;
}

/** afterValue checks that only blanks or a comment follow a value on its line. */
function afterValue(text: string, j: number, end: number): void {
  while (j < end && (text[j] === ' ' || text[j] === '\t')) j++;
  if (j < end && text[j] !== '#') bail();
  if (j < end && j > 0 && text[j - 1] !== ' ' && text[j - 1] !== '\t') bail();
}

/** keyAt parses "key:" at i: the key, the key's end and where the value starts (or null if no key here). */
function keyAt(text: string, i: number, end: number): { key: string; keyEnd: number; value: number } | null {
  const c = text[i]!;
  let key: string;
  let keyEnd: number;
  let colon: number;
  if (c === '"' || c === "'") {
    let close = -1;
    for (let j = i + 1; j < end; j++) {
      if (text[j] === '\\' && c === '"') j++;
      else if (text[j] === c) {
        if (c === "'" && text[j + 1] === "'") j++;
        else {
          close = j;
          break;
        }
      }
    }
    if (close < 0) return null;
    colon = close + 1;
    while (colon < end && text[colon] === ' ') colon++;
    if (text[colon] !== ':' || !(colon + 1 >= end || text[colon + 1] === ' ' || text[colon + 1] === '\t')) return null;
    const q = quoted(text, i, close + 1);
    key = q.value;
    keyEnd = q.end;
  } else {
    if (UNSUPPORTED.has(c) || c === '[' || c === '|' || c === '>' || c === '#' || c === "'" || c === '"') return null;
    if (c === '-' && (text[i + 1] === ' ' || i + 1 >= end)) return null;
    colon = -1;
    for (let j = i; j < end; j++) {
      const x = text.charCodeAt(j);
      if (x === 35 /* # */ && (text.charCodeAt(j - 1) === 32 || text.charCodeAt(j - 1) === 9)) return null;
      if (x === 58 /* : */) {
        const n = text.charCodeAt(j + 1);
        if (j + 1 >= end || n === 32 || n === 9) {
          colon = j;
          break;
        }
      }
    }
    if (colon < 0) return null;
    keyEnd = colon;
    while (keyEnd > i && (text[keyEnd - 1] === ' ' || text[keyEnd - 1] === '\t')) keyEnd--;
    key = text.slice(i, keyEnd);
    // Keys that resolve to something other than a string (null, numbers, booleans) are left to the full parsers.
    if (mayBeNonString(key) && typeof resolvePlain(key) !== 'string') bail();
  }
  let v = colon + 1;
  while (v < end && (text[v] === ' ' || text[v] === '\t')) v++;
  if (text[v] === '#') v = end;
  return { key, keyEnd, value: v };
}

/** MAX_DEPTH is the nesting beyond which the parser declines a document. */
const MAX_DEPTH = 64;

/** NONE marks "no value" (a `key:` or `-` with nothing after it) in the parser's returns. */
const NONE = Symbol('none');

/**
 * Parser parses block YAML line by line. Each method returns the value of the node it read and,
 * when outlining, leaves the node's outline in `node` (outlines are built only for documents
 * that need positions: parsing again costs less than outlining every document).
 */
class Parser {
  private k = 0;
  private depth = 0;
  /** node is the outline of the node the last method read (outline mode only). */
  node: OutlineNode | null = null;
  constructor(
    private readonly text: string,
    private readonly lines: readonly Line[],
    private readonly outline: boolean,
  ) {}

  done(): boolean {
    return this.k >= this.lines.length;
  }

  private scalar(start: number, end: number): void {
    if (this.outline) this.node = { kind: 'scalar', start, end };
  }

  /** inline parses a value that starts at i on the current line; parentIndent bounds continuation lines. */
  private inline(l: Line, i: number, parentIndent: number): unknown {
    const t = this.text;
    const c = t[i]!;
    if (UNSUPPORTED.has(c) || c === '|' || c === '>') bail();
    this.k++;
    // A scalar continued on more-indented lines (multi-line plain or quoted) is beyond this parser.
    if (!this.done() && this.lines[this.k]!.indent > parentIndent) bail();
    if (c === '[') return this.flowSeq(l, i);
    if (c === '-' && (t[i + 1] === ' ' || i + 1 >= l.end)) bail();
    if (c === '"' || c === "'") {
      const q = quoted(t, i, l.end);
      afterValue(t, q.end, l.end);
      this.scalar(i, q.end);
      return q.value;
    }
    const e = plainEnd(t, i, l.end, false);
    this.scalar(i, e);
    return resolvePlain(t.slice(i, e));
  }

  private flowSeq(l: Line, i: number): unknown[] {
    const t = this.text;
    const items: OutlineNode[] = [];
    const values: unknown[] = [];
    let j = i + 1;
    for (;;) {
      while (j < l.end && (t[j] === ' ' || t[j] === '\t')) j++;
      if (j >= l.end) bail();
      if (t[j] === ']') break;
      const c = t[j]!;
      if (UNSUPPORTED.has(c) || c === '[' || c === '#') bail();
      if (c === '-' && (t[j + 1] === ' ' || t[j + 1] === ',' || t[j + 1] === ']')) bail();
      let e: number;
      if (c === '"' || c === "'") {
        const q = quoted(t, j, l.end);
        e = q.end;
        values.push(q.value);
      } else {
        e = plainEnd(t, j, l.end, true);
        values.push(resolvePlain(t.slice(j, e)));
      }
      if (this.outline) items.push({ kind: 'scalar', start: j, end: e });
      j = e;
      while (j < l.end && (t[j] === ' ' || t[j] === '\t')) j++;
      if (t[j] === ',') j++;
      else if (t[j] !== ']') bail();
    }
    afterValue(t, j + 1, l.end);
    if (this.outline) this.node = { kind: 'seq', start: i, end: j + 1, items };
    return values;
  }

  /** block parses the node whose first line is the current one, with content at column col. */
  block(col: number): unknown {
    // Deep nesting is left to the other parsers, which bound it (and this recursion stays short).
    if (++this.depth > MAX_DEPTH) bail();
    try {
      return this.blockAt(col);
    } finally {
      this.depth--;
    }
  }

  private blockAt(col: number): unknown {
    const l = this.lines[this.k]!;
    const i = l.at + col;
    const t = this.text;
    if (t[i] === '-' && (t[i + 1] === ' ' || t[i + 1] === '\t' || i + 1 >= l.end)) return this.seq(col);
    const key = keyAt(t, i, l.end);
    if (key) return this.map(col, key);
    return this.inline(l, i, col - 1);
  }

  /** child parses the value of an entry or item whose line ended after "key:" or "-" (NONE: nothing follows). */
  private child(parentIndent: number, seqAtParent: boolean): unknown {
    if (this.done()) return NONE;
    const n = this.lines[this.k]!;
    const t = this.text;
    if (n.indent > parentIndent) return this.block(n.indent);
    const d = n.at + n.indent;
    if (seqAtParent && n.indent === parentIndent && t[d] === '-' && (t[d + 1] === ' ' || t[d + 1] === '\t' || d + 1 >= n.end)) {
      return this.seq(n.indent);
    }
    return NONE;
  }

  private map(col: number, firstKey: NonNullable<ReturnType<typeof keyAt>>): Record<string, unknown> {
    const t = this.text;
    const entries = this.outline ? new Map<string, OutlineEntry>() : null;
    const value: Record<string, unknown> = {};
    const start = this.lines[this.k]!.at + col;
    let end = start;
    let key: ReturnType<typeof keyAt> = firstKey;
    for (;;) {
      const l = this.lines[this.k]!;
      const i = l.at + col;
      key ??= keyAt(t, i, l.end);
      if (!key || Object.prototype.hasOwnProperty.call(value, key.key) || key.key === '__proto__') bail();
      let v: unknown;
      if (key.value < l.end) {
        v = this.inline(l, key.value, col);
      } else {
        this.k++;
        v = this.child(col, true);
      }
      const none = v === NONE;
      value[key.key] = none ? null : v;
      if (entries) {
        entries.set(key.key, { keyStart: i, keyEnd: key.keyEnd, value: none ? null : this.node });
        end = none ? key.keyEnd + 1 : this.node!.end;
      }
      key = null;
      if (this.done()) break;
      const n = this.lines[this.k]!;
      if (n.indent < col) break;
      if (n.indent > col) bail();
    }
    if (entries) this.node = { kind: 'map', start, end, entries };
    return value;
  }

  private seq(col: number): unknown[] {
    const t = this.text;
    const items: OutlineNode[] = [];
    const values: unknown[] = [];
    const start = this.lines[this.k]!.at + col;
    let end = start;
    for (;;) {
      const l = this.lines[this.k]!;
      const dash = l.at + col;
      if (t[dash] !== '-' || !(t[dash + 1] === ' ' || t[dash + 1] === '\t' || dash + 1 >= l.end)) break;
      let v = dash + 1;
      while (v < l.end && (t[v] === ' ' || t[v] === '\t')) v++;
      let item: unknown;
      if (v >= l.end || t[v] === '#') {
        this.k++;
        item = this.child(col, false);
        if (item === NONE) {
          item = null;
          this.scalar(dash, dash + 1);
        }
      } else {
        if (t.slice(dash + 1, v).includes('\t')) bail();
        item = this.block(v - l.at);
      }
      values.push(item);
      if (this.outline) {
        items.push(this.node!);
        end = this.node!.end;
      }
      if (this.done()) break;
      const n = this.lines[this.k]!;
      if (n.indent !== col) {
        if (n.indent > col) bail();
        break;
      }
    }
    if (this.outline) this.node = { kind: 'seq', start, end, items };
    return values;
  }
}

/**
 * parseBlockYaml parses the document in [from, to) of text (a leading `---` line is skipped),
 * with its outline when `outline` is set, or returns null when it uses YAML beyond this parser
 * (see the module comment).
 */
export function parseBlockYaml(text: string, from: number, to: number, outline = false): BlockDocument | null {
  const lines: Line[] = [];
  let p = from;
  while (p < to) {
    let nl = text.indexOf('\n', p);
    if (nl < 0 || nl > to) nl = to;
    let end = nl;
    if (end > p && text.charCodeAt(end - 1) === 13) end--;
    let i = p;
    while (i < end && text.charCodeAt(i) === 32) i++;
    if (p === from && text.startsWith('---', p)) {
      const rest = text.slice(p + 3, end).trim();
      if (rest !== '' && !rest.startsWith('#')) return null;
    } else {
      if (i < end && text[i] === '\t') return null;
      if (i < end && text[i] !== '#') lines.push({ at: p, end, indent: i - p });
    }
    p = nl + 1;
  }
  if (lines.length === 0) return null;
  try {
    const parser = new Parser(text, lines, outline);
    const value = parser.block(lines[0]!.indent);
    return parser.done() ? { value, outline: parser.node } : null;
  } catch (e) {
    if (e instanceof Bail) return null;
    throw e;
  }
}

/** OutlineHit is the range of the node at a pointer; `missing` when the pointer goes past the last existing node. */
export interface OutlineHit {
  readonly start: number;
  readonly end: number;
  readonly missing: boolean;
}

/**
 * locateInOutline walks an outline along a JSON pointer. Found: the node's range (its key's
 * with at = 'key'; a `key:` without value is located at its key). Missing: the key of the
 * deepest existing node (or that node's start, for the root or a sequence item).
 */
export function locateInOutline(root: OutlineNode, pointer: string, at: 'value' | 'key'): OutlineHit {
  let node: OutlineNode = root;
  let key: { start: number; end: number } | null = null;
  const segs = pointer === '' ? [] : pointer.slice(1).split('/');
  for (let s = 0; s < segs.length; s++) {
    const seg = unescapePointerSegment(segs[s]!);
    const here = key ?? { start: node.start, end: node.start };
    if (node.kind === 'map') {
      const e = node.entries.get(seg);
      if (!e) return { ...here, missing: true };
      key = { start: e.keyStart, end: e.keyEnd };
      if (!e.value) return { ...key, missing: s < segs.length - 1 };
      node = e.value;
    } else if (node.kind === 'seq') {
      const item = /^\d+$/.test(seg) ? node.items[Number(seg)] : undefined;
      if (!item) return { ...here, missing: true };
      key = null;
      node = item;
    } else {
      return { ...here, missing: true };
    }
  }
  if (at === 'key' && key) return { ...key, missing: false };
  return { start: node.start, end: node.end, missing: false };
}
