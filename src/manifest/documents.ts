import type JsYaml from 'js-yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { escapePointerSegment, unescapePointerSegment, type Diagnostic } from '../core/index.js';
import { locateInOutline, parseBlockYaml, type OutlineNode } from './block-yaml.js';
import { outlineJson } from './json-outline.js';
import type { SourceText } from './source.js';

/**
 * Documents: a YAML (or JSON) stream split into documents, each parsed to plain JS with
 * positions on demand.
 *
 * Speed (spec: >= 50,000 resources/s): `yaml` builds a full CST and node tree (~10k docs/s);
 * js-yaml is ~10x faster but gives no positions and stops at a stream's first error. So the
 * stream is cut at its `---` lines (a document marker is never content in YAML, even inside a
 * block scalar) and each document goes down the first path that takes it:
 *   1. block-yaml.ts, for plain block YAML (nearly every manifest): value and positions at once;
 *   2. js-yaml, for other YAML without aliases (positions then come from `yaml` on demand);
 *   3. `yaml`, when js-yaml fails (to report every syntax error with its position) or the
 *      document uses aliases (yaml bounds alias expansion; js-yaml does not).
 * JSON text goes through JSON.parse first, its positions from json-outline.ts (no `yaml` needed).
 * Streams with `...` end markers or `%` directives are parsed whole by `yaml`.
 *
 * All three use the YAML 1.2 core schema (so `yes` is a string and `0o17` is 15). js-yaml and
 * `yaml` are loaded only when a document needs them (loading `yaml` alone costs ~30 ms): see
 * NEED_PARSERS.
 */

/** Parsers are the two YAML libraries, once loaded. */
interface Parsers {
  readonly jsYaml: typeof JsYaml;
  readonly yaml: typeof import('yaml');
}

let parsers: Parsers | undefined;

/** loadParsers loads js-yaml and `yaml` (once); parseDocuments asks for it with NEED_PARSERS. */
export async function loadParsers(): Promise<void> {
  if (parsers) return;
  const [jsYaml, yaml] = await Promise.all([import('js-yaml'), import('yaml')]);
  // Bundled, a CommonJS module's namespace is its `default`; unbundled (tests), the named exports.
  const y = 'parseDocument' in yaml ? yaml : (yaml as unknown as { default: typeof yaml }).default;
  parsers = { jsYaml: jsYaml.default ?? (jsYaml as unknown as typeof JsYaml), yaml: y };
}

/** lib returns the loaded parsers; parseDocuments makes sure they are loaded before any use. */
function lib(): Parsers {
  if (!parsers) throw new Error('YAML parsers used before loadParsers()');
  return parsers;
}

/**
 * NEED_PARSERS is what parseDocuments yields when the next document needs js-yaml or `yaml`:
 * the caller awaits loadParsers() and asks for the next document again.
 */
export const NEED_PARSERS = Symbol('need-parsers');

/** LIMITS bound the work hostile input can cause (each is tested). */
export const LIMITS = {
  /** aliases one document may expand (billion laughs) */
  maxAliasCount: 100,
  /** nesting of mappings and sequences in one document */
  maxDepth: 64,
  /** characters in one scalar (a Calico annotation map is at most 256 KiB in total) */
  maxScalarLength: 1 << 20,
} as const;

/** Position is a 1-based line and column, with the end of the node when known. */
export interface Position {
  readonly line: number;
  readonly column: number;
  readonly endLine?: number;
  readonly endColumn?: number;
}

/** ParsedDocument is one document of a stream: its value (if it parsed) and how to locate nodes in it. */
export interface ParsedDocument {
  /** index is the 1-based document number in its file. */
  readonly index: number;
  /** value is the document as plain JS; undefined when empty or unparsable. */
  readonly value: unknown;
  /** diagnostics are syntax and limit errors (with positions). */
  readonly diagnostics: readonly Diagnostic[];
  /** start is the position of the document's content (after any `---`). */
  readonly start: Position;
  /** locate returns the position of the node at a JSON pointer (see locateInYaml). */
  locate(pointer: string, at?: 'value' | 'key'): Position;
}

