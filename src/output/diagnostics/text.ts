import { lineExcerpt, visible, visibleMessage } from '../../base/terminal-text.js';
import type { Diagnostic } from '../../core/index.js';
import type { ValidateReport, ValidateSummary } from '../../manifest/validate-report.js';
import { PLAIN, type Paint } from '../paint.js';


/** TextOptions are what the text formatter needs beyond the diagnostic. */
export interface TextOptions {
  /** sourceLine returns a line of an input, to print under the diagnostic with a caret. */
  readonly sourceLine?: (file: string, line: number) => string | undefined;
  readonly paint?: Paint;
}

/** caretLine returns the marker under a source line: blanks (tabs kept) up to the column, then ^ and ~ to the end. */
function caretLine(src: string, column: number, endColumn: number | undefined): string {
  const pad = src.slice(0, column - 1).replace(/[^\t]/g, ' ');
  const width = endColumn !== undefined && endColumn > column ? Math.min(endColumn - column, Math.max(1, src.length - column + 1)) : 1;
  return `${pad}^${'~'.repeat(Math.max(0, width - 1))}`;
}

/**
 * formatDiagnostic renders one diagnostic as spec/cli.md fixes it (text from the input made
 * visible, base/terminal-text.ts; a long source line shown as a window around the column):
 *
 *   FILE:LINE:COL: error CODE: message (hint: ...)
 *     <the detail, when there is one>
 *     <the source line>
 *     <caret under the column>
 *
 * A diagnostic without a position prints `FILE: error CODE: message`; the source lines appear
 * when opts.sourceLine knows them. Ends with a newline.
 */
export function formatDiagnostic(d: Diagnostic, opts: TextOptions = {}): string {
  const paint = opts.paint ?? PLAIN;
  const file = d.file !== undefined ? visible(d.file) : undefined;
  const where = file !== undefined ? (d.line !== undefined ? `${file}:${d.line}:${d.column ?? 1}: ` : `${file}: `) : '';
  const sev = d.severity === 'error' ? paint.error('error') : d.severity === 'warning' ? paint.warning('warning') : paint.dim('info');
  let out = `${where}${sev} ${d.code}: ${visibleMessage(d.message)}${d.hint ? paint.dim(` (hint: ${visibleMessage(d.hint)})`) : ''}\n`;
  if (d.detail) out += `  ${paint.dim(visibleMessage(d.detail))}\n`;
  const src = d.file !== undefined && d.line !== undefined ? opts.sourceLine?.(d.file, d.line) : undefined;
  if (src !== undefined && /\S/.test(src)) {
    const x = lineExcerpt(src, d.column ?? 1, d.endLine === d.line ? d.endColumn : undefined);
    out += `  ${x.text}\n  ${paint.caret(caretLine(x.text, x.column, x.endColumn))}\n`;
  }
  return out;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** formatSummary is validate's summary line, e.g. "2 files, 5 resources: 3 valid, 1 invalid, 1 skipped; 2 errors, 1 warning". */
export function formatSummary(s: ValidateSummary): string {
  return `${plural(s.files, 'file')}, ${plural(s.resources, 'resource')}: ${s.valid} valid, ${s.invalid} invalid, ${s.skipped} skipped; ${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}\n`;
}

/** formatValidateText renders a validate report: every diagnostic in input order, then the summary. */
export function formatValidateText(report: ValidateReport, opts: TextOptions = {}): string {
  const parts: string[] = [];
  for (const r of report.results) for (const d of r.diagnostics) parts.push(formatDiagnostic(d, opts));
  for (const d of report.diagnostics) parts.push(formatDiagnostic(d, opts));
  parts.push(formatSummary(report.summary));
  return parts.join('');
}
