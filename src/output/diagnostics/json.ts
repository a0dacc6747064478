import { jsonSafe } from '../../base/terminal-text.js';
import type { Diagnostic } from '../../core/index.js';
import type { ValidateOutcome, ValidateReport, ValidateResult } from '../../manifest/validate-report.js';

/**
 * diagnosticJson is a diagnostic in spec/cli.md's JSON shape (severity, code, message, path,
 * line, column), then extras: the node's end, the hint, the detail, and Calico's field name and value
 * (which calicoErrorText prints as "error with field <field> = '<value>' (<message>)").
 */
export function diagnosticJson(d: Diagnostic, withFile = false): Record<string, unknown> {
  return {
    ...(withFile && d.file !== undefined ? { file: d.file } : {}),
    severity: d.severity,
    code: d.code,
    message: d.message,
    ...(d.path !== undefined ? { path: d.path } : {}),
    ...(d.line !== undefined ? { line: d.line, column: d.column } : {}),
    ...(d.endLine !== undefined ? { endLine: d.endLine, endColumn: d.endColumn } : {}),
    ...(d.hint !== undefined ? { hint: d.hint } : {}),
    ...(d.detail !== undefined ? { detail: d.detail } : {}),
    ...(d.field !== undefined ? { field: d.field } : {}),
    ...(d.value !== undefined ? { value: d.value } : {}),
  };
}

/** OPTIONAL_KEYS are a diagnostic's members after severity, code and message, in output order (each only when set). */
const OPTIONAL_KEYS = ['path', 'line', 'column', 'endLine', 'endColumn', 'hint', 'detail', 'field', 'value'] as const;

/** q is JSON.stringify made safe for a terminal (jsonSafe): the same value, no raw control characters. */
const q = (v: unknown): string => jsonSafe(JSON.stringify(v));

/** objectText writes a flat object of JSON-ready values as JSON.stringify(o, null, 2) would at an indent. */
function objectText(o: Record<string, unknown>, ind: string): string {
  const inner = `${ind}  `;
  let s = '';
  for (const k in o) s += `${s ? ',\n' : ''}${inner}${q(k)}: ${q(o[k])}`;
  return s ? `{\n${s}\n${ind}}` : '{}';
}

function listText(items: readonly string[], ind: string): string {
  return items.length === 0 ? '[]' : `[\n${items.join(',\n')}\n${ind}]`;
}

/** CHUNK_BYTES is the size of the byte chunks JsonReportWriter encodes results into. */
const CHUNK_BYTES = 1 << 18;

/**
 * ByteChunks collects UTF-8 text in fixed-size chunks outside the JS heap. ASCII is copied
 * byte by byte (report text is mostly ASCII: no string is built for it); anything else goes
 * through Buffer's encoder.
 */
class ByteChunks {
  readonly done: Uint8Array[] = [];
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;

  /** room makes sure n more bytes fit in the current chunk. */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > 0) this.done.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, n));
    this.pos = 0;
  }

  /** bytes appends encoded text. */
  bytes(b: Uint8Array): void {
    const n = b.length;
    this.room(n);
    const buf = this.buf;
    const p = this.pos;
    // The pieces are short: a loop beats TypedArray#set's call.
    for (let k = 0; k < n; k++) buf[p + k] = b[k]!;
    this.pos = p + n;
  }

  /** int appends a non-negative integer below 2^31 in decimal. */
  int(n: number): void {
    this.room(10);
    const b = this.buf;
    let p = this.pos;
    let div = 1;
    while (div * 10 <= n) div *= 10;
    for (; div >= 1; div = Math.floor(div / 10)) b[p++] = 48 + (Math.floor(n / div) % 10);
    this.pos = p;
  }

  /** text appends a string. */
  text(s: string): void {
    const n = s.length;
    this.room(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.room(Buffer.byteLength(s));
        this.pos += this.buf.write(s, this.pos);
        return;
      }
      b[p++] = c;
    }
    this.pos = p;
  }

  /** jsonString appends JSON.stringify(s). */
  jsonString(s: string): void {
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      // Only printable ASCII other than " and \ is written as is.
      if (c < 0x20 || c >= 0x7f || c === 34 || c === 92) {
        this.text(q(s));
        return;
      }
    }
    this.room(n + 2);
    const b = this.buf;
    let p = this.pos;
    b[p++] = 34;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    b[p++] = 34;
    this.pos = p;
  }

  /** json appends JSON.stringify(v) (as a template literal shows it: "undefined" for undefined). */
  json(v: unknown): void {
    if (typeof v === 'string') this.jsonString(v);
    // Numbers, booleans and null hold no character jsonSafe would change.
    else this.text(String(typeof v === 'object' && v !== null ? q(v) : JSON.stringify(v)));
  }

  /** chunks returns the bytes written so far (the writer is then done). */
  chunks(): Uint8Array[] {
    if (this.pos > 0) this.done.push(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return this.done;
  }
}

