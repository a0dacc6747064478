import { escapePointerSegment, unescapePointerSegment } from '../core/index.js';
import { mayResolve, resolveCoreScalar, resolveScalar, sameScalar, type Scalar } from './scalar.js';

/**
 * Block YAML: a fast parser for the YAML that manifests are made of, giving the value and an
 * outline of node positions in one pass over the lines. It is the first of the loader's parse
 * paths (documents.ts): `yaml` costs ~100 µs a document; this parser is faster than js-yaml
 * (which has no positions) and makes positions free.
 *
 * It understands: block mappings with plain or quoted single-line keys, block sequences ("- "
 * items, compact "- key: v" mappings, sequences at their parent key's indent), single-line
 * plain, single- and double-quoted scalars (plain ones resolved as calicoctl's yaml.v2 does,
 * scalar.ts), and single-line flow collections ([a, "b"], {name: p, labels: {a: b}}).
 * Anything else (multi-line flow collections, block scalars, anchors, aliases, tags, complex
 * keys, multi-line plain or quoted scalars, tabs in indentation, duplicate keys, keys that are
 * not strings, content after `---`) makes parseBlockYaml return null, and the caller falls back to
 * `yaml` (yaml-tree.ts), which also reports syntax errors. Property tests check values and
 * positions against that tier on generated documents.
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

/**
 * BlockDocument is a parsed document: its plain-JS value, its outline when asked for, and
 * bounds on what the value holds (so that the caller's limits need not walk it): the
 * deepest nesting of block collections (a value nests no deeper) and the longest scalar's
 * span in the source (no string value is longer).
 */
export interface BlockDocument {
  readonly value: unknown;
  readonly outline: OutlineNode | null;
  readonly maxDepth: number;
  readonly maxScalar: number;
  /** notes are the [start, end) offsets (flat pairs) of plain scalars that YAML 1.2 reads otherwise than yaml.v2. */
  readonly notes: readonly number[];
}

class Bail extends Error {}

function bail(): never {
  throw new Bail();
}

/** Character classes of ASCII codes (CH): bits tell what a character may start or stop. */
const CH = new Uint8Array(128);
/** UNSUP: a character that starts YAML this parser leaves to the others (anchors, tags, flow maps, ...). */
const UNSUP = 1;
/** NOT_PLAIN_KEY: a character that cannot start a plain key here (besides UNSUP). */
const NOT_PLAIN_KEY = 2;
/** NOT_INLINE: a character that cannot start an inline value here (besides UNSUP): block scalars. */
const NOT_INLINE = 4;
for (const c of '&!*{}?%@`],') CH[c.charCodeAt(0)]! |= UNSUP;
for (const c of '[|>#\'"') CH[c.charCodeAt(0)]! |= NOT_PLAIN_KEY;
for (const c of '|>') CH[c.charCodeAt(0)]! |= NOT_INLINE;

const HEX_DIGITS_RE = /^[0-9a-fA-F]+$/;

/** differs is resolveNote's second answer: whether YAML 1.2 core reads the scalar otherwise. */
let differs = false;

/**
 * resolveNote resolves a plain scalar (yaml.v2's rules, scalar.ts) and sets `differs` when
 * YAML 1.2 core reads it otherwise: only a scalar that resolves to something other than a
 * string, or starts like a number, can differ (YAML 1.2's words null/true/false are yaml.v2's too).
 */
