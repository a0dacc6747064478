import type { Readable } from 'node:stream';
import type { ReadScratch } from '../base/read-bounded.js';
import { API_VERSION, checkIPPoolSchema, FELIX_CONFIGURATION_LIST, foldKey, IPPOOL_LIST, KIND_IPPOOL, V1_LIST, type Diagnostic, type ResourceForm } from '../core/index.js';
import { classify, V1_LIST_HINT } from './classify.js';
import { DocumentReader, loadParsers, NEED_PARSERS, type ParsedDocument, type PendingDocument, type Position } from './documents.js';
import { readInputs } from './read-input.js';
import { SourceText } from './source.js';

export type { Position } from './documents.js';

/**
 * ResourceOrigin says where a resource came from: the file as the user named it ("<stdin>"
 * for `-`), the 1-based document number in that file, and the line and column where the
 * resource starts (an item of a List starts at its own line; computed on first use).
 */
export interface ResourceOrigin {
  readonly file: string;
  readonly document: number;
  readonly line: number;
  readonly column: number;
}

/**
 * LoadedResource is one document of the input that names a resource (an IPPool, or another
 * kind): its plain-JS value (as calicoctl's YAML reading gives it), its origin, and locate(),
 * which maps a JSON pointer into `value` to a source position: the value's node, or with
 * at = 'key' the key's (for unknown fields); a missing member gives the position of its
 * deepest existing parent's key (spec/ippool.md §5: "the position is its parent mapping's").
 * Positions are computed only on demand.
 */
export interface LoadedResource {
  /** index is the resource's place in the input, counting IPPools and other kinds alike. */
  readonly index: number;
  readonly origin: ResourceOrigin;
  readonly value: unknown;
  readonly apiVersion?: string;
  readonly kind?: string;
  /** name is metadata.name as calicoctl decodes it (its key in any case), when it is a string. */
  readonly name?: string;
  /** resourceVersion is metadata.resourceVersion likewise, for the v3 form only (the kubectl form's is the cluster's). */
  readonly resourceVersion?: string;
  /** form is an IPPool's form: Calico's v3 API, or the kubectl (CRD) form. */
  readonly form: ResourceForm;
  /**
   * diagnostics are the loader's findings about this resource: for an IPPool, what the YAML
   * reading noticed in it (YAML11_SCALAR, DUPLICATE_KEY); for another kind, why it is skipped
   * or refused (KIND_NOT_HANDLED, KIND_SKIPPED, KIND_UNKNOWN). Positioned.
   */
  readonly diagnostics?: readonly Diagnostic[];
  /**
   * text is its document's text when the resource is that whole document (a mapping) read
   * alone from a YAML stream: the key of a memo of byte-identical documents (ManifestVisitor.known).
   */
  readonly text?: string | undefined;
  locate(pointer: string, at?: 'value' | 'key'): Position;
}

/** LoadOptions are loadManifests' options; cwd resolves relative paths. */
export interface LoadOptions {
  /** recursive: descend into subdirectories of directories (-R). */
  readonly recursive?: boolean;
  /** stdin gives the stream read for the path "-" (a function: process.stdin costs ~5 ms to create, so only on demand). */
  readonly stdin?: () => Readable;
  readonly cwd: string;
  /** maxBytes caps each input's size (default MAX_INPUT_BYTES, base/read-bounded.ts); larger inputs get INPUT_TOO_LARGE. */
  readonly maxBytes?: number;
  /** scratch is the buffer files are read into, shared with other loads (ReadScratch: nat diff's two states). */
  readonly scratch?: ReadScratch;
}

/**
 * LoadResult is everything read: the files in order, the number of documents, the IPPools
 * (`resources`), the other documents (`others`: skipped kinds, and Calico-looking ones
 * calicoctl cannot load), and the loader's diagnostics (unreadable files, syntax errors,
 * limits, lists' envelopes, empty files, and the others' diagnostics), positioned.
 */
export interface LoadResult {
  readonly files: string[];
  readonly documents: number;
  readonly resources: LoadedResource[];
  readonly others: LoadedResource[];
  readonly diagnostics: Diagnostic[];
  /** sourceLine returns a line of an input (1-based), for printing it under a diagnostic. */
  sourceLine(file: string, line: number): string | undefined;
}

/**
 * ManifestVisitor receives what visitManifests reads, in input order: IPPools (with the YAML
 * reading's warnings about them), other documents (skipped, or refused with KIND_UNKNOWN, see
 * classify.ts), and the loader's other diagnostics.
 */
