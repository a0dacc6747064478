import type { Document, Node as YamlNode, Pair, Scalar as YamlScalar } from 'yaml';
import { escapePointerSegment, formatGoFloat } from '../core/index.js';
import type { OutlineEntry, OutlineNode } from './block-yaml.js';
import { describeScalar, resolveCoreScalar, resolveExplicit, resolveScalar, sameScalar, type Scalar } from './scalar.js';

/**
 * YAML tree: the value of a document parsed by the `yaml` library (with the failsafe schema, so
 * that every scalar arrives as its text) as calicoctl reads it: plain scalars resolved by
 * yaml.v2's rules (scalar.ts), explicit tags as yaml.v2 resolves them, merge keys (`<<`) as
 * yaml.v2 merges them (in document order: a later key wins), a repeated key's last value
 * (yaml.v2 keeps it; go-yaml-wrapper turns keys into strings), and non-string keys written as
 * go-yaml-wrapper writes them (`1`, `true`, `1e+06`). Aliases are expanded up to a limit. It
 * also gives the outline of node positions (block-yaml.ts's OutlineNode) for locating values,
 * and the notes the loader turns into warnings.
 */

/** ParseNote is something a tier noticed while reading a document: a value YAML 1.2 reads otherwise, a repeated key. */
export interface ParseNote {
  readonly code: 'YAML11_SCALAR' | 'DUPLICATE_KEY';
  /** pointer is the JSON pointer of the node, in the document's value. */
  readonly pointer: string;
  /** start and end are the node's offsets in the source text (the repeated key's, for DUPLICATE_KEY). */
  readonly start: number;
  readonly end: number;
  readonly message: string;
  readonly hint?: string;
}

/** TreeLimits bound what reading a tree may cost. */
export interface TreeLimits {
  readonly maxAliasCount: number;
  readonly maxDepth: number;
  readonly maxScalarLength: number;
}

/** TreeError is why a tree cannot be read: the offset (in the source) and the message. */
export interface TreeError {
  readonly offset: number;
  readonly message: string;
  readonly code: 'YAML_SYNTAX' | 'INPUT_INVALID' | 'INPUT_TOO_LARGE';
}

/** TreeResult is a read tree: its value and outline, or the first error. */
export interface TreeResult {
  readonly value: unknown;
  readonly outline: OutlineNode | null;
  readonly notes: readonly ParseNote[];
  readonly error?: TreeError;
}

/** Guards are the `yaml` library's node type guards (the library is loaded on demand). */
export interface Guards {
  isAlias(n: unknown): boolean;
  isMap(n: unknown): boolean;
  isSeq(n: unknown): boolean;
  isScalar(n: unknown): boolean;
}

class Stop extends Error {
  constructor(readonly error: TreeError) {
    super(error.message);
  }
}

/** yaml11Note is the YAML11_SCALAR note for a plain scalar whose yaml.v2 and YAML 1.2 readings differ, or null. */
export function yaml11Note(text: string, v2: Scalar, pointer: string, start: number, end: number): ParseNote | null {
  const core = resolveCoreScalar(text);
  if (sameScalar(v2, core)) return null;
  return {
    code: 'YAML11_SCALAR',
    pointer,
    start,
    end,
    message: `${text} is read as ${describeScalar(v2)} by calicoctl (YAML 1.1) but as ${describeScalar(core)} by YAML 1.2 tools such as kubectl`,
    hint: typeof core === 'string' ? `write ${describeScalar(v2)} if that is what you mean, or quote "${text}" for the text` : `write ${describeScalar(v2)} if that is what you mean`,
  };
}

/** keyString is a resolved key as go-yaml-wrapper writes it into JSON, or null when it cannot be a key. */
function keyString(v: Scalar): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) < 2 ** 63) return BigInt(v).toString();
    const s = formatGoFloat(v);
    return s === '+Inf' ? '.inf' : s === '-Inf' ? '-.inf' : s === 'NaN' ? '.nan' : s;
  }
  return null;
}

/** Reader walks one document. */
class Reader {
  readonly notes: ParseNote[] = [];
  private aliases = 0;
  private duplicates = 0;
  private firstDuplicate: ParseNote | null = null;
  /** active are the collections being read (an alias to one of them is a cycle). */
  private readonly active = new Set<unknown>();

  constructor(
    private readonly doc: Document,
    private readonly g: Guards,
    /** base is the offset of the document's text in the source. */
    private readonly base: number,
    private readonly outline: boolean,
    private readonly limits: TreeLimits,
  ) {}

  private stop(node: YamlNode | null | undefined, message: string, code: TreeError['code'] = 'INPUT_INVALID'): never {
    throw new Stop({ offset: this.base + (node?.range?.[0] ?? 0), message, code });
  }

  private range(node: YamlNode): [number, number] {
    const r = node.range ?? [0, 0];
    return [this.base + r[0], this.base + r[1]];
  }