const ALIAS_RE = /(?:^|[\s[{,])\*[^\s,[\]{}]/m;

function syntaxError(src: SourceText, index: number, offset: number, message: string, code: Diagnostic['code'] = 'YAML_SYNTAX'): Diagnostic {
  // An error found at the end of a document (an unclosed collection) points after its last
  // character rather than at a blank line or the next document's marker.
  const t = src.text;
  let at = Math.min(offset, t.length);
  const lineStart = t.lastIndexOf('\n', at - 1) + 1;
  const lineEnd = t.indexOf('\n', at) < 0 ? t.length : t.indexOf('\n', at);
  if (lineStart > 0 && (t.slice(lineStart, lineEnd).trim() === '' || t.startsWith('---', lineStart))) {
    at = lineStart - 1;
    while (at > 0 && /\s/.test(t[at - 1]!)) at--;
  }
  const p = src.position(at);
  return { code, severity: 'error', message, file: src.file, document: index, line: p.line, column: p.column };
}

/** LimitBreach says where a parsed value breaks LIMITS. */
interface LimitBreach {
  readonly pointer: string;
  readonly message: string;
  readonly code: Diagnostic['code'];
}

/**
 * checkLimits walks a parsed value and returns the first place that breaks LIMITS (depth,
 * scalar length), or null. Recursion stops at maxDepth, so it cannot overflow the stack;
 * `seen` (for values with shared nodes, from aliases) visits each node once.
 */
function checkLimits(v: unknown, depth = 0, seen?: Set<object>): LimitBreach | null {
  if (typeof v === 'string') {
    return v.length > LIMITS.maxScalarLength
      ? { pointer: '', code: 'INPUT_TOO_LARGE', message: `scalar of ${v.length} characters exceeds the limit of ${LIMITS.maxScalarLength}` }
      : null;
  }
  if (v === null || typeof v !== 'object') return null;
  if (depth >= LIMITS.maxDepth) return { pointer: '', code: 'INPUT_INVALID', message: `document is nested deeper than ${LIMITS.maxDepth} levels` };
  if (seen) {
    if (seen.has(v)) return null;
    seen.add(v);
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const b = checkLimits(v[i], depth + 1, seen);
      if (b) return { ...b, pointer: `/${i}${b.pointer}` };
    }
    return null;
  }
  for (const k in v) {
    const b = checkLimits((v as Record<string, unknown>)[k], depth + 1, seen);
    if (b) return { ...b, pointer: `/${escapePointerSegment(k)}${b.pointer}` };
  }
  return null;
}

/** nodeAt walks a yaml Document along a pointer; it stops at the deepest node that exists. */
function nodeAt(doc: Document, pointer: string): { node: YamlNode | null; key: YamlNode | null; complete: boolean } {
  let node = doc.contents as YamlNode | null;
  let key: YamlNode | null = null;
  const segs = pointer === '' ? [] : pointer.slice(1).split('/');
  for (let s = 0; s < segs.length; s++) {
    const seg = unescapePointerSegment(segs[s]!);
    const { isAlias, isMap, isPair, isScalar, isSeq } = lib().yaml;
    if (isAlias(node)) node = node.resolve(doc) ?? null;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) return { node, key, complete: false };
      key = pair.key as YamlNode;
      node = (pair.value as YamlNode | null) ?? null;
      // `key:` without a value is located at its key.
      if (node === null || (isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1])) {
        return { node: key, key, complete: s === segs.length - 1 };
      }
    } else if (isSeq(node)) {
      const item = /^\d+$/.test(seg) ? node.items[Number(seg)] : undefined;
      if (item === undefined) return { node, key, complete: false };
      key = null;
      node = item as YamlNode;
    } else {
      return { node, key, complete: false };
    }
  }
  return { node, key, complete: true };
}

/**
 * locateInYaml is the exact locator: it walks a `yaml` Document along a JSON pointer and
 * returns the [start, end) offsets (in the Document's text) of the node, of its key with
 * at = 'key', or, when the pointer goes past the last existing node, of that node's key (or
 * of the node itself). block-locator.ts must agree with it wherever it answers.
 */
export function locateInYaml(doc: Document, pointer: string, at: 'value' | 'key'): { start: number; end: number; missing: boolean } | null {
  const { node, key, complete } = nodeAt(doc, pointer);
  const target = !complete ? (key ?? node) : at === 'key' && key ? key : node;
  const range = target?.range ?? (doc.contents as YamlNode | null)?.range;
  return range ? { start: range[0], end: range[1], missing: !complete } : null;
}

/** LOCAL_POSITIONS_MAX is the size up to which a document's positions are counted from its first line. */
const LOCAL_POSITIONS_MAX = 1 << 16;