export interface ManifestVisitor {
  resource(res: LoadedResource): void;
  other(res: LoadedResource): void;
  diagnostic(d: Diagnostic): void;
  /**
   * known, when given, is asked before documents of a YAML stream are read, with the input's
   * documents (`docs`) from document `k` (0-based) on, which would be resource `index` on: it
   * returns how many of them, from k, it takes from their text alone (docs.text from
   * docs.textFrom(k) to docs.textTo(k): a resource it had of exactly that text,
   * LoadedResource.text). Those documents are not read and nothing is made for them: each
   * counts as one resource, and docs.hit(k, index) gives its MemoHit on demand. A document of
   * the same text reads to the same value with the same findings; only positions differ. One
   * call takes a run of documents in one loop: the common case, run cold, costs less so.
   */
  known?(docs: MemoDocuments, k: number, index: number): number;
  /** end, when given, is called after the last input was read. */
  end?(): void;
}

/**
 * MemoDocuments are one input's documents as ManifestVisitor.known sees them: their text
 * (`count` documents, 0 unless the input is a YAML stream cut at its `---` lines), and
 * hit(k, index), the MemoHit of document k taken as resource `index`, made only when asked
 * (a duplicate name, positions), so a document taken from its text costs no object.
 */
export class MemoDocuments {
  /** text is the input's text; count its number of documents. */
  readonly text: string;
  readonly count: number;

  constructor(
    private readonly reader: DocumentReader,
    /** file is the input's name, as LoadedResource.origin gives it. */
    readonly file: string,
    src: SourceText,
  ) {
    this.text = src.text;
    this.count = reader.splitCount;
  }

  /** textFrom is where document k's text starts in `text` (after a leading `---` line). */
  textFrom(k: number): number {
    return this.reader.textFrom(k);
  }

  /** textTo is where document k's text ends in `text`. */
  textTo(k: number): number {
    return this.reader.textTo(k);
  }

  /**
   * bounds are the documents' boundaries, `---` lines included: document k is [bounds[k],
   * bounds[k + 1]) of text (DocumentReader.splitBounds). Two documents of equal ranges have equal
   * texts (textFrom to textTo), so runs of documents compare in one call.
   */
  get bounds(): readonly number[] {
    return this.reader.splitBounds;
  }

  /** hit returns the MemoHit of document k taken as resource `index`. */
  hit(k: number, index: number): MemoHit {
    return new MemoHit(this.reader.pendingAt(k), this.file, index);
  }
}

/**
 * MemoHit is a document that ManifestVisitor.known took as a resource it had already: its
 * origin (found without reading it), and resource(), which reads it (once) as the visitor
 * would have received it.
 */
export class MemoHit {
  private res: LoadedResource | undefined;
  private where: ResourceOrigin | undefined;

  constructor(
    private readonly pending: PendingDocument,
    private readonly file: string,
    readonly index: number,
  ) {}

  /** origin is where the document's resource starts (computed on first use, without reading it). */
  get origin(): ResourceOrigin {
    if (!this.where) {
      const p = this.pending.start;
      this.where = { file: this.file, document: this.pending.index, line: p.line, column: p.column };
    }
    return this.where;
  }

  /** resource reads the document (once) and returns its one resource, as the visitor would have received it. */
  resource(): LoadedResource {
    if (!this.res) {
      let found: LoadedResource | undefined;
      const n = visitDocument(this.pending.read(), this.file, this.index, {
        resource: (r) => (found = r),
        other: () => undefined,
        diagnostic: () => undefined,
      });
      // Only a document that was one IPPool is taken from the memo, and the same text reads the same.
      if (n !== 1 || !found) throw new Error('MemoHit: the document is not the one resource it was');
      this.res = found;
    }
    return this.res;
  }
}

/** VisitSummary is what visitManifests returns after the last input. */
export interface VisitSummary {
  readonly files: string[];
  readonly documents: number;
  sourceLine(file: string, line: number): string | undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * goLookup is the value go-json decodes into a struct field from an object: of the keys equal
 * to the field's name ignoring case, the last in sorted order (usually just the exact one).
 */
function goLookup(o: Record<string, unknown>, field: string): unknown {
  const exact = o[field];
  let best: string | undefined = exact !== undefined ? field : undefined;
  const fold = foldKey(field);
  for (const k in o) {
    if (k !== field && k.length === field.length && foldKey(k) === fold && (best === undefined || k > best)) best = k;
  }
  return best === undefined ? undefined : o[best];
}

/**
 * Resource is a LoadedResource at a JSON pointer prefix of a parsed document. It is its own
 * origin (one object per resource): line and column are looked up on first use.
 */
class Resource implements LoadedResource, ResourceOrigin {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly document: number;
  diagnostics?: Diagnostic[];
  private startPos?: Position;
  /** meta is metadata's name and resourceVersion, looked up on first use (validate names its results by the decoded pool). */
  private meta?: { name?: string; resourceVersion?: string };

