import type { ValidateOutcome, ValidateReport, ValidateResult } from '../../manifest/validate-report.js';
import { formatValidateGitHub } from './github.js';
import { formatValidateJson, JsonReportWriter } from './json.js';
import { formatValidateJUnit } from './junit.js';
import { formatValidateSarif } from './sarif.js';
import type { Paint } from '../paint.js';
import { formatValidateText, type TextOptions } from './text.js';

export { formatDiagnostic, formatSummary, type TextOptions } from './text.js';
export { loadPaint, PLAIN, type Paint } from '../paint.js';
export { formatAnnotation } from './github.js';
export { diagnosticJson } from './json.js';

import type { ReportFormat } from './formats.js';

export { REPORT_FORMATS, type ReportFormat } from './formats.js';

/** ReportOptions carry what some formats need: source lines and colour (text, junit), the tool version (sarif). */
export interface ReportOptions {
  readonly sourceLine?: TextOptions['sourceLine'];
  readonly paint?: Paint;
  readonly version: string;
}

/** formatReport renders a validate report in one of REPORT_FORMATS. */
export function formatReport(format: ReportFormat, report: ValidateReport, opts: ReportOptions): string {
  switch (format) {
    case 'text':
      return formatValidateText(report, opts);
    case 'json':
      return formatValidateJson(report);
    case 'junit':
      return formatValidateJUnit(report, opts);
    case 'sarif':
      return formatValidateSarif(report, { version: opts.version });
    case 'github':
      return formatValidateGitHub(report);
  }
}

/**
 * ReportWriter renders a validate report from results handed over one at a time (as
 * streamValidation produces them), so that a large run need not keep its results as objects.
 */
export interface ReportWriter {
  /** result takes the next result, in input order. */
  result(r: ValidateResult): void;
  /** finish returns the report in pieces to write in order. */
  finish(outcome: ValidateOutcome): (string | Uint8Array)[];
}

/**
 * reportWriter returns a ReportWriter for a format: json encodes each result as it comes;
 * the others keep what they print (text, github and sarif print only diagnostics, so they keep
 * only results that have some; junit keeps every result) and format it at the end.
 */
export function reportWriter(format: ReportFormat, opts: Omit<ReportOptions, 'sourceLine'>): ReportWriter {
  if (format === 'json') return new JsonReportWriter();
  const results: ValidateResult[] = [];
  const all = format === 'junit';
  return {
    result(r) {
      if (all || r.diagnostics.length > 0) results.push(r);
    },
    finish(o) {
      const report = { valid: o.valid, summary: o.summary, results, diagnostics: o.diagnostics };
      return [formatReport(format, report, { ...opts, sourceLine: o.sourceLine })];
    },
  };
}
