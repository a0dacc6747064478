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

/** PLAIN matches the strings JSON.stringify quotes as they are and jsonSafe leaves alone: printable ASCII without " and \\. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** str is q(s) for a string, without either call for a plain one (the common case). */
function str(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : q(s);
}

/** val is q(v), with str's shortcut for strings. */
function val(v: unknown): string {
  return typeof v === 'string' ? str(v) : q(v);
}

/**
 * ByteChunks collects text as UTF-8 in fixed-size chunks outside the JS heap. Each piece is
 * encoded by Buffer's native writer: a byte loop in JS is fast only once the JIT has optimised
 * it, which a run of 10,000 results spends much of its time waiting for.
 */
class ByteChunks {
  readonly done: Uint8Array[] = [];
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;

  /** text appends a string. */
  text(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const most = 3 * s.length;
    if (this.pos + most > this.buf.length) {
      if (this.pos > 0) this.done.push(this.buf.subarray(0, this.pos));
      this.buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, most));
      this.pos = 0;
    }
    this.pos += this.buf.write(s, this.pos);
  }

  /** chunks returns the bytes written so far (the writer is then done). */
  chunks(): Uint8Array[] {
    if (this.pos > 0) this.done.push(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return this.done;
  }
}

/**
 * JsonReportWriter renders a validate report as spec/cli.md fixes it:
 * {valid, summary, results: [{file, document, kind, name, status, diagnostics}]}, plus
 * `diagnostics` for warnings tied to no resource. The text is exactly JSON.stringify's with a
 * two-space indent, written directly: each result becomes one string, encoded as it comes
 * into UTF-8 chunks outside the JS heap (a report can hold 100,000 results), and the head
 * (valid, summary), known only at the end, is put before them by finish().
 */
export class JsonReportWriter {
  private readonly out = new ByteChunks();
  private count = 0;
  private lastFile: string | undefined;
  private lastQFile = '';

  /** result appends one result. */
  result(r: ValidateResult): void {
    if (r.file !== this.lastFile) {
      this.lastFile = r.file;
      this.lastQFile = str(r.file);
    }
    let s = `${this.count++ === 0 ? '' : ',\n'}    {\n      "file": ${this.lastQFile}`;
    if (r.document !== undefined) s += `,\n      "document": ${q(r.document)}`;
    if (r.kind !== undefined) s += `,\n      "kind": ${str(r.kind)}`;
    if (r.name !== undefined) s += `,\n      "name": ${str(r.name)}`;
    s += `,\n      "status": "${r.status}",\n      "diagnostics": `;
    if (r.diagnostics.length === 0) s += '[]\n    }';
    else {
      s += '[\n';
      for (let i = 0; i < r.diagnostics.length; i++) s += `${i > 0 ? ',\n' : ''}${diagnosticText(r.diagnostics[i]!)}`;
      s += '\n      ]\n    }';
    }
    this.out.text(s);
  }

  /** finish returns the whole report in pieces to write in order (the last ends with a newline). */
  finish(outcome: Pick<ValidateOutcome, 'valid' | 'summary' | 'diagnostics'>): (string | Uint8Array)[] {
    const extra = outcome.diagnostics.map((d) => `    ${objectText(diagnosticJson(d, true), '    ')}`);
    const head = `{\n  "valid": ${outcome.valid},\n  "summary": ${objectText({ ...outcome.summary }, '  ')},\n  "results": ${this.count === 0 ? '[]' : '[\n'}`;
    const tail = `${this.count === 0 ? '' : '\n  ]'},\n  "diagnostics": ${listText(extra, '  ')}\n}\n`;
    return [head, ...this.out.chunks(), tail];
  }
}

/** diagnosticText is a result's diagnostic: objectText(diagnosticJson(d), '        '). */
function diagnosticText(d: Diagnostic): string {
  let s = `        {\n          "severity": ${val(d.severity)},\n          "code": ${val(d.code)},\n          "message": ${val(d.message)}`;
  for (const k of OPTIONAL_KEYS) {
    if (d[k] !== undefined) s += `,\n          "${k}": ${val(d[k])}`;
  }
  return `${s}\n        }`;
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