/** ascii encodes an ASCII string (a constant piece of the report). */
function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

const FIRST_RESULT = ascii('    {\n      "file": ');
const NEXT_RESULT = ascii(',\n    {\n      "file": ');
const DOCUMENT = ascii(',\n      "document": ');
const KIND = ascii(',\n      "kind": ');
const NAME = ascii(',\n      "name": ');
const VALID = ascii(',\n      "status": "valid",\n      "diagnostics": ');
const NO_DIAGNOSTICS = ascii('[]\n    }');

/**
 * JsonReportWriter renders a validate report as spec/cli.md fixes it:
 * {valid, summary, results: [{file, document, kind, name, status, diagnostics}]}, plus
 * `diagnostics` for warnings tied to no resource. The text is exactly JSON.stringify's with a
 * two-space indent, written directly: results are encoded as they come, into UTF-8 chunks
 * outside the JS heap (a report can hold 100,000 results), and the head (valid, summary),
 * known only at the end, is put before them by finish().
 */
export class JsonReportWriter {
  private readonly out = new ByteChunks();
  private count = 0;
  private lastFile: string | undefined;
  private lastQFile: Uint8Array = FIRST_RESULT;

  /** result appends one result. */
  result(r: ValidateResult): void {
    const out = this.out;
    out.bytes(this.count++ === 0 ? FIRST_RESULT : NEXT_RESULT);
    if (r.file !== this.lastFile) {
      this.lastFile = r.file;
      this.lastQFile = Buffer.from(q(r.file), 'utf8');
    }
    out.bytes(this.lastQFile);
    if (r.document !== undefined) {
      out.bytes(DOCUMENT);
      if (Number.isInteger(r.document) && r.document >= 0 && r.document < 2 ** 31) out.int(r.document);
      else out.json(r.document);
    }
    if (r.kind !== undefined) {
      out.bytes(KIND);
      out.jsonString(r.kind);
    }
    if (r.name !== undefined) {
      out.bytes(NAME);
      out.jsonString(r.name);
    }
    if (r.status === 'valid') out.bytes(VALID);
    else out.text(`,\n      "status": "${r.status}",\n      "diagnostics": `);
    if (r.diagnostics.length === 0) {
      out.bytes(NO_DIAGNOSTICS);
      return;
    }
    out.text('[\n');
    for (let i = 0; i < r.diagnostics.length; i++) {
      if (i > 0) out.text(',\n');
      this.diagnostic(r.diagnostics[i]!);
    }
    out.text('\n      ]\n    }');
  }

  /** diagnostic appends a result's diagnostic: objectText(diagnosticJson(d), '        '), indented. */
  private diagnostic(d: Diagnostic): void {
    const out = this.out;
    out.text('        {\n          "severity": ');
    out.json(d.severity);
    out.text(',\n          "code": ');
    out.json(d.code);
    out.text(',\n          "message": ');
    out.json(d.message);
    for (const k of OPTIONAL_KEYS) {
      if (d[k] === undefined) continue;
      out.text(`,\n          "${k}": `);
      out.json(d[k]);
    }
    out.text('\n        }');
  }

  /** finish returns the whole report in pieces to write in order (the last ends with a newline). */
  finish(outcome: Pick<ValidateOutcome, 'valid' | 'summary' | 'diagnostics'>): (string | Uint8Array)[] {
    const extra = outcome.diagnostics.map((d) => `    ${objectText(diagnosticJson(d, true), '    ')}`);
    const head = `{\n  "valid": ${outcome.valid},\n  "summary": ${objectText({ ...outcome.summary }, '  ')},\n  "results": ${this.count === 0 ? '[]' : '[\n'}`;
    const tail = `${this.count === 0 ? '' : '\n  ]'},\n  "diagnostics": ${listText(extra, '  ')}\n}\n`;
    return [head, ...this.out.chunks(), tail];
  }
}

/**
 * formatValidateJson renders a whole validate report at once (see JsonReportWriter).
 */
export function formatValidateJson(report: ValidateReport): string {
  const w = new JsonReportWriter();
  for (const r of report.results) w.result(r);
  return w
    .finish(report)
    .map((p) => (typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('utf8')))
    .join('');
}