/** NO_DIAGNOSTICS is the diagnostics of a document that parsed within LIMITS (shared: the common case). */
const NO_DIAGNOSTICS: readonly Diagnostic[] = [];

function shift<T extends { start: number; end: number }>(h: T | null, by: number): T | null {
  return h ? { ...h, start: h.start + by, end: h.end + by } : null;
}

/**
 * YamlDoc is a document's text range with its lazily parsed `yaml` Document, shared by the
 * slow parse path and by locate(); once parsed, it is the ParsedDocument (see settle()).
 */
class YamlDoc implements ParsedDocument {
  private doc: Document | undefined;
  /** outline: the block parser's positions (null: the document is not plain block YAML). */
  private outline: OutlineNode | null | undefined;
  index = 0;
  value: unknown;
  diagnostics: readonly Diagnostic[] = NO_DIAGNOSTICS;
  private startPos: Position | undefined;

  constructor(
    readonly src: SourceText,
    readonly from: number,
    readonly to: number,
    parsed?: Document,
    /**
     * outlined says how the text's positions are found: 'block' (the block parser read it and
     * outlines it again) or 'json' (JSON text, outlined by json-outline.ts); otherwise `yaml`'s.
     */
    private readonly outlined?: 'block' | 'json',
    /** fromLine is the 1-based line at `from`, when known (0 if not). */
    private readonly fromLine = 0,
  ) {
    this.doc = parsed;
    this.outline = outlined ? undefined : null;
  }

  get(): Document {
    if (!this.doc) {
      this.doc = lib().yaml.parseDocument(this.src.text.slice(this.from, this.to), { prettyErrors: false, uniqueKeys: true, schema: 'core' });
    }
    return this.doc;
  }

  /** settle makes this the ParsedDocument of the document's value. */
  settle(index: number, value: unknown, diagnostics: readonly Diagnostic[]): ParsedDocument {
    this.index = index;
    this.value = value;
    this.diagnostics = diagnostics;
    return this;
  }

  get start(): Position {
    this.startPos ??= this.position(this.contentStart());
    return this.startPos;
  }

  /**
   * position is src.position(offset), counted from the document's first line when that is
   * known and the document small (a large document's many positions use the source's index).
   */
  private position(offset: number): { line: number; column: number } {
    return this.fromLine > 0 && this.to - this.from <= LOCAL_POSITIONS_MAX ? this.src.positionFrom(this.from, this.fromLine, offset) : this.src.position(offset);
  }

  /** offset turns an offset within the document's yaml parse into an offset in the source. */
  offset(o: number): number {
    return this.from + o;
  }

  locate(pointer: string, at: 'value' | 'key' = 'value'): Position {
    if (this.outline === undefined) {
      this.outline = this.outlined === 'json' ? outlineJson(this.src.text) : (parseBlockYaml(this.src.text, this.from, this.to, true)?.outline ?? null);
    }
    // Outline offsets are absolute in the source; a yaml Document's are relative to its text.
    const hit = this.outline
      ? locateInOutline(this.outline, pointer, at, this.outlined === 'json')
      : shift(locateInYaml(this.get(), pointer, at), this.from);
    if (!hit) return this.position(this.from);
    const a = this.position(hit.start);
    const b = this.position(hit.end);
    return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }

  /**
   * contentStart is the offset of the document's first content: after a `---` marker, blank
   * lines and comments (found by scanning the text; no parse needed).
   */
  contentStart(): number {
    const t = this.src.text;
    return firstContent(t, t.startsWith('---', this.from) ? this.from + 3 : this.from, this.to);
  }
}

/** toDocument parses one document's text range with `yaml` (the slow, exact path). */
function slowDocument(src: SourceText, index: number, yd: YamlDoc): ParsedDocument {
  const doc = yd.get();
  const diagnostics = doc.errors.map((e) => syntaxError(src, index, yd.offset(e.pos[0]), e.message));
  let value: unknown;
  if (diagnostics.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: LIMITS.maxAliasCount });
    } catch (e) {
      const message =
        e instanceof ReferenceError
          ? `document expands more than ${LIMITS.maxAliasCount} aliases (a "billion laughs" document?)`
          : `document cannot be read: ${(e as Error).message}`;
      diagnostics.push(syntaxError(src, index, yd.contentStart(), message, 'INPUT_INVALID'));
    }
  }
  return finish(src, index, yd, value, diagnostics, true);
}

/**
 * finish makes the ParsedDocument of a parsed value, first checking it against LIMITS (unless
 * `withinLimits` says it is known to be within them); `shared`: the value may share nodes
 * (aliases).
 */
