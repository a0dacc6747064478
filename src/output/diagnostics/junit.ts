import { clip, visible } from '../../base/terminal-text.js';
import type { ValidateReport, ValidateResult } from '../../manifest/validate-report.js';
import { formatDiagnostic, type TextOptions } from './text.js';

/**
 * xmlEscape escapes text and attribute values: control characters from the input are made
 * visible (base/terminal-text.ts; XML 1.0 cannot hold most of them), what XML still forbids (a lone
 * surrogate, U+FFFE, U+FFFF) becomes U+FFFD, and markup characters become entities.
 */
export function xmlEscape(s: string): string {
  return visible(s, { newlines: true, tabs: true })
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function caseName(r: ValidateResult): string {
  const what = r.kind ? `${r.kind}${r.name !== undefined ? ` ${r.name}` : ''}` : 'input';
  return r.document !== undefined ? `${what} (document ${r.document})` : what;
}

/**
 * formatValidateJUnit renders a validate report as JUnit XML (as GitLab and Jenkins read it):
 * one <testsuite> per file and one <testcase> per result; an invalid result has a <failure>
 * whose type is the first error's code and whose text lists its diagnostics as the text
 * format does; a skipped result has <skipped>; warnings go to <system-out>.
 */
export function formatValidateJUnit(report: ValidateReport, opts: Pick<TextOptions, 'sourceLine'> = {}): string {
  const byFile = new Map<string, ValidateResult[]>();
  for (const r of report.results) {
    const list = byFile.get(r.file) ?? [];
    list.push(r);
    byFile.set(r.file, list);
  }
  const s = report.summary;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="poolctl validate" tests="${s.resources}" failures="${s.invalid}" errors="0" skipped="${s.skipped}">`,
  ];
  for (const [file, results] of byFile) {
    const failures = results.filter((r) => r.status === 'invalid').length;
    const skipped = results.filter((r) => r.status === 'skipped').length;
    lines.push(`  <testsuite name="${xmlEscape(file)}" tests="${results.length}" failures="${failures}" errors="0" skipped="${skipped}">`);
    for (const r of results) {
      const line = r.diagnostics[0]?.line;
      const attrs = `classname="${xmlEscape(file)}" name="${xmlEscape(caseName(r))}" file="${xmlEscape(file)}"${line !== undefined ? ` line="${line}"` : ''}`;
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      const warnings = r.diagnostics.filter((d) => d.severity === 'warning');
      const body: string[] = [];
      if (r.status === 'invalid') {
        const first = errors[0];
        const text = errors.map((d) => formatDiagnostic(d, opts)).join('');
        body.push(`      <failure type="${xmlEscape(first?.code ?? 'INVALID')}" message="${xmlEscape(clip(first?.message ?? 'invalid'))}">${xmlEscape(text)}</failure>`);
      } else if (r.status === 'skipped') {
        body.push(`      <skipped message="${xmlEscape(clip(warnings[0]?.message ?? 'skipped'))}"/>`);
      }
      if (warnings.length > 0 && r.status !== 'skipped') {
        body.push(`      <system-out>${xmlEscape(warnings.map((d) => formatDiagnostic(d, opts)).join(''))}</system-out>`);
      }
      lines.push(body.length ? `    <testcase ${attrs}>\n${body.join('\n')}\n    </testcase>` : `    <testcase ${attrs}/>`);
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
