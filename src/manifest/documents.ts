import type { Document } from 'yaml';
import { escapePointerSegment, type Diagnostic } from '../core/index.js';
import { locateInOutline, parseBlockYaml, pointerAt, type OutlineNode } from './block-yaml.js';
import { outlineJson } from './json-outline.js';
import type { SourceText } from './source.js';
import { readYamlTree, yaml11Note, type Guards, type ParseNote } from './yaml-tree.js';
import { resolveScalar } from './scalar.js';

/**
 * Documents: a YAML (or JSON) stream split into documents, each read as calicoctl reads it
 * (gopkg.in/yaml.v2's YAML 1.1 scalars, a repeated key's last value), with positions on demand.
 *
 * Speed (spec: >= 50,000 resources/s): `yaml` builds a full CST and node tree (~10k docs/s), so
 * the stream is cut at its `---` lines (a document marker is never content in YAML, even inside
 * a block scalar) and each document goes down the first path that takes it:
 *   1. block-yaml.ts, for plain block YAML (nearly every manifest): value and positions at once;
 *   2. `yaml` with the failsafe schema, read by yaml-tree.ts: everything else, with the first
 *      syntax error of the document and its position (one per document: no cascade).
 * JSON text goes through JSON.parse first (when every number in it reads the same in yaml.v2),
 * its positions from json-outline.ts. Streams with `...` end markers or `%` directives are
 * parsed whole by `yaml`.
 *
 * Every tier resolves plain scalars through scalar.ts (yaml.v2's rules), so a document's value
 * never depends on the tier that read it; a property test holds the tiers together. `yaml` is
 * loaded only when a document needs it (loading it costs ~30 ms): see NEED_PARSERS.
 */

/** Parsers is the `yaml` library, once loaded. */
interface Parsers {
  readonly yaml: typeof import('yaml');
}

let parsers: Parsers | undefined;

/** loadParsers loads `yaml` (once); parseDocuments asks for it with NEED_PARSERS. */
export async function loadParsers(): Promise<void> {
  if (parsers) return;
  const yaml = await import('yaml');
  // Bundled, a CommonJS module's namespace is its `default`; unbundled (tests), the named exports.
  const y = 'parseDocument' in yaml ? yaml : (yaml as unknown as { default: typeof yaml }).default;
  parsers = { yaml: y };
}

/** lib returns the loaded parsers; parseDocuments makes sure they are loaded before any use. */
function lib(): Parsers {
  if (!parsers) throw new Error('YAML parsers used before loadParsers()');
  return parsers;
}

/** guards are the `yaml` library's node type guards, for yaml-tree.ts. */
function guards(): Guards {
  return lib().yaml;
}

/**
 * YAML_OPTIONS parse every scalar as its text, explicit tags included (yaml-tree.ts resolves
 * them as yaml.v2 does), and let repeated keys through (yaml.v2 does).
 */
const YAML_OPTIONS = { prettyErrors: false, uniqueKeys: false, schema: 'failsafe', resolveKnownTags: false } as const;

/**
 * NEED_PARSERS is what parseDocuments yields when the next document needs `yaml`: the caller
 * awaits loadParsers() and asks for the next document again.
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
  /** diagnostics are the syntax or limit error that stopped the document (at most one). */
  readonly diagnostics: readonly Diagnostic[];
  /** notes are what the reader noticed in a document it read (values YAML 1.2 reads otherwise, repeated keys). */
  readonly notes: readonly ParseNote[];
  /** start is the position of the document's content (after any `---`). */
  readonly start: Position;
  /** locate returns the position of the node at a JSON pointer (see locateInOutline). */
  locate(pointer: string, at?: 'value' | 'key'): Position;
  /** position returns the position of an offset in the source. */
  position(offset: number): Position;
  /**
   * text is the document's text (after a leading `---` line) when it was read alone from a
   * stream cut at its markers: the key of a memo of byte-identical documents (DocumentReader.textFrom).
   */
  readonly text?: string | undefined;
}