  constructor(
    readonly index: number,
    private readonly doc: ParsedDocument,
    readonly file: string,
    readonly prefix: string,
    readonly value: Record<string, unknown>,
    readonly form: ResourceForm = 'v3',
  ) {
    this.document = doc.index;
    if (typeof value.apiVersion === 'string') this.apiVersion = value.apiVersion;
    if (typeof value.kind === 'string') this.kind = value.kind;
  }

  private metadata(): { name?: string; resourceVersion?: string } {
    if (!this.meta) {
      const meta = goLookup(this.value, 'metadata');
      const name = isRecord(meta) ? goLookup(meta, 'name') : undefined;
      const rv = isRecord(meta) && this.form === 'v3' ? goLookup(meta, 'resourceVersion') : undefined;
      this.meta = {
        ...(typeof name === 'string' ? { name } : {}),
        ...(typeof rv === 'string' && rv !== '' ? { resourceVersion: rv } : {}),
      };
    }
    return this.meta;
  }

  get name(): string | undefined {
    return this.metadata().name;
  }

  get resourceVersion(): string | undefined {
    return this.metadata().resourceVersion;
  }

  get origin(): ResourceOrigin {
    return this;
  }

  /** text is the document's text when this resource is the whole document (LoadedResource.text). */
  get text(): string | undefined {
    return this.prefix === '' ? this.doc.text : undefined;
  }

  private position(): Position {
    this.startPos ??= this.prefix === '' ? this.doc.start : this.doc.locate(this.prefix);
    return this.startPos;
  }

  get line(): number {
    return this.position().line;
  }

  get column(): number {
    return this.position().column;
  }

  locate(pointer: string, at?: 'value' | 'key'): Position {
    return this.doc.locate(this.prefix + pointer, at);
  }
}

/**
 * positioned returns a copy of d with the resource's file, document and the position of
 * d.path: of the key for findings about a key (unknown fields, label and annotation keys),
 * else of the value.
 */
export function positioned(res: LoadedResource, d: Diagnostic): Diagnostic {
  const aboutKey = d.code === 'FIELD_UNKNOWN' || d.code === 'DUPLICATE_KEY' || d.field === 'Metadata.Labels (label)' || d.field === 'Metadata.Annotations (key)';
  const p = res.locate(d.path ?? '', aboutKey ? 'key' : 'value');
  const o = res.origin;
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    path: d.path,
    field: d.field,
    value: d.value,
    hint: d.hint,
    detail: d.detail,
    file: o.file,
    document: o.document,
    line: p.line,
    column: p.column,
    endLine: p.endLine,
    endColumn: p.endColumn,
  };
}

/** MAX_DIAGNOSTICS bounds the diagnostics shown for one resource or document (the rest are counted in one more). */
export const MAX_DIAGNOSTICS = 50;

/**
 * bounded returns at most MAX_DIAGNOSTICS of a resource's diagnostics, positioned (only those
 * shown are located), and a TOO_MANY_PROBLEMS warning counting the others.
 */
export function bounded(res: LoadedResource, ds: readonly Diagnostic[]): Diagnostic[] {
  const shown = ds.length > MAX_DIAGNOSTICS ? ds.slice(0, MAX_DIAGNOSTICS) : ds;
  const out = shown.map((d) => positioned(res, d));
  if (ds.length > MAX_DIAGNOSTICS) {
    const errors = ds.slice(MAX_DIAGNOSTICS).filter((d) => d.severity === 'error').length;
    out.push(
      positioned(res, {
        code: 'TOO_MANY_PROBLEMS',
        severity: 'warning',
        message: `${ds.length - MAX_DIAGNOSTICS} more problems in this resource are not shown (${errors} of them errors)`,
        path: '',
      }),
    );
  }
  return out;
}

/**
 * Walker hands one document's resources to the visitor (see visitDocument), classifying
 * each as decision 6 says (classify.ts) and attaching the document's notes to the IPPool they
 * are in.
 */
class Walker {
  /** count is how many resources (of any kind) the document gave. */
  count = 0;

  constructor(
    private readonly doc: ParsedDocument,
    private readonly file: string,
    private readonly first: number,
    private readonly v: ManifestVisitor,
  ) {}

  private at(pointer: string, at: 'value' | 'key' = 'value'): { line: number; column: number } {
    const p = this.doc.locate(pointer, at);
    return { line: p.line, column: p.column };
  }