function finish(src: SourceText, index: number, yd: YamlDoc, value: unknown, diagnostics: Diagnostic[], shared = false, withinLimits = false): ParsedDocument {
  let v = value;
  if (diagnostics.length === 0 && v !== undefined && !withinLimits) {
    const bad = checkLimits(v, 0, shared ? new Set() : undefined);
    if (bad) {
      const p = yd.locate(bad.pointer);
      diagnostics.push({ code: bad.code, severity: 'error', message: bad.message, file: src.file, document: index, line: p.line, column: p.column });
      v = undefined;
    }
  }
  return yd.settle(index, v, diagnostics.length > 0 ? diagnostics : NO_DIAGNOSTICS);
}

/**
 * firstContent returns the offset of the first character in [start, end) that is neither
 * blank (space, tab, CR, LF) nor in a `#` comment, or end when there is none.
 */
function firstContent(text: string, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
    } else if (c === 35) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 || nl >= end ? end : nl + 1;
    } else {
      return i;
    }
  }
  return end;
}

/** markerAt reports whether a line starting at i is a `---` or `...` marker line. */
function isMarker(text: string, i: number, ch: string): boolean {
  if (text[i] !== ch || text[i + 1] !== ch || text[i + 2] !== ch) return false;
  const c = text[i + 3];
  return c === undefined || c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/**
 * splitStream returns the boundaries of a YAML stream's documents and the 1-based line at
 * each, or null when the stream needs the whole-stream parser (`...` markers, `%`
 * directives): document k is [bounds[k], bounds[k + 1]) and starts at line lines[k]. Only
 * line starts are looked at.
 */
function splitStream(text: string): { bounds: number[]; lines: number[] } | null {
  const bounds = [0];
  const lines = [1];
  let line = 1;
  for (let i = 0; i < text.length; line++) {
    const c = text.charCodeAt(i);
    if (c === 45 /* - */ && isMarker(text, i, '-')) {
      bounds.push(i);
      lines.push(line);
    } else if ((c === 46 /* . */ && isMarker(text, i, '.')) || c === 37 /* % */) return null;
    const nl = text.indexOf('\n', i);
    if (nl < 0) break;
    i = nl + 1;
  }
  // Text before the first marker is a document only if it has content.
  const head = bounds.length > 1 ? bounds[1]! : text.length;
  if (firstContent(text, 0, head) === head) {
    bounds.shift();
    lines.shift();
  }
  bounds.push(text.length);
  return { bounds, lines };
}

/**
 * flowDepthAt returns the offset where flow collections ([ and {) nest deeper than max in
 * [start, end), or -1: a cheap guard run before the recursive parsers (quoted strings and
 * comments are skipped; brackets inside plain scalars count, which can only err on the safe side).
 */
function flowDepthAt(text: string, start: number, end: number, max: number): number {
  let depth = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) {
      if (++depth > max) return i;
    } else if (c === 93 || c === 125) {
      if (depth > 0) depth--;
    } else if (c === 35 && (i === start || text.charCodeAt(i - 1) <= 32)) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? end : nl;
    } else if (c === 34 || (c === 39 && (i === start || text.charCodeAt(i - 1) <= 32 || text[i - 1] === '[' || text[i - 1] === ','))) {
      // A quoted scalar: skip to its closing quote (a '' or \" inside is skipped too).
      for (i++; i < end; i++) {
        const d = text.charCodeAt(i);
        if (c === 34 && d === 92) i++;
        else if (d === c) {
          if (c === 39 && text.charCodeAt(i + 1) === 39) i++;
          else break;
        }
      }
    }
  }
  return -1;
}

function tooDeep(src: SourceText, index: number, yd: YamlDoc, at: number): ParsedDocument {
  return finish(src, index, yd, undefined, [syntaxError(src, index, at, `document is nested deeper than ${LIMITS.maxDepth} levels`, 'INPUT_INVALID')]);
}

/**
 * fastDocument parses one document of a stream (see the module comment), which starts at
 * 1-based line `line`; null: it needs the parsers loaded.
 */
