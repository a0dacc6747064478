import type { Readable } from 'node:stream';
import { API_VERSION, KIND_IPPOOL, type Diagnostic } from '../core/index.js';
import { DocumentReader, loadParsers, NEED_PARSERS, type ParsedDocument, type Position } from './documents.js';
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
 * LoadedResource is one resource of the input: its plain-JS value, its origin, and locate(),
 * which maps a JSON pointer into `value` to a source position: the value's node, or with
 * at = 'key' the key's (for unknown fields); a missing member gives the position of its
 * deepest existing parent's key (spec/ippool.md §5: "the position is its parent mapping's").
 * Positions are computed only on demand.
 */
export interface LoadedResource {
  /** index is the resource's place in the input, counting resources and skipped ones alike. */
  readonly index: number;
  readonly origin: ResourceOrigin;
  readonly value: unknown;
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
  /** diagnostics are the loader's findings about this resource (a skipped kind's KIND_UNKNOWN); also in LoadResult.diagnostics. */
  readonly diagnostics?: readonly Diagnostic[];
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
}

/**
 * LoadResult is everything read: the files in order, the number of documents, the IPPools
 * (`resources`, including `kind: IPPool` with a wrong apiVersion, which the rules reject), the
 * other kinds (`skipped`, each with a KIND_UNKNOWN warning), and the loader's diagnostics
 * (unreadable files, syntax errors, limits, empty files, skipped kinds), positioned.
 */
export interface LoadResult {
  readonly files: string[];
  readonly documents: number;
  readonly resources: LoadedResource[];
  readonly skipped: LoadedResource[];
  readonly diagnostics: Diagnostic[];
  /** sourceLine returns a line of an input (1-based), for printing it under a diagnostic. */
  sourceLine(file: string, line: number): string | undefined;
}

/**
 * ManifestVisitor receives what visitManifests reads, in input order: IPPools, other kinds
 * (with their KIND_UNKNOWN), and the loader's other diagnostics.
 */
export interface ManifestVisitor {
  resource(res: LoadedResource): void;
  skipped(res: LoadedResource): void;
  diagnostic(d: Diagnostic): void;
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
 * Resource is a LoadedResource at a JSON pointer prefix of a parsed document. It is its own
 * origin (one object per resource): line and column are looked up on first use.
 */
class Resource implements LoadedResource, ResourceOrigin {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly document: number;
  diagnostics?: Diagnostic[];
  private startPos?: Position;

  constructor(
    readonly index: number,
    private readonly doc: ParsedDocument,
    readonly file: string,
    private readonly prefix: string,
    readonly value: Record<string, unknown>,
  ) {
    this.document = doc.index;
    if (typeof value.apiVersion === 'string') this.apiVersion = value.apiVersion;
    if (typeof value.kind === 'string') this.kind = value.kind;
    const meta = value.metadata;
    if (isRecord(meta) && typeof meta.name === 'string') this.name = meta.name;
  }

  get origin(): ResourceOrigin {
    return this;
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
  const aboutKey = d.code === 'FIELD_UNKNOWN' || d.field === 'Metadata.Labels (label)' || d.field === 'Metadata.Annotations (key)';
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
    file: o.file,
    document: o.document,
    line: p.line,
    column: p.column,
    endLine: p.endLine,
    endColumn: p.endColumn,
  };
}

/**
 * visitValue hands the resources of a document's value at a pointer prefix to the visitor
 * (see visitDocument), numbering them from `index`; it returns how many it found.
 */
function visitValue(doc: ParsedDocument, file: string, index: number, v: ManifestVisitor, value: unknown, prefix: string): number {
  if (!isRecord(value)) {
    const p = doc.locate(prefix);
    v.diagnostic({
      code: 'INPUT_INVALID',
      severity: 'error',
      message: 'document is not a resource: expected a mapping with apiVersion and kind, a List with items, or a sequence of them',
      path: prefix,
      file,
      document: doc.index,
      line: p.line,
      column: p.column,
    });
    return 0;
  }
  if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    let n = 0;
    value.items.forEach((item, i) => (n += visitValue(doc, file, index + n, v, item, `${prefix}/items/${i}`)));
    return n;
  }
  const res = new Resource(index, doc, file, prefix, value);
  if (res.kind === KIND_IPPOOL) {
    v.resource(res);
    return 1;
  }
  const missing = typeof value.kind !== 'string' || typeof value.apiVersion !== 'string';
  res.diagnostics = [
    positioned(res, {
      code: 'KIND_UNKNOWN',
      severity: missing ? 'error' : 'warning',
      message: `unknown resource type (${res.kind ?? ''}) and/or version (${res.apiVersion ?? ''})`,
      path: typeof value.kind === 'string' ? '/kind' : '',
      hint: missing ? 'every resource needs apiVersion and kind' : `skipped: poolctl handles kind ${KIND_IPPOOL} (apiVersion ${API_VERSION}) only`,
    }),
  ];
  v.skipped(res);
  return 1;
}

/**
 * visitDocument hands one document's resources to the visitor: a mapping is a resource; a
 * `kind: ...List` with `items` gives its items; a sequence gives its elements (calicoctl's
 * convertToSliceOfResources). Returns how many resources (of any kind) it found.
 */
function visitDocument(doc: ParsedDocument, file: string, first: number, v: ManifestVisitor): number {
  const value = doc.value;
  if (value === undefined || value === null) return 0;
  if (!Array.isArray(value)) return visitValue(doc, file, first, v, value, '');
  let n = 0;
  value.forEach((x, i) => (n += visitValue(doc, file, first + n, v, x, `/${i}`)));
  return n;
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
    const reader = new DocumentReader(src, input.json);
    for (let doc = reader.next(); doc !== null; doc = reader.next()) {
      if (doc === NEED_PARSERS) {
        await loadParsers();
        continue;
      }
      documents++;
      for (const d of doc.diagnostics) v.diagnostic(d);
      failed ||= doc.diagnostics.length > 0;
      const n = visitDocument(doc, input.file, index, v);
      index += n;
      found += n;
    }
    if (!failed && found === 0) {
      v.diagnostic({ code: 'NO_RESOURCES', severity: 'warning', message: `no resources specified in file ${input.file}`, file: input.file, line: 1, column: 1 });
    }
  }
  return { files, documents, sourceLine: (file, line) => sources.get(file)?.lineText(line) };
}

/**
 * loadManifests reads the inputs as visitManifests does and returns them all at once:
 * create, apply, replace, delete and `nat -f` use it.
 */
export async function loadManifests(paths: readonly string[], opts: LoadOptions): Promise<LoadResult> {
  const resources: LoadedResource[] = [];
  const skipped: LoadedResource[] = [];
  const diagnostics: Diagnostic[] = [];
  const summary = await visitManifests(paths, opts, {
    resource: (r) => resources.push(r),
    skipped: (r) => {
      skipped.push(r);
      diagnostics.push(...(r.diagnostics ?? []));
    },
    diagnostic: (d) => diagnostics.push(d),
  });
  return { files: summary.files, documents: summary.documents, resources, skipped, diagnostics, sourceLine: summary.sourceLine };
}