  /** notes returns the document's notes inside the resource at prefix, as its warnings (paths relative to it). */
  private notes(prefix: string): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const n of this.doc.notes) {
      if (n.pointer !== prefix && !n.pointer.startsWith(`${prefix}/`)) continue;
      const a = this.doc.position(n.start);
      const b = this.doc.position(n.end);
      out.push({
        code: n.code,
        severity: 'warning',
        message: n.message,
        path: n.pointer.slice(prefix.length),
        ...(n.hint ? { hint: n.hint } : {}),
        file: this.file,
        document: this.doc.index,
        line: a.line,
        column: a.column,
        endLine: b.line,
        endColumn: b.column,
      });
    }
    return out;
  }

  /** value hands the resources of the value at a pointer to the visitor. */
  value(value: unknown, prefix: string): void {
    if (!isRecord(value)) {
      this.v.diagnostic({
        code: 'INPUT_INVALID',
        severity: 'error',
        message: 'document is not a resource: expected a mapping with apiVersion and kind, a List with items, or a sequence of them',
        path: prefix,
        file: this.file,
        document: this.doc.index,
        ...this.at(prefix),
      });
      return;
    }
    const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : undefined;
    const kind = typeof value.kind === 'string' ? value.kind : undefined;
    const c = classify(apiVersion, kind, Array.isArray(value.items));
    if (c.class === 'list') {
      this.list(value, prefix, c.list, c.item);
      return;
    }
    const res = new Resource(this.first + this.count++, this.doc, this.file, prefix, value, c.class === 'pool' ? c.form : 'v3');
    if (c.class === 'pool') {
      if (this.doc.notes.length > 0) {
        const notes = this.notes(prefix);
        if (notes.length > 0) res.diagnostics = notes;
      }
      this.v.resource(res);
      return;
    }
    const d: Diagnostic =
      c.class === 'unknown'
        ? { code: 'KIND_UNKNOWN', severity: 'error', message: `unknown resource type (${kind ?? ''}) and/or version (${apiVersion ?? ''})`, path: c.path, hint: c.hint }
        : c.class === 'not-handled'
          ? { code: 'KIND_NOT_HANDLED', severity: 'warning', message: c.message, path: '/kind', hint: c.hint }
          : { code: 'KIND_SKIPPED', severity: 'info', message: `skipped ${kind} (${apiVersion}): not a Calico resource`, path: '/kind' };
    res.diagnostics = [positioned(res, d)];
    this.v.other(res);
  }

  /**
   * list hands a list's items to the visitor after checking its envelope as calicoctl decodes
   * it (strictly); a v3 List's items must be of its kind (`item`: an IPPoolList holds IPPools,
   * a FelixConfigurationList FelixConfigurations, as calicoctl's typed lists); a v1 List
   * holding projectcalico.org/v3 items is refused as a whole (calicoctl cannot load a v1 List
   * at all; its kubectl form is poolctl's addition).
   */
  private list(value: Record<string, unknown>, prefix: string, list: 'v3' | 'v1', item: string): void {
    const items = Array.isArray(value.items) ? value.items : [];
    const envelope = checkIPPoolSchema(value, list === 'v1' ? V1_LIST : item === KIND_IPPOOL ? IPPOOL_LIST : FELIX_CONFIGURATION_LIST);
    for (const d of envelope.diagnostics) {
      this.v.diagnostic({ ...d, path: prefix + (d.path ?? ''), file: this.file, document: this.doc.index, ...this.at(prefix + (d.path ?? ''), d.code === 'FIELD_UNKNOWN' ? 'key' : 'value') });
    }
    if (list === 'v1' && items.some((x) => isRecord(x) && typeof x.apiVersion === 'string' && x.apiVersion.startsWith('projectcalico.org/'))) {
      this.v.diagnostic({
        code: 'KIND_UNKNOWN',
        severity: 'error',
        message: 'unknown resource type (List) and/or version (v1)',
        path: `${prefix}/kind`,
        hint: V1_LIST_HINT,
        file: this.file,
        document: this.doc.index,
        ...this.at(`${prefix}/kind`),
      });
      return;
    }
    items.forEach((x, i) => {
      const at = `${prefix}/items/${i}`;
      if (list === 'v3' && isRecord(x) && (x.apiVersion !== API_VERSION || x.kind !== item)) {
        this.v.diagnostic({
          code: 'KIND_UNKNOWN',
          severity: 'error',
          message: `unknown resource type (${String(x.kind ?? '')}) and/or version (${String(x.apiVersion ?? '')})`,
          path: `${at}/kind`,
          hint: `${/^[AEIOU]/.test(item) ? 'an' : 'a'} ${item}List holds ${item}s (apiVersion ${API_VERSION})`,
          file: this.file,
          document: this.doc.index,
          ...this.at(`${at}/kind`),
        });
        return;
      }
      this.value(x, at);
    });
  }
}