  /** scalar resolves a scalar node; `key` for a mapping key (notes then name the key's pointer). */
  scalar(node: YamlScalar, pointer: string): Scalar {
    const text = typeof node.value === 'string' ? node.value : node.value === null || node.value === undefined ? '' : String(node.value);
    if (text.length > this.limits.maxScalarLength) this.stop(node, `scalar of ${text.length} characters exceeds the limit of ${this.limits.maxScalarLength}`, 'INPUT_TOO_LARGE');
    const tag = node.tag;
    if (tag !== undefined && tag !== '!') {
      const v = resolveExplicit(tag, text);
      if (v !== null && typeof v === 'object') this.stop(node, v.error, 'YAML_SYNTAX');
      return v;
    }
    if (node.type !== 'PLAIN' || tag === '!') return text;
    const v = resolveScalar(text);
    // Only a scalar yaml.v2 reads as something else than text, or one starting like a number
    // (`1e400`), can read otherwise in YAML 1.2 (its words null/true/false are yaml.v2's too).
    const c = text.charCodeAt(0);
    if (typeof v !== 'string' || c === 43 || c === 45 || c === 46 || (c >= 48 && c <= 57)) {
      const [start, end] = this.range(node);
      const note = yaml11Note(text, v, pointer, start, end);
      if (note) this.notes.push(note);
    }
    return v;
  }

  /** node reads a node at a JSON pointer and depth: its value, and its outline when asked for. */
  node(node: YamlNode | null, pointer: string, depth: number): { value: unknown; outline: OutlineNode | null } {
    const g = this.g;
    if (node === null || node === undefined) return { value: null, outline: null };
    if (g.isAlias(node)) {
      if (++this.aliases > this.limits.maxAliasCount) {
        this.stop(node, `document expands more than ${this.limits.maxAliasCount} aliases (a "billion laughs" document?)`);
      }
      const target = (node as unknown as { resolve(doc: Document): YamlNode | undefined }).resolve(this.doc);
      if (!target) this.stop(node, `unknown anchor '${(node as unknown as { source: string }).source}' referenced`, 'YAML_SYNTAX');
      if (this.active.has(target)) this.stop(node, `anchor '${(node as unknown as { source: string }).source}' value contains itself`, 'YAML_SYNTAX');
      return this.node(target, pointer, depth);
    }
    if (g.isScalar(node)) {
      const s = node as YamlScalar;
      const value = this.scalar(s, pointer);
      const [start, end] = this.range(s);
      // `key:` with nothing after it is located at its key, as block-yaml.ts does.
      const none = s.type === 'PLAIN' && s.tag === undefined && s.value === '' && start === end;
      return { value, outline: this.outline && !none ? { kind: 'scalar', start, end } : null };
    }
    if (depth >= this.limits.maxDepth) this.stop(node, `document is nested deeper than ${this.limits.maxDepth} levels`);
    this.active.add(node);
    try {
      if (g.isSeq(node)) return this.seq(node as unknown as { items: YamlNode[] } & YamlNode, pointer, depth);
      if (g.isMap(node)) return this.map(node as unknown as { items: Pair[] } & YamlNode, pointer, depth);
    } finally {
      this.active.delete(node);
    }
    return this.stop(node, 'unsupported YAML node');
  }

  private seq(node: { items: YamlNode[] } & YamlNode, pointer: string, depth: number): { value: unknown[]; outline: OutlineNode | null } {
    const value: unknown[] = [];
    const items: OutlineNode[] = [];
    for (let i = 0; i < node.items.length; i++) {
      const r = this.node(node.items[i]!, `${pointer}/${i}`, depth + 1);
      value.push(r.value);
      if (this.outline) items.push(r.outline ?? { kind: 'scalar', start: this.range(node.items[i]!)[0], end: this.range(node.items[i]!)[0] });
    }
    const [start, end] = this.range(node);
    return { value, outline: this.outline ? { kind: 'seq', start, end, items } : null };
  }

  /** merge applies a `<<` value (a mapping, or a sequence of them, aliases resolved) to the mapping being read. */
  private merge(src: YamlNode | null, pointer: string, depth: number, into: Record<string, unknown>, entries: Map<string, OutlineEntry> | null): void {
    const g = this.g;
    let n = src;
    while (n && g.isAlias(n)) {
      if (++this.aliases > this.limits.maxAliasCount) this.stop(n, `document expands more than ${this.limits.maxAliasCount} aliases (a "billion laughs" document?)`);
      n = (n as unknown as { resolve(doc: Document): YamlNode | undefined }).resolve(this.doc) ?? null;
    }
    if (n && g.isMap(n)) {
      const r = this.node(n, pointer, depth);
      const m = r.value as Record<string, unknown>;
      for (const k of Object.keys(m)) into[k] = m[k];
      if (entries && r.outline?.kind === 'map') for (const [k, e] of r.outline.entries) entries.set(k, e);
      return;
    }
    if (n && g.isSeq(n)) {
      // yaml.v2 merges the sequence's mappings last to first, so the first wins among them.
      const items = (n as unknown as { items: YamlNode[] }).items;
      for (let i = items.length - 1; i >= 0; i--) {
        let item: YamlNode | null = items[i]!;
        while (item && g.isAlias(item)) item = (item as unknown as { resolve(doc: Document): YamlNode | undefined }).resolve(this.doc) ?? null;
        if (!item || !g.isMap(item)) this.stop(items[i]!, 'map merge requires map or sequence of maps as the value', 'YAML_SYNTAX');
        this.merge(items[i]!, pointer, depth, into, entries);
      }
      return;
    }
    this.stop(src, 'map merge requires map or sequence of maps as the value', 'YAML_SYNTAX');
  }

