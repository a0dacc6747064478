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

/** AnnotationPlace is where a GitHub annotation points: a file and a position, all optional. */
export interface AnnotationPlace {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly endLine?: number;
  readonly endColumn?: number;
  readonly title?: string;
}

/**
 * workflowCommand renders a GitHub Actions annotation:
 * `::LEVEL file=F,line=L,col=C,endLine=..,endColumn=..,title=T::message`, escaped as
 * @actions/core escapes them (% CR LF in the message; also : and , in properties). Control
 * characters from the input are made visible first (the Actions log would act on ANSI escapes).
 */
export function workflowCommand(level: 'error' | 'warning' | 'notice', at: AnnotationPlace, message: string): string {
  const props: string[] = [];
  if (at.file !== undefined) props.push(`file=${escapeProperty(visible(at.file))}`);
  if (at.line !== undefined) {
    props.push(`line=${at.line}`, `col=${at.column ?? 1}`);
    if (at.endLine !== undefined) props.push(`endLine=${at.endLine}`, `endColumn=${at.endColumn ?? 1}`);
  }
  if (at.title !== undefined) props.push(`title=${escapeProperty(visible(at.title))}`);
  return `::${level}${props.length ? ` ${props.join(',')}` : ''}::${escapeData(visibleMessage(message, { newlines: true }))}\n`;
}

/** formatAnnotation renders a diagnostic as a GitHub Actions annotation titled with its code (workflowCommand; info is a notice). */
export function formatAnnotation(d: Diagnostic): string {
  const msg = `${d.message}${d.hint ? ` (hint: ${d.hint})` : ''}${d.detail ? `\n${d.detail}` : ''}`;
  const at: AnnotationPlace = { file: d.file, line: d.line, column: d.column, endLine: d.endLine, endColumn: d.endColumn, title: d.code };
  return workflowCommand(d.severity === 'info' ? 'notice' : d.severity, at, msg);
}

/** formatValidateGitHub renders every diagnostic of a report as an annotation, then the summary line. */
export function formatValidateGitHub(report: ValidateReport): string {
  const parts = report.results.flatMap((r) => r.diagnostics.map(formatAnnotation));
  parts.push(...report.diagnostics.map(formatAnnotation));
  parts.push(formatSummary(report.summary));
  return parts.join('');
}