function resolveNote(s: string): Scalar {
  const value = resolveScalar(s);
  // A text yaml.v2 keeps (a CIDR, a name) is text in YAML 1.2 too, unless it is a number there (`1e400`).
  const c = s.charCodeAt(0);
  differs = (typeof value !== 'string' || c === 43 || c === 45 || c === 46 || (c >= 48 && c <= 57)) && !sameScalar(value, resolveCoreScalar(s));
  return value;
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

/** isBlank reports whether a character code is a space or a tab. */
function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * plainEnd returns where a plain scalar starting at i ends on its line: before " #" and
 * trailing blanks; in a flow collection also before `,`, `]` or `}`.
 */
function plainEnd(text: string, i: number, end: number, flow: boolean): number {
  let j = i;
  for (; j < end; j++) {
    const c = text.charCodeAt(j);
    if (c === 35 /* # */ && isBlank(text.charCodeAt(j - 1))) break;
    if (c === 58 /* : */) {
      const n = text.charCodeAt(j + 1);
      if (j + 1 >= end || isBlank(n) || (flow && (n === 44 || n === 93 || n === 125))) bail();
    }
    if (flow) {
      if (c === 44 /* , */ || c === 93 /* ] */ || c === 125 /* } */) break;
      if (c === 91 /* [ */ || c === 123 /* { */) bail();
    }
  }
  while (j > i && isBlank(text.charCodeAt(j - 1))) j--;
  return j;
}

/** afterValue checks that only blanks or a comment follow a value on its line. */
function afterValue(text: string, j: number, end: number): void {
  while (j < end && isBlank(text.charCodeAt(j))) j++;
  if (j < end && (text.charCodeAt(j) !== 35 || (j > 0 && !isBlank(text.charCodeAt(j - 1))))) bail();
}

/** MAX_DEPTH is the nesting beyond which the parser declines a document. */
const MAX_DEPTH = 64;

/** NONE marks "no value" (a `key:` or `-` with nothing after it) in the parser's returns. */
const NONE = Symbol('none');

/**
 * INTERNED holds the last plain key (of at most 40 characters) seen per (length, first
 * character, last character) slot, each known to resolve to a string: manifests repeat their
 * keys, and reusing one string (instead of a new slice per document) spares the allocation,
 * the core-schema check and the key's internalization at each property store. A slot is
 * only a cache: a miss slices the text.
 */
const INTERNED: (string | undefined)[] = new Array(1024);

/** internSlot is the INTERNED slot of the text in [i, end). */
function internSlot(text: string, i: number, end: number): number {
  return ((end - i) * 61 + text.charCodeAt(i) * 7 + text.charCodeAt(end - 1)) & 1023;
}

/**
 * NEXT_KEY predicts keys: NEXT_KEY[slot of K] is the key read after K last time (in document
 * order, across mappings), and NEXT_KEY[FIRST] the first key of the last document. Manifests
 * repeat their shape, so the prediction is usually right, and checking it costs one
 * comparison instead of a scan for the colon and a cache lookup.
 */
const NEXT_KEY: (string | undefined)[] = new Array(1025);
const FIRST = 1024;

/**
 * LAST_VALUE_TEXT and LAST_VALUE hold, per slot of the key read last (a mapping value's own
 * key), the text and value of the last plain scalar that ran to its line's end: many values
 * repeat (kinds, modes, selectors), and a repeated one is then recognised by one comparison,
 * with no scan, slice or resolution. Like INTERNED and NEXT_KEY, this is only a cache of
 * strings (which may keep the last input's text alive); every hit is checked against the text.
 */
const LAST_VALUE_TEXT: (string | undefined)[] = new Array(1025);
const LAST_VALUE: unknown[] = new Array(1025);
/** LAST_VALUE_DIFFERS says whether that value is one YAML 1.2 reads otherwise (so a repeat is noted too). */
const LAST_VALUE_DIFFERS: boolean[] = new Array(1025);

/** keySlot is the INTERNED slot of a key. */
function keySlot(key: string): number {
  return key.length === 0 ? 0 : (key.length * 61 + key.charCodeAt(0) * 7 + key.charCodeAt(key.length - 1)) & 1023;
}

/** interned returns the INTERNED string equal to text in [i, end), if the cache holds it. */
function interned(text: string, i: number, end: number): string | undefined {
  const n = end - i;
  const hit = INTERNED[internSlot(text, i, end)];
  if (hit === undefined || hit.length !== n) return undefined;
  for (let k = 0; k < n; k++) if (hit.charCodeAt(k) !== text.charCodeAt(i + k)) return undefined;
  return hit;
}

/**
 * Parser parses block YAML line by line. Each method returns the value of the node it read
 * and, when outlining, leaves the node's outline in `node` (outlines are built only for
 * documents that need positions: parsing again costs less than outlining every document).
 * The current line is [la, le) with indent li (spaces before its first character); blank
 * and comment lines are skipped as the parser moves on.
 */
class Parser {
  private la = 0;
  private le = 0;
  private li = 0;
  /** more: there is a current line. */
  more = false;
  /** next is where the line after the current one starts. */
  private next = 0;
  private depth = 0;
  /** maxDepth and maxScalar are the deepest nesting and the longest scalar's span seen. */
  maxDepth = 0;
  maxScalar = 0;
  /** notes are the [start, end) offsets of plain scalars YAML 1.2 reads otherwise, flat (the array is reused). */
  readonly notes: number[] = [];
  /** node is the outline of the node the last method read (outline mode only). */
  node: OutlineNode | null = null;
  /** keyAt's answer: the key, the key's end and where the value starts. */
  private kText = '';
  private kEnd = 0;
  private kValue = 0;
  /** quoted's answer: the end of the scalar it read. */
  private qEnd = 0;
  /** lastKey is the NEXT_KEY slot of the key read last (FIRST before the document's first key). */
  private lastKey = FIRST;

  private text = '';
  private to = 0;
  private outline = false;

  /** reset readies the parser for the document in [from, to) of text (one parser serves every document). */
  reset(text: string, from: number, to: number, outline: boolean): void {
    this.text = text;
    this.to = to;
    this.outline = outline;
    this.next = from;
    this.more = false;
    this.depth = 0;
    this.maxDepth = 0;
    this.maxScalar = 0;
    this.notes.length = 0;
    this.node = null;
    this.lastKey = FIRST;
  }

  /** advance moves to the next content line, skipping blank and comment lines; a tab before content declines the document. */
  advance(): void {
    const t = this.text;
    const to = this.to;
    let p = this.next;
    while (p < to) {
      let nl = t.indexOf('\n', p);
      if (nl < 0 || nl > to) nl = to;
      let end = nl;
      if (end > p && t.charCodeAt(end - 1) === 13) end--;
      let i = p;
      while (i < end && t.charCodeAt(i) === 32) i++;
      if (i < end) {
        const c = t.charCodeAt(i);
        if (c === 9) bail();
        if (c !== 35) {
          this.la = p;
          this.le = end;
          this.li = i - p;
          this.next = nl + 1;
          this.more = true;
          return;
        }
      }
      p = nl + 1;
    }
    this.next = p;
    this.more = false;
  }

  /** indent is the current line's indent. */
  get indent(): number {
    return this.li;
  }

  private scalar(start: number, end: number): void {
    if (this.outline) this.node = { kind: 'scalar', start, end };
  }

  /** quoted reads a single-line quoted scalar at i (before end): its value; its end goes to qEnd. */
  private quoted(i: number, end: number): string {
    const text = this.text;
    const q = text.charCodeAt(i);
    let out = '';
    let from = i + 1;
    for (let j = from; j < end; j++) {
      const c = text.charCodeAt(j);
      if (c === q) {
        if (q === 39 && text.charCodeAt(j + 1) === 39) {
          out += text.slice(from, j + 1);
          j++;
          from = j + 1;
          continue;
        }
        this.qEnd = j + 1;
        return out + text.slice(from, j);
      }
      if (q === 34 && c === 92 /* \ */) {
        out += text.slice(from, j);
        const e = text[j + 1];
        if (e === undefined || j + 1 >= end) bail();
        const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
        if (hex) {
          const h = text.slice(j + 2, j + 2 + hex);
          if (h.length !== hex || !HEX_DIGITS_RE.test(h)) bail();
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

  /**
   * keyAt reads "key:" at i (before end): true with the key in kText, its end in kEnd and
   * where the value starts in kValue (end when there is none), or false when no key starts here.
   */
  private keyAt(i: number, end: number): boolean {
    const text = this.text;
    const c = text.charCodeAt(i);
    let colon: number;
    if (c === 34 || c === 39) {
      let close = -1;
      for (let j = i + 1; j < end; j++) {
        const x = text.charCodeAt(j);
        if (x === 92 && c === 34) j++;
        else if (x === c) {
          if (c === 39 && text.charCodeAt(j + 1) === 39) j++;
          else {
            close = j;
            break;
          }
        }
      }
      if (close < 0) return false;
      colon = close + 1;
      while (colon < end && text.charCodeAt(colon) === 32) colon++;
      if (text.charCodeAt(colon) !== 58 || !(colon + 1 >= end || isBlank(text.charCodeAt(colon + 1)))) return false;
      this.kText = this.quoted(i, close + 1);
      this.kEnd = this.qEnd;
    } else {
      // The predicted key, followed by its colon, is a key: it was one, and the text is the same.
      const p = NEXT_KEY[this.lastKey];
      if (p !== undefined && i + p.length < end) {
        const n = p.length;
        let k = 0;
        while (k < n && text.charCodeAt(i + k) === p.charCodeAt(k)) k++;
        if (k === n && text.charCodeAt(i + n) === 58 && (i + n + 1 >= end || isBlank(text.charCodeAt(i + n + 1)))) {
          this.kText = p;
          this.kEnd = i + n;
          this.lastKey = keySlot(p);
          let v = i + n + 1;
          while (v < end && isBlank(text.charCodeAt(v))) v++;
          if (text.charCodeAt(v) === 35) v = end;
          this.kValue = v;
          return true;
        }
      }
      if (c < 128 && CH[c]! & (UNSUP | NOT_PLAIN_KEY)) return false;
      if (c === 45 /* - */ && (text.charCodeAt(i + 1) === 32 || i + 1 >= end)) return false;
      colon = -1;
      for (let j = i; j < end; j++) {
        const x = text.charCodeAt(j);
        if (x === 35 /* # */ && isBlank(text.charCodeAt(j - 1))) return false;
        if (x === 58 /* : */ && (j + 1 >= end || isBlank(text.charCodeAt(j + 1)))) {
          colon = j;
          break;
        }
      }
      if (colon < 0) return false;
      let keyEnd = colon;
      while (keyEnd > i && isBlank(text.charCodeAt(keyEnd - 1))) keyEnd--;
      let key = keyEnd - i <= 40 ? interned(text, i, keyEnd) : undefined;
      if (key === undefined) {
        key = text.slice(i, keyEnd);
        // Keys that resolve to something other than a string (null, numbers, booleans) are left to the full parsers.
        if (mayResolve(key.charCodeAt(0)) && typeof resolveScalar(key) !== 'string') bail();
        if (keyEnd - i <= 40) INTERNED[internSlot(text, i, keyEnd)] = key;
      }
      this.kText = key;
      this.kEnd = keyEnd;
      NEXT_KEY[this.lastKey] = key;
    }
    this.lastKey = keySlot(this.kText);
    let v = colon + 1;
    while (v < end && isBlank(text.charCodeAt(v))) v++;
    if (text.charCodeAt(v) === 35) v = end;
    this.kValue = v;
    return true;
  }

  /** inline parses a value that starts at i on the current line; parentIndent bounds continuation lines. */
  private inline(i: number, parentIndent: number): unknown {
    const t = this.text;
    const c = t.charCodeAt(i);
    if (c !== 123 && c < 128 && CH[c]! & (UNSUP | NOT_INLINE)) bail();
    const end = this.le;
    this.advance();
    // A scalar continued on more-indented lines (multi-line plain or quoted) is beyond this parser.
    if (this.more && this.li > parentIndent) bail();
    if (c === 91 /* [ */ || c === 123 /* { */) {
      const value = this.flow(i, end);
      afterValue(t, this.qEnd, end);
      return value;
    }
    if (c === 45 /* - */ && (t.charCodeAt(i + 1) === 32 || i + 1 >= end)) bail();
    if (c === 34 || c === 39) {
      const value = this.quoted(i, end);
      const e = this.qEnd;
      afterValue(t, e, end);
      if (e - i > this.maxScalar) this.maxScalar = e - i;
      this.scalar(i, e);
      return value;
    }
    // A plain value running to the line's end that repeats the last one of its key.
    const slot = this.lastKey;
    const last = LAST_VALUE_TEXT[slot];
    if (last !== undefined && end - i === last.length) {
      const n = last.length;
      let k = 0;
      while (k < n && t.charCodeAt(i + k) === last.charCodeAt(k)) k++;
      if (k === n) {
        if (n > this.maxScalar) this.maxScalar = n;
        this.scalar(i, end);
        if (LAST_VALUE_DIFFERS[slot]) this.notes.push(i, end);
        return LAST_VALUE[slot];
      }
    }
    const e = plainEnd(t, i, end, false);
    if (e - i > this.maxScalar) this.maxScalar = e - i;
    this.scalar(i, e);
    let value: unknown;
    let noted = false;
    if (e === i || mayResolve(t.charCodeAt(i))) {
      value = resolveNote(t.slice(i, e));
      noted = differs;
      if (noted) this.notes.push(i, e);
    } else {
      value = t.slice(i, e);
    }
    if (e === end && e - i <= 40) {
      LAST_VALUE_TEXT[slot] = typeof value === 'string' ? value : t.slice(i, e);
      LAST_VALUE[slot] = value;
      LAST_VALUE_DIFFERS[slot] = noted;
    }
    return value;
  }

  /**
   * flowValue reads a node of a single-line flow collection at j (before end): a nested
   * collection, a quoted or a plain scalar; its end goes to qEnd, its outline to `node`.
   */
  private flowValue(j: number, end: number): unknown {
    const t = this.text;
    const c = t.charCodeAt(j);
    if (c === 91 /* [ */ || c === 123 /* { */) return this.flow(j, end);
    if ((c < 128 && CH[c]! & UNSUP) || c === 35) bail();
    const n = t.charCodeAt(j + 1);
    if (c === 45 && (n === 32 || n === 44 || n === 93 || n === 125)) bail();
    let value: unknown;
    let e: number;
    if (c === 34 || c === 39) {
      value = this.quoted(j, end);
      e = this.qEnd;
    } else {
      e = plainEnd(t, j, end, true);
      if (e === j) bail();
      if (mayResolve(c)) {
        value = resolveNote(t.slice(j, e));
        if (differs) this.notes.push(j, e);
      } else {
        value = t.slice(j, e);
      }
    }
    if (e - j > this.maxScalar) this.maxScalar = e - j;
    this.scalar(j, e);
    this.qEnd = e;
    return value;
  }

  /**
   * flowKey reads a flow mapping's key at j (before end), quoted or plain, up to its `: `;
   * kEnd gets the key's end and kValue where its value starts. Keys that are not strings,
   * repeated or odd are left to the other parsers.
   */
  private flowKey(j: number, end: number): string {
    const t = this.text;
    const c = t.charCodeAt(j);
    let key: string;
    let e: number;
    if (c === 34 || c === 39) {
      key = this.quoted(j, end);
      e = this.qEnd;
    } else {
      if ((c < 128 && CH[c]! & (UNSUP | NOT_PLAIN_KEY)) || c === 45 || c === 58) bail();
      e = j;
      for (; e < end; e++) {
        const x = t.charCodeAt(e);
        if (x === 58 /* : */ && isBlank(t.charCodeAt(e + 1))) break;
        if (x === 44 || x === 91 || x === 93 || x === 123 || x === 125 || x === 35 || x === 58) bail();
      }
      while (e > j && isBlank(t.charCodeAt(e - 1))) e--;
      key = t.slice(j, e);
      if (mayResolve(c) && typeof resolveScalar(key) !== 'string') bail();
    }
    let k = e;
    while (k < end && isBlank(t.charCodeAt(k))) k++;
    if (t.charCodeAt(k) !== 58 || !isBlank(t.charCodeAt(k + 1))) bail();
    this.kEnd = e;
    k += 2;
    while (k < end && isBlank(t.charCodeAt(k))) k++;
    this.kValue = k;
    return key;
  }

  /**
   * flow reads a flow sequence or mapping that starts at i and ends on its line (before end),
   * of scalars and nested flow collections; its end goes to qEnd, its outline to `node`.
   */
  private flow(i: number, end: number): unknown {
    if (++this.depth > MAX_DEPTH) bail();
    if (this.depth > this.maxDepth) this.maxDepth = this.depth;
    const t = this.text;
    const isMap = t.charCodeAt(i) === 123;
    const close = isMap ? 125 : 93;
    const items: OutlineNode[] = [];
    const values: unknown[] = [];
    const entries = isMap && this.outline ? new Map<string, OutlineEntry>() : null;
    const map: Record<string, unknown> = {};
    let j = i + 1;
    for (let first = true; ; first = false) {
      while (j < end && isBlank(t.charCodeAt(j))) j++;
      if (j >= end) bail();
      if (t.charCodeAt(j) === close && first) break;
      let key = '';
      let keyStart = 0;
      if (isMap) {
        keyStart = j;
        key = this.flowKey(j, end);
        if (key === '__proto__' || Object.prototype.hasOwnProperty.call(map, key)) bail();
        const keyEnd = this.kEnd;
        j = this.kValue;
        if (j >= end) bail();
        const v = this.flowValue(j, end);
        map[key] = v;
        if (entries) entries.set(key, { keyStart, keyEnd, value: this.node });
      } else {
        values.push(this.flowValue(j, end));
        if (this.outline) items.push(this.node!);
      }
      j = this.qEnd;
      while (j < end && isBlank(t.charCodeAt(j))) j++;
      const d = t.charCodeAt(j);
      if (d === close) break;
      if (d !== 44) bail();
      j++;
      // A trailing comma before the closing bracket is left to the other parsers.
      while (j < end && isBlank(t.charCodeAt(j))) j++;
      if (t.charCodeAt(j) === close) bail();
    }
    this.depth--;
    this.qEnd = j + 1;
    if (this.outline) this.node = isMap ? { kind: 'map', start: i, end: j + 1, entries: entries! } : { kind: 'seq', start: i, end: j + 1, items };
    return isMap ? map : values;
  }

  /** block parses the node whose first line is the current one, with content at column col. */
  block(col: number): unknown {
    // Deep nesting is left to the other parsers, which bound it (and this recursion stays short).
    if (++this.depth > MAX_DEPTH) bail();
    if (this.depth > this.maxDepth) this.maxDepth = this.depth;
    const t = this.text;
    const i = this.la + col;
    let v: unknown;
    if (t.charCodeAt(i) === 45 && this.isDash(i)) v = this.seq(col);
    else if (this.keyAt(i, this.le)) v = this.map(col);
    else v = this.inline(i, col - 1);
    this.depth--;
    return v;
  }

  /** isDash reports whether the "-" at d on the current line starts a sequence item. */
  private isDash(d: number): boolean {
    const n = this.text.charCodeAt(d + 1);
    return n === 32 || n === 9 || d + 1 >= this.le;
  }

  /** child parses the value of an entry or item whose line ended after "key:" or "-" (NONE: nothing follows). */
  private child(parentIndent: number, seqAtParent: boolean): unknown {
    if (!this.more) return NONE;
    const li = this.li;
    if (li > parentIndent) return this.block(li);
    const d = this.la + li;
    if (seqAtParent && li === parentIndent && this.text.charCodeAt(d) === 45 && this.isDash(d)) return this.seq(li);
    return NONE;
  }

  /** map parses a block mapping at column col whose first key keyAt has just read. */
  private map(col: number): Record<string, unknown> {
    const entries = this.outline ? new Map<string, OutlineEntry>() : null;
    const value: Record<string, unknown> = {};
    const start = this.la + col;
    let end = start;
    let first = true;
    for (;;) {
      const i = this.la + col;
      if (!first && !this.keyAt(i, this.le)) bail();
      first = false;
      const key = this.kText;
      const keyEnd = this.kEnd;
      const at = this.kValue;
      if (key === '__proto__' || Object.prototype.hasOwnProperty.call(value, key)) bail();
      let v: unknown;
      if (at < this.le) {
        v = this.inline(at, col);
      } else {
        this.advance();
        v = this.child(col, true);
      }
      const none = v === NONE;
      value[key] = none ? null : v;
      if (entries) {
        entries.set(key, { keyStart: i, keyEnd, value: none ? null : this.node });
        end = none ? keyEnd + 1 : this.node!.end;
      }
      if (!this.more || this.li < col) break;
      if (this.li > col) bail();
    }
    if (entries) this.node = { kind: 'map', start, end, entries };
    return value;
  }

  /** seq parses a block sequence whose dashes are at column col. */
  private seq(col: number): unknown[] {
    const t = this.text;
    const items: OutlineNode[] = [];
    const values: unknown[] = [];
    const start = this.la + col;
    let end = start;
    for (;;) {
      const dash = this.la + col;
      if (t.charCodeAt(dash) !== 45 || !this.isDash(dash)) break;
      const le = this.le;
      let v = dash + 1;
      let tab = false;
      for (; v < le; v++) {
        const c = t.charCodeAt(v);
        if (c === 9) tab = true;
        else if (c !== 32) break;
      }
      let item: unknown;
      if (v >= le || t.charCodeAt(v) === 35) {
        this.advance();
        item = this.child(col, false);
        if (item === NONE) {
          item = null;
          this.scalar(dash, dash + 1);
        }
      } else {
        if (tab) bail();
        item = this.block(v - this.la);
      }
      values.push(item);
      if (this.outline) {
        items.push(this.node!);
        end = this.node!.end;
      }
      if (!this.more) break;
      if (this.li !== col) {
        if (this.li > col) bail();
        break;
      }
    }
    if (this.outline) this.node = { kind: 'seq', start, end, items };
    return values;
  }
}

/** NO_NOTES is the notes of a document without any (shared: the common case). */
const NO_NOTES: readonly number[] = [];

/** PARSER is the parser every call uses: parsing allocates only the document's values. */
const PARSER = new Parser();

/**
 * parseBlockYaml parses the document in [from, to) of text (a leading `---` line is skipped),
 * with its outline when `outline` is set, or returns null when it uses YAML beyond this parser
 * (see the module comment).
 */
export function parseBlockYaml(text: string, from: number, to: number, outline = false): BlockDocument | null {
  let start = from;
  if (text.startsWith('---', from)) {
    let nl = text.indexOf('\n', from);
    if (nl < 0 || nl > to) nl = to;
    const rest = text.slice(from + 3, nl).trim();
    if (rest !== '' && !rest.startsWith('#')) return null;
    start = nl + 1;
  }
  const parser = PARSER;
  parser.reset(text, start, to, outline);
  try {
    parser.advance();
    if (!parser.more) return null;
    const value = parser.block(parser.indent);
    const notes = parser.notes.length > 0 ? parser.notes.slice() : NO_NOTES;
    return parser.more ? null : { value, outline: parser.node, maxDepth: parser.maxDepth, maxScalar: parser.maxScalar, notes };
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
 * deepest existing node (or, for the root or a sequence item, that node's start; its whole
 * range with `wholeNode`, as locateInYaml gives it).
 */
export function locateInOutline(root: OutlineNode, pointer: string, at: 'value' | 'key', wholeNode = false): OutlineHit {
  let node: OutlineNode = root;
  let key: { start: number; end: number } | null = null;
  const segs = pointer === '' ? [] : pointer.slice(1).split('/');
  for (let s = 0; s < segs.length; s++) {
    const seg = unescapePointerSegment(segs[s]!);
    const here = key ?? { start: node.start, end: wholeNode ? node.end : node.start };
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

/**
 * pointerAt returns the JSON pointer of the innermost node of an outline whose range holds the
 * offset (a key's range counts as its entry's): the node a note about that offset is about.
 */
export function pointerAt(root: OutlineNode, offset: number): string {
  let node: OutlineNode = root;
  let pointer = '';
  for (;;) {
    let next: OutlineNode | null = null;
    if (node.kind === 'map') {
      for (const [k, e] of node.entries) {
        const v = e.value;
        if ((offset >= e.keyStart && offset < e.keyEnd) || (v && offset >= v.start && offset < Math.max(v.end, v.start + 1))) {
          pointer += `/${escapePointerSegment(k)}`;
          next = offset >= e.keyStart && offset < e.keyEnd ? null : v;
          if (!next) return pointer;
          break;
        }
      }
    } else if (node.kind === 'seq') {
      const i = node.items.findIndex((v) => offset >= v.start && offset < Math.max(v.end, v.start + 1));
      if (i >= 0) {
        pointer += `/${i}`;
        next = node.items[i]!;
      }
    }
    if (!next) return pointer;
    node = next;
  }
}
