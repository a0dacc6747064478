import { visible, visibleMessage } from '../../base/terminal-text.js';
import type { Diagnostic } from '../../core/index.js';
import type { ValidateReport } from '../../manifest/validate-report.js';
import { formatSummary } from './text.js';

/** escapeData escapes a workflow command's message (GitHub's toolkit escapeData). */
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** escapeProperty escapes a workflow command's property value (GitHub's toolkit escapeProperty). */
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * formatAnnotation renders a diagnostic as a GitHub Actions workflow command:
 * `::error file=F,line=L,col=C,endLine=..,endColumn=..,title=CODE::message`, escaped as
 * @actions/core escapes them (% CR LF in the message; also : and , in properties). Control
 * characters from the input are made visible first (the Actions log would act on ANSI escapes).
 */
export function formatAnnotation(d: Diagnostic): string {
  const props: string[] = [];
  if (d.file !== undefined) props.push(`file=${escapeProperty(visible(d.file))}`);
  if (d.line !== undefined) {
    props.push(`line=${d.line}`, `col=${d.column ?? 1}`);
    if (d.endLine !== undefined) props.push(`endLine=${d.endLine}`, `endColumn=${d.endColumn ?? 1}`);
  }
  props.push(`title=${escapeProperty(d.code)}`);
  const msg = visibleMessage(`${d.message}${d.hint ? ` (hint: ${d.hint})` : ''}${d.detail ? `\n${d.detail}` : ''}`, { newlines: true });
  return `::${d.severity === 'info' ? 'notice' : d.severity} ${props.join(',')}::${escapeData(msg)}\n`;
}

/** formatValidateGitHub renders every diagnostic of a report as an annotation, then the summary line. */
export function formatValidateGitHub(report: ValidateReport): string {
  const parts = report.results.flatMap((r) => r.diagnostics.map(formatAnnotation));
  parts.push(...report.diagnostics.map(formatAnnotation));
  parts.push(formatSummary(report.summary));
  return parts.join('');
}