  private map(node: { items: Pair[] } & YamlNode, pointer: string, depth: number): { value: Record<string, unknown>; outline: OutlineNode | null } {
    const g = this.g;
    const value: Record<string, unknown> = {};
    const entries = this.outline ? new Map<string, OutlineEntry>() : null;
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      if (keyNode && g.isScalar(keyNode)) {
        const ks = keyNode as YamlScalar;
        if (ks.type === 'PLAIN' && ks.value === '<<' && (ks.tag === undefined || ks.tag === 'tag:yaml.org,2002:merge')) {
          this.merge(pair.value as YamlNode | null, pointer, depth + 1, value, entries);
          continue;
        }
      } else if (keyNode && !g.isAlias(keyNode)) {
        this.stop(keyNode, 'invalid map key: a key must be a scalar', 'YAML_SYNTAX');
      }
      const kv = keyNode ? this.node(keyNode, pointer, depth + 1).value : null;
      const key = keyString(kv as Scalar);
      if (key === null) this.stop(keyNode, `unsupported map key: ${kv === null ? 'null' : typeof kv} (calicoctl cannot turn it into a JSON key)`);
      const childPointer = `${pointer}/${escapePointerSegment(key)}`;
      if (Object.prototype.hasOwnProperty.call(value, key)) this.duplicate(key, keyNode!, childPointer);
      const r = this.node(pair.value as YamlNode | null, childPointer, depth + 1);
      // __proto__ as a key must be data, not the prototype.
      if (key === '__proto__') Object.defineProperty(value, key, { value: r.value, enumerable: true, writable: true, configurable: true });
      else value[key] = r.value;
      if (entries && keyNode) {
        const [ks, ke] = this.range(keyNode);
        entries.delete(key);
        entries.set(key, { keyStart: ks, keyEnd: ke, value: r.outline });
      }
    }
    const [start, end] = this.range(node);
    return { value, outline: entries ? { kind: 'map', start, end, entries } : null };
  }

  /** duplicate notes a repeated key: the first one in full, the others counted in it. */
  private duplicate(key: string, keyNode: YamlNode, pointer: string): void {
    this.duplicates++;
    if (this.firstDuplicate) return;
    const [start, end] = this.range(keyNode);
    this.firstDuplicate = {
      code: 'DUPLICATE_KEY',
      pointer,
      start,
      end,
      message: `mapping key ${JSON.stringify(key)} is repeated; calicoctl (YAML 1.1) keeps the last value, kubectl and YAML 1.2 tools reject the document`,
      hint: 'remove all but one of them',
    };
    this.notes.push(this.firstDuplicate);
  }

  /** finishNotes counts the other repeated keys into the first one's note. */
  finishNotes(): void {
    if (this.firstDuplicate && this.duplicates > 1) {
      const i = this.notes.indexOf(this.firstDuplicate);
      this.notes[i] = { ...this.firstDuplicate, message: `${this.firstDuplicate.message} (${this.duplicates - 1} more repeated keys in this document)` };
    }
  }
}

/**
 * readYamlTree reads a `yaml` Document (parsed from the source at offset `base`, with the
 * failsafe schema and uniqueKeys off) as calicoctl reads it (see the module comment). The
 * outline is built only when asked for. It never throws for bad input: the first problem
 * (a bad explicit tag, an alias bomb or cycle, nesting or a scalar beyond the limits, a key
 * that cannot be a JSON key) is the result's error.
 */
export function readYamlTree(doc: Document, guards: Guards, base: number, limits: TreeLimits, outline = false): TreeResult {
  const r = new Reader(doc, guards, base, outline, limits);
  try {
    const { value, outline: o } = r.node(doc.contents as YamlNode | null, '', 0);
    r.finishNotes();
    return { value, outline: o, notes: r.notes };
  } catch (e) {
    if (e instanceof Stop) return { value: undefined, outline: null, notes: [], error: e.error };
    if (e instanceof RangeError) return { value: undefined, outline: null, notes: [], error: { offset: base, message: `document is nested deeper than ${limits.maxDepth} levels`, code: 'INPUT_INVALID' } };
    throw e;
  }
}