function syntaxError(src: SourceText, index: number, offset: number, message: string, code: Diagnostic['code'] = 'YAML_SYNTAX'): Diagnostic {
  // An error found at the end of a document (an unclosed collection) points after its last
  // character rather than at a blank line or the next document's marker.
  const t = src.text;
  let at = Math.min(offset, t.length);
  const lineStart = t.lastIndexOf('\n', at - 1) + 1;
  let lineEnd = t.indexOf('\n', at);
  if (lineEnd < 0) lineEnd = t.length;
  if (lineStart > 0 && (firstContent(t, lineStart, lineEnd) === lineEnd || t.startsWith('---', lineStart))) {
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

/** UNFAITHFUL is checkValue's answer for JSON whose numbers yaml.v2 would read otherwise. */
const UNFAITHFUL = 'unfaithful';

/**
 * checkValue walks a parsed value: the first place that breaks LIMITS (depth, scalar length),
 * with `json` UNFAITHFUL when a number is one yaml.v2 reads otherwise than JSON.parse (an
 * overflow to infinity, -0, an integer beyond 2^53), or null. Recursion stops at maxDepth, so
 * it cannot overflow the stack.
 */
function checkValue(v: unknown, json: boolean, depth = 0): LimitBreach | typeof UNFAITHFUL | null {
  if (typeof v === 'string') {
    return v.length > LIMITS.maxScalarLength
      ? { pointer: '', code: 'INPUT_TOO_LARGE', message: `scalar of ${v.length} characters exceeds the limit of ${LIMITS.maxScalarLength}` }
      : null;
  }
  if (typeof v === 'number') return json && (!Number.isFinite(v) || Object.is(v, -0) || (Number.isInteger(v) && !Number.isSafeInteger(v))) ? UNFAITHFUL : null;
  if (v === null || typeof v !== 'object') return null;
  if (depth >= LIMITS.maxDepth) return { pointer: '', code: 'INPUT_INVALID', message: `document is nested deeper than ${LIMITS.maxDepth} levels` };
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const b = checkValue(v[i], json, depth + 1);
      if (b === UNFAITHFUL) return b;
      if (b) return { ...b, pointer: `/${i}${b.pointer}` };
    }
    return null;
  }
  for (const k in v) {
    const b = checkValue((v as Record<string, unknown>)[k], json, depth + 1);
    if (b === UNFAITHFUL) return b;
    if (b) return { ...b, pointer: `/${escapePointerSegment(k)}${b.pointer}` };
  }
  return null;
}

/** LOCAL_POSITIONS_MAX is the size up to which a document's positions are counted from its first line. */
const LOCAL_POSITIONS_MAX = 1 << 16;

/** NO_DIAGNOSTICS and NO_NOTES are the empty lists of a document read cleanly (shared: the common case). */
const NO_DIAGNOSTICS: readonly Diagnostic[] = [];
const NO_NOTES: readonly ParseNote[] = [];

/** MAX_NOTES bounds the YAML11_SCALAR notes kept per document (the last kept one counts the rest). */
const MAX_NOTES = 20;

/**
 * capNotes keeps at most MAX_NOTES notes of the `total` a document has, the last one kept
 * saying how many more there were.
 */
function capNotes(notes: readonly ParseNote[], total = notes.length): readonly ParseNote[] {
  if (total <= MAX_NOTES) return notes.length > 0 ? notes : NO_NOTES;
  const kept = notes.slice(0, MAX_NOTES);
  const last = kept[kept.length - 1]!;
  kept[kept.length - 1] = { ...last, message: `${last.message} (and ${total - kept.length} more in this document)` };
  return kept;
}

/** Outlined says where a document's positions come from: the block parser, the JSON outline, or the `yaml` tree. */
type Outlined = 'block' | 'json' | 'tree';

/**
 * YamlDoc is a document's text range with what its positions come from; once read, it is the
 * ParsedDocument (see settle()).
 */
class YamlDoc implements ParsedDocument {
  private outline: OutlineNode | null | undefined;
  index = 0;
  value: unknown;
  diagnostics: readonly Diagnostic[] = NO_DIAGNOSTICS;
  notes: readonly ParseNote[] = NO_NOTES;
  private startPos: Position | undefined;

  constructor(
    readonly src: SourceText,
    readonly from: number,
    readonly to: number,
    private readonly outlined: Outlined,
    /** fromLine is the 1-based line at `from`, when known (0 if not). */
    private readonly fromLine = 0,
    /** tree is the `yaml` Document of a tree-read document, and the offset its ranges count from. */
    private readonly tree?: { doc: Document; base: number },
  ) {}