function fastDocument(src: SourceText, index: number, start: number, end: number, line: number): ParsedDocument | null {
  const block = parseBlockYaml(src.text, start, end);
  if (block) {
    // The block parser bounds its nesting and reports its longest scalar: most documents need no LIMITS walk.
    const within = block.maxDepth < LIMITS.maxDepth && block.maxScalar <= LIMITS.maxScalarLength;
    return finish(src, index, new YamlDoc(src, start, end, undefined, 'block', line), block.value, [], false, within);
  }
  const yd = new YamlDoc(src, start, end, undefined, undefined, line);
  const deep = flowDepthAt(src.text, start, end, LIMITS.maxDepth);
  if (deep >= 0) return tooDeep(src, index, yd, deep);
  if (!parsers) return null;
  const text = src.text.slice(start, end);
  if (ALIAS_RE.test(text)) return slowDocument(src, index, yd);
  let value: unknown;
  try {
    const { jsYaml } = lib();
    value = jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA, maxDepth: LIMITS.maxDepth } as JsYaml.LoadOptions);
  } catch (e) {
    // js-yaml bounds block nesting itself; `yaml` would recurse until the stack runs out.
    if (e instanceof RangeError || (e instanceof lib().jsYaml.YAMLException && (e as JsYaml.YAMLException).reason.startsWith('nesting exceeded maxDepth'))) {
      return tooDeep(src, index, yd, start + ((e as JsYaml.YAMLException).mark?.position ?? 0));
    }
    return slowDocument(src, index, yd);
  }
  return finish(src, index, yd, value, []);
}

/**
 * DocumentReader parses a file's text into its documents, one at a time (so that a large
 * input need not be held parsed in memory): next() returns the next document, null after
 * the last, or NEED_PARSERS before the first document that needs js-yaml or `yaml` (the
 * caller awaits loadParsers() and calls next() again). JSON text (a .json file, or text
 * starting with `{` or `[`) is tried with JSON.parse first; on failure it is read as YAML, as
 * calicoctl reads JSON through its YAML decoder.
 */
export class DocumentReader {
  /** mode says how the text is read; k is the number of documents handed out. */
  private mode: 'split' | 'json' | 'deep' | 'whole' | 'done' = 'done';
  private k = 0;
  /** bounds and lines are the documents' boundaries and first lines in split mode (see splitStream). */
  private bounds: number[] = [];
  private lines: number[] = [];
  /** json is the value of JSON text; deepAt where a too deep stream nests too deep. */
  private json: unknown;
  private deepAt = 0;
  /** docs are the whole-stream parser's documents, once parsed. */
  private docs: Document[] | null = null;

  constructor(
    private readonly src: SourceText,
    json: boolean,
  ) {
    const text = src.text;
    const lead = text.search(/\S/);
    if (lead < 0) return;
    if (json || text[lead] === '{' || text[lead] === '[') {
      try {
        this.json = JSON.parse(text) as unknown;
        this.mode = 'json';
        return;
      } catch {
        // Not JSON: read it as YAML below (its errors get positions there).
      }
    }
    const split = splitStream(text);
    if (split) {
      this.bounds = split.bounds;
      this.lines = split.lines;
      this.mode = 'split';
      return;
    }
    // Whole-stream path: `yaml` handles directives and end markers.
    this.deepAt = flowDepthAt(text, 0, text.length, LIMITS.maxDepth);
    this.mode = this.deepAt >= 0 ? 'deep' : 'whole';
  }

  next(): ParsedDocument | typeof NEED_PARSERS | null {
    const src = this.src;
    const k = this.k;
    switch (this.mode) {
      case 'split': {
        const b = this.bounds;
        if (k + 1 >= b.length) return null;
        const doc = fastDocument(src, k + 1, b[k]!, b[k + 1]!, this.lines[k]!);
        if (!doc) return NEED_PARSERS;
        this.k++;
        return doc;
      }
      case 'json':
        if (k > 0) return null;
        this.k++;
        return finish(src, 1, new YamlDoc(src, 0, src.text.length, undefined, 'json'), this.json, []);
      case 'deep':
        if (k > 0) return null;
        this.k++;
        return tooDeep(src, 1, new YamlDoc(src, 0, src.text.length), this.deepAt);
      case 'whole': {
        if (!parsers) return NEED_PARSERS;
        if (!this.docs) {
          const docs = lib().yaml.parseAllDocuments(src.text, { prettyErrors: false, uniqueKeys: true, schema: 'core' });
          this.docs = Array.isArray(docs) ? (docs as Document[]) : [];
        }
        if (k >= this.docs.length) return null;
        this.k++;
        return slowDocument(src, k + 1, new YamlDoc(src, 0, src.text.length, this.docs[k]));
      }
      case 'done':
        return null;
    }
  }
}
