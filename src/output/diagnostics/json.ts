import type { Diagnostic } from '../../core/index.js';
import type { ValidateReport, ValidateResult } from '../../manifest/validate-report.js';

/**
 * diagnosticJson is a diagnostic in spec/cli.md's JSON shape (severity, code, message, path,
 * line, column), then extras: the node's end, the hint, and Calico's field name and value
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
    ...(d.field !== undefined ? { field: d.field } : {}),
    ...(d.value !== undefined ? { value: d.value } : {}),
  };
}

const q = JSON.stringify;

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

function resultText(r: ValidateResult): string {
  const head =
    `    {\n      "file": ${q(r.file)},\n` +
    (r.document !== undefined ? `      "document": ${r.document},\n` : '') +
    (r.kind !== undefined ? `      "kind": ${q(r.kind)},\n` : '') +
    (r.name !== undefined ? `      "name": ${q(r.name)},\n` : '') +
    `      "status": ${q(r.status)},\n`;
  const diags = r.diagnostics.map((d) => `        ${objectText(diagnosticJson(d), '        ')}`);
  return `${head}      "diagnostics": ${listText(diags, '      ')}\n    }`;
}

/**
 * formatValidateJson renders a validate report as spec/cli.md fixes it:
 * {valid, summary, results: [{file, document, kind, name, status, diagnostics}]}, plus
 * `diagnostics` for warnings tied to no resource. The text is exactly JSON.stringify's with a
 * two-space indent, written directly (a report can hold 100,000 results).
 */
export function formatValidateJson(report: ValidateReport): string {
  const results = report.results.map(resultText);
  const extra = report.diagnostics.map((d) => `    ${objectText(diagnosticJson(d, true), '    ')}`);
  return (
    `{\n  "valid": ${report.valid},\n  "summary": ${objectText({ ...report.summary }, '  ')},\n` +
    `  "results": ${listText(results, '  ')},\n  "diagnostics": ${listText(extra, '  ')}\n}\n`
  );
}