  /** text is the memo key of a document cut out of a stream at its markers (DocumentReader.textFrom); undefined for the others. */
  get text(): string | undefined {
    return this.fromLine > 0 && this.outlined !== 'json' ? memoKey(this.src.text, this.from, this.to) : undefined;
  }

  /** settle makes this the ParsedDocument of the document's value; `total` counts notes beyond those given. */
  settle(index: number, value: unknown, diagnostics: readonly Diagnostic[], notes: readonly ParseNote[] = NO_NOTES, total = notes.length): ParsedDocument {
    this.index = index;
    this.value = value;
    this.diagnostics = diagnostics;
    this.notes = capNotes(notes, total);
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
  position(offset: number): Position {
    return this.fromLine > 0 && this.to - this.from <= LOCAL_POSITIONS_MAX ? this.src.positionFrom(this.from, this.fromLine, offset) : this.src.position(offset);
  }

  /** outlineOf returns the document's outline, made on first use (null when it has none). */
  outlineOf(): OutlineNode | null {
    if (this.outline === undefined) {
      if (this.outlined === 'json') this.outline = outlineJson(this.src.text);
      else if (this.outlined === 'block') this.outline = parseBlockYaml(this.src.text, this.from, this.to, true)?.outline ?? null;
      else this.outline = this.tree ? readYamlTree(this.tree.doc, guards(), this.tree.base, LIMITS, true).outline : null;
    }
    return this.outline;
  }

  locate(pointer: string, at: 'value' | 'key' = 'value'): Position {
    const outline = this.outlineOf();
    const hit = outline ? locateInOutline(outline, pointer, at, this.outlined === 'json') : null;
    if (!hit) return this.position(this.contentStart());
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

/**
 * treeDocument reads a document with `yaml` (the slow, exact path): its first syntax error
 * only (a later one is often a cascade of it), else its value as yaml-tree.ts reads it. `doc`
 * is the document when the whole stream was parsed at once (its ranges count from 0).
 */
function treeDocument(src: SourceText, index: number, from: number, to: number, line: number, doc?: Document): ParsedDocument {
  const base = doc ? 0 : from;
  const parsed = doc ?? lib().yaml.parseDocument(src.text.slice(from, to), YAML_OPTIONS);
  const yd = new YamlDoc(src, from, to, 'tree', line, { doc: parsed, base });
  const first = parsed.errors[0];
  if (first) return yd.settle(index, undefined, [syntaxError(src, index, base + first.pos[0], first.message)]);
  const r = readYamlTree(parsed, guards(), base, LIMITS);
  if (r.error) return yd.settle(index, undefined, [syntaxError(src, index, r.error.offset, r.error.message, r.error.code)]);
  return yd.settle(index, r.value, NO_DIAGNOSTICS, r.notes);
}

/**
 * blockNotes turns the first MAX_NOTES of the block parser's note offsets into notes (with
 * the nodes' pointers, from the outline).
 */
function blockNotes(yd: YamlDoc, offsets: readonly number[]): ParseNote[] {
  const outline = yd.outlineOf();
  const out: ParseNote[] = [];
  for (let i = 0; i < offsets.length && out.length < MAX_NOTES; i += 2) {
    const start = offsets[i]!;
    const end = offsets[i + 1]!;
    const text = yd.src.text.slice(start, end);
    const note = yaml11Note(text, resolveScalar(text), outline ? pointerAt(outline, start) : '', start, end);
    if (note) out.push(note);
  }
  return out;
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

/** endsMarker reports whether a `---` or `...` at the start of a line, ending before i, is a marker line: the text ends there, or a blank or line break follows. */
function endsMarker(text: string, i: number): boolean {
  if (i >= text.length) return true;
  const c = text.charCodeAt(i);
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * markerLine returns where the first marker line of m (`---` or `...`) at or after from starts,
 * or -1. It searches for the marker itself, not for line breaks: a manifest has ~10 line breaks
 * a document and few runs of three dots or dashes, and each hit of a search is a call.
 */
function markerLine(text: string, m: string, from: number): number {
  for (let j = text.indexOf(m, from); j >= 0; j = text.indexOf(m, j + 1)) if ((j === 0 || text.charCodeAt(j - 1) === 10) && endsMarker(text, j + 3)) return j;
  return -1;
}

/** hasLineStarting reports whether a line of text after the first starts with character ch (searched for itself, as in markerLine). */
function hasLineStarting(text: string, ch: string): boolean {
  for (let j = text.indexOf(ch, 1); j >= 0; j = text.indexOf(ch, j + 1)) if (text.charCodeAt(j - 1) === 10) return true;
  return false;
}

/**
 * splitStream returns the boundaries of a YAML stream's documents, or null when the stream
 * needs the whole-stream parser (`...` markers, `%` directives): document k is [bounds[k],
 * bounds[k + 1]). Only line starts are looked at, found by searching for the markers (not
 * line by line); DocumentLines counts each document's first line when it is asked for.
 * Exported for its test (test/manifest/split-stream.test.ts).
 */
export function splitStream(text: string): number[] | null {
  if (text.charCodeAt(0) === 37 /* % */ || hasLineStarting(text, '%') || markerLine(text, '...', 0) >= 0) return null;
  const bounds = [0];
  for (let j = markerLine(text, '---', 0); j >= 0; j = markerLine(text, '---', j + 1)) bounds.push(j);
  // Text before the first marker is a document only if it has content.
  const head = bounds.length > 1 ? bounds[1]! : text.length;
  if (firstContent(text, 0, head) === head) bounds.shift();
  bounds.push(text.length);
  return bounds;
}

/**
 * DocumentLines gives the 1-based line at which each document of a split stream starts
 * (bounds as splitStream returns them), counting line breaks only as far as asked: a document
 * read from its text alone (PendingDocument) may never need its line.
 */
class DocumentLines {
  /** lines[k] is the line of document k, for the documents counted so far. */
  private readonly lines: number[] = [];

  constructor(
    private readonly text: string,
    private readonly bounds: readonly number[],
  ) {}

  /** lineOf returns the line at which document k starts. */
  lineOf(k: number): number {
    const lines = this.lines;
    const b = this.bounds;
    if (lines.length === 0) lines.push(1 + countBreaks(this.text, 0, b[0]!));
    while (lines.length <= k) {
      const j = lines.length;
      lines.push(lines[j - 1]! + countBreaks(this.text, b[j - 1]!, b[j]!));
    }
    return lines[k]!;
  }
}

/** countBreaks counts the line breaks (LF) in [from, to) of text. */
function countBreaks(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
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

/**
 * blockDepthAt returns the offset of a line whose block nesting exceeds max in [start, end),
 * or -1: a cheap guard run before `yaml`, which recurses once per level. The open levels are
 * the increasing indents of the lines above (a `- ` item opens one more); each is a node that
 * is still open, so their number is at most the real nesting plus one.
 */
function blockDepthAt(text: string, start: number, end: number, max: number): number {
  const open: number[] = [];
  for (let i = start; i < end; ) {
    let nl = text.indexOf('\n', i);
    if (nl < 0 || nl > end) nl = end;
    let c = i;
    while (c < nl && text.charCodeAt(c) === 32) c++;
    if (c < nl && text.charCodeAt(c) !== 35 && text.charCodeAt(c) !== 13) {
      for (;;) {
        const col = c - i;
        while (open.length > 0 && open[open.length - 1]! >= col) open.pop();
        open.push(col);
        if (open.length > max) return c;
        // `- ` starts an item whose content opens a level further right.
        if (text.charCodeAt(c) !== 45 || text.charCodeAt(c + 1) !== 32) break;
        c += 2;
        while (c < nl && text.charCodeAt(c) === 32) c++;
        if (c >= nl) break;
      }
    }
    i = nl + 1;
  }
  return -1;
}

/** breach settles a document that breaks LIMITS, with the diagnostic at the offending node. */
function breach(yd: YamlDoc, index: number, bad: LimitBreach): ParsedDocument {
  const p = yd.locate(bad.pointer);
  return yd.settle(index, undefined, [{ code: bad.code, severity: 'error', message: bad.message, file: yd.src.file, document: index, line: p.line, column: p.column }]);
}

function tooDeep(src: SourceText, index: number, yd: YamlDoc, at: number): ParsedDocument {
  return yd.settle(index, undefined, [syntaxError(src, index, at, `document is nested deeper than ${LIMITS.maxDepth} levels`, 'INPUT_INVALID')]);
}

/**
 * fastDocument reads one document of a stream (see the module comment), which starts at
 * 1-based line `line`; null: it needs the parsers loaded.
 */
function fastDocument(src: SourceText, index: number, start: number, end: number, line: number): ParsedDocument | null {
  const block = parseBlockYaml(src.text, start, end);
  if (block) {
    const yd = new YamlDoc(src, start, end, 'block', line);
    // The block parser bounds its nesting and reports its longest scalar: most documents need no walk.
    if (block.maxDepth >= LIMITS.maxDepth || block.maxScalar > LIMITS.maxScalarLength) {
      const bad = checkValue(block.value, false);
      if (bad && bad !== UNFAITHFUL) return breach(yd, index, bad);
    }
    return block.notes.length > 0 ? yd.settle(index, block.value, NO_DIAGNOSTICS, blockNotes(yd, block.notes), block.notes.length / 2) : yd.settle(index, block.value, NO_DIAGNOSTICS);
  }
  let deep = flowDepthAt(src.text, start, end, LIMITS.maxDepth);
  if (deep < 0) deep = blockDepthAt(src.text, start, end, LIMITS.maxDepth + 1);
  if (deep >= 0) return tooDeep(src, index, new YamlDoc(src, start, end, 'tree', line), deep);
  if (!parsers) return null;
  return treeDocument(src, index, start, end, line);
}

/**
 * DocumentReader reads a file's text into its documents, one at a time (so that a large input
 * need not be held parsed in memory): next() returns the next document, null after the last,
 * or NEED_PARSERS before the first document that needs `yaml` (the caller awaits
 * loadParsers() and calls next() again). JSON text (a .json file, or text starting with `{`
 * or `[`) is tried with JSON.parse first; when that fails, or a number in it would read
 * otherwise in yaml.v2, it is read as YAML, as calicoctl reads JSON through its YAML decoder.
 */
export class DocumentReader {
  /** mode says how the text is read; k is the number of documents handed out. */
  private mode: 'split' | 'json' | 'deep' | 'whole' | 'done' = 'done';
  private k = 0;
  /** bounds and lines are the documents' boundaries and first lines in split mode (see splitStream). */
  private bounds: number[] = [];
  private lines: DocumentLines | undefined;
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
    this.yamlMode();
  }

  /** yamlMode reads the text as a YAML stream: split at its markers, or whole. */
  private yamlMode(): void {
    const text = this.src.text;
    const split = splitStream(text);
    if (split) {
      this.bounds = split;
      this.lines = new DocumentLines(text, split);
      this.mode = 'split';
      return;
    }
    // Whole-stream path: `yaml` handles directives and end markers.
    this.deepAt = flowDepthAt(text, 0, text.length, LIMITS.maxDepth);
    if (this.deepAt < 0) this.deepAt = blockDepthAt(text, 0, text.length, LIMITS.maxDepth + 1);
    this.mode = this.deepAt >= 0 ? 'deep' : 'whole';
  }

  /**
   * splitCount is the number of documents when the stream is read document by document (a YAML
   * stream cut at its `---` lines), else 0 (JSON, whole-stream parsing): for a memo of
   * byte-identical documents, which looks at document k's text (textFrom, textTo) without
   * reading it or making any object for it, and reads it on demand (pendingAt).
   */
  get splitCount(): number {
    return this.mode === 'split' ? this.bounds.length - 1 : 0;
  }

  /** textFrom is where document k's text (its memo key, see memoKey) starts in the source text (k < splitCount). */
  textFrom(k: number): number {
    return memoStart(this.src.text, this.bounds[k]!);
  }

  /** textTo is where document k ends in the source text (k < splitCount). */
  textTo(k: number): number {
    return this.bounds[k + 1]!;
  }

  /**
   * splitBounds are the documents' boundaries in split mode: document k is [b[k], b[k + 1]),
   * its `---` line included (so equal ranges have equal texts from textFrom on).
   */
  get splitBounds(): readonly number[] {
    return this.bounds;
  }

  /** position is the number of documents handed out or skipped so far: the 0-based number of the next. */
  get position(): number {
    return this.k;
  }

  /** pendingAt returns the k-th (0-based) document of a split stream, unread (PendingDocument). */
  pendingAt(k: number): PendingDocument {
    return new PendingDocument(this.src, k + 1, this.bounds[k]!, this.bounds[k + 1]!, this.lines!);
  }

  /** skip passes over the next n documents of a split stream, which their holder reads on demand (pendingAt). */
  skip(n: number): void {
    this.k += n;
  }

  next(): ParsedDocument | typeof NEED_PARSERS | null {
    const src = this.src;
    const k = this.k;
    switch (this.mode) {
      case 'split': {
        const b = this.bounds;
        if (k + 1 >= b.length) return null;
        const doc = fastDocument(src, k + 1, b[k]!, b[k + 1]!, this.lines!.lineOf(k));
        if (!doc) return NEED_PARSERS;
        this.k++;
        return doc;
      }
      case 'json': {
        const bad = checkValue(this.json, true);
        if (bad === UNFAITHFUL) {
          this.json = undefined;
          this.yamlMode();
          return this.next();
        }
        this.k++;
        this.mode = 'done';
        const yd = new YamlDoc(src, 0, src.text.length, 'json', 1);
        return bad ? breach(yd, 1, bad) : yd.settle(1, this.json, NO_DIAGNOSTICS);
      }
      case 'deep':
        if (k > 0) return null;
        this.k++;
        return tooDeep(src, 1, new YamlDoc(src, 0, src.text.length, 'tree', 1), this.deepAt);
      case 'whole': {
        if (!parsers) return NEED_PARSERS;
        if (!this.docs) {
          const docs = lib().yaml.parseAllDocuments(src.text, YAML_OPTIONS);
          this.docs = Array.isArray(docs) ? (docs as Document[]) : [];
        }
        const doc = this.docs[k];
        if (!doc) return null;
        this.k++;
        const [from, , to] = doc.range ?? [0, src.text.length, src.text.length];
        return treeDocument(src, k + 1, from, to, 0, doc);
      }
      case 'done':
        return null;
    }
  }
}

/**
 * PendingDocument is a document of a YAML stream cut at its `---` lines, not yet read (one
 * whose text, DocumentReader.textFrom, was found in a memo of byte-identical documents:
 * such documents read to the same value with the same findings, and differ only in
 * positions): where it starts, and read(), which reads it as DocumentReader.next() would.
 */
export class PendingDocument {
  private startPos: Position | undefined;

  constructor(
    private readonly src: SourceText,
    readonly index: number,
    private readonly from: number,
    private readonly to: number,
    /** lines gives the 1-based line at `from` (document index - 1 of the stream). */
    private readonly lines: DocumentLines,
  ) {}

  /** line is the 1-based line at `from`. */
  private get line(): number {
    return this.lines.lineOf(this.index - 1);
  }

  /** start is the position of the document's content, found without reading it (ParsedDocument.start). */
  get start(): Position {
    this.startPos ??= new YamlDoc(this.src, this.from, this.to, 'block', this.line).start;
    return this.startPos;
  }

  /**
   * read reads the document. A document of the same text was read before in this process, so
   * the parsers it may need are loaded.
   */
  read(): ParsedDocument {
    const doc = fastDocument(this.src, this.index, this.from, this.to, this.line);
    if (doc) return doc;
    if (!parsers) throw new Error('PendingDocument.read before loadParsers()');
    return treeDocument(this.src, this.index, this.from, this.to, this.line);
  }
}

/**
 * memoKey is the text of the document in [from, to) of a stream after its `---` line when that
 * line is just the marker (memoStart): the same document reads the same whether it opens the
 * stream or follows a marker.
 */
export function memoKey(text: string, from: number, to: number): string {
  return text.slice(memoStart(text, from), to);
}

/** memoStart is where the memo key of the document starting at `from` starts: after a `---` line that is just the marker. */
function memoStart(text: string, from: number): number {
  return text.startsWith('---\n', from) ? from + 4 : from;
}
