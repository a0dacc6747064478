import type { ValidateReport } from '../../manifest/validate-report.js';
import { formatValidateGitHub } from './github.js';
import { formatValidateJson } from './json.js';
import { formatValidateJUnit } from './junit.js';
import { formatValidateSarif } from './sarif.js';
import { formatValidateText, type Paint, type TextOptions } from './text.js';

export { formatDiagnostic, formatSummary, loadPaint, PLAIN, type Paint, type TextOptions } from './text.js';
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