/**
 * visitDocument hands one document's resources to the visitor: a mapping is a resource; an
 * IPPoolList (or kubectl's v1 List) gives its items; a sequence gives its elements
 * (calicoctl's convertToSliceOfResources). Returns how many resources (of any kind) it found.
 */
function visitDocument(doc: ParsedDocument, file: string, first: number, v: ManifestVisitor): number {
  const value = doc.value;
  if (value === undefined || value === null) return 0;
  const w = new Walker(doc, file, first, v);
  if (!Array.isArray(value)) w.value(value, '');
  else value.forEach((x, i) => w.value(x, `/${i}`));
  return w.count;
}

/**
 * visitManifests reads the inputs named by -f (spec/cli.md): files, directories (their .yaml,
 * .yml and .json files, sorted; subdirectories with `recursive`), and "-" for stdin; each
 * holds one or more YAML documents or JSON. It hands each resource to the visitor as soon as
 * its document is parsed, so a large input is never held parsed as a whole. It never throws
 * for bad input: unreadable paths, binary or non-UTF-8 files, oversized inputs, syntax errors
 * and hostile documents become diagnostics, and the other documents and files are still read.
 * A file without resources gets NO_RESOURCES (`no resources specified in file <f>`).
 */
export async function visitManifests(paths: readonly string[], opts: LoadOptions, v: ManifestVisitor): Promise<VisitSummary> {
  const sources = new Map<string, SourceText>();
  const files: string[] = [];
  let documents = 0;
  let index = 0;
  const inputs = await readInputs(paths, {
    cwd: opts.cwd,
    recursive: opts.recursive ?? false,
    ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
    ...(opts.stdin ? { stdin: opts.stdin } : {}),
    ...(opts.scratch ? { scratch: opts.scratch } : {}),
  });
  for (const input of inputs) {
    if ('error' in input) {
      v.diagnostic(input.error);
      if (input.counted) files.push(input.file);
      continue;
    }
    files.push(input.file);
    const src = new SourceText(input.file, input.text);
    sources.set(input.file, src);
    let found = 0;
    let failed = false;
    // An error about a document that gave no resources (a refused List) is not an empty file.
    const visitor: ManifestVisitor = {
      resource: (r) => v.resource(r),
      other: (r) => v.other(r),
      diagnostic: (d) => {
        if (d.severity === 'error') failed = true;
        v.diagnostic(d);
      },
    };
    const reader = new DocumentReader(src, input.json);
    const docs = v.known ? new MemoDocuments(reader, input.file, src) : undefined;
    for (;;) {
      // A run of documents taken from their text; the one that ends it (if any) is read below.
      const n = docs && docs.count > reader.position ? v.known!(docs, reader.position, index) : 0;
      if (n > 0) {
        reader.skip(n);
        documents += n;
        index += n;
        found += n;
      }
      const doc = reader.next();
      if (doc === null) break;
      if (doc === NEED_PARSERS) {
        await loadParsers();
        continue;
      }
      documents++;
      for (const d of doc.diagnostics) visitor.diagnostic(d);
      const r = visitDocument(doc, input.file, index, visitor);
      index += r;
      found += r;
    }
    if (!failed && found === 0) {
      v.diagnostic({ code: 'NO_RESOURCES', severity: 'warning', message: `no resources specified in file ${input.file}`, file: input.file, line: 1, column: 1 });
    }
  }
  v.end?.();
  return { files, documents, sourceLine: (file, line) => sources.get(file)?.lineText(line) };
}

/**
 * loadManifests reads the inputs as visitManifests does and returns them all at once:
 * create, apply, replace, delete and `nat -f` use it.
 */
export async function loadManifests(paths: readonly string[], opts: LoadOptions): Promise<LoadResult> {
  const resources: LoadedResource[] = [];
  const others: LoadedResource[] = [];
  const diagnostics: Diagnostic[] = [];
  const summary = await visitManifests(paths, opts, {
    resource: (r) => resources.push(r),
    other: (r) => {
      others.push(r);
      diagnostics.push(...(r.diagnostics ?? []));
    },
    diagnostic: (d) => diagnostics.push(d),
  });
  return { files: summary.files, documents: summary.documents, resources, others, diagnostics, sourceLine: summary.sourceLine };
}
