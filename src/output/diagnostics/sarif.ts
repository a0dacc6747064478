import { jsonSafe } from '../../base/terminal-text.js';
import type { Diagnostic, DiagnosticCode } from '../../core/index.js';
import type { ValidateReport } from '../../manifest/validate-report.js';
import { DIAGNOSTIC_RULES } from './rules.js';

/** SarifOptions name the tool run. */
export interface SarifOptions {
  readonly version: string;
  readonly informationUri?: string;
}

/** WARNING_CODES are the codes whose default level is warning (spec/ippool.md §5). */
const WARNING_CODES = new Set<DiagnosticCode>(['FILE_SKIPPED', 'NO_RESOURCES', 'KIND_NOT_HANDLED', 'YAML11_SCALAR', 'DUPLICATE_KEY', 'TOO_MANY_PROBLEMS', 'DEPRECATED_FIELD', 'DISABLED_NAT_POOL']);

/** NOTE_CODES are the codes whose default level is note (a skipped other kind). */
const NOTE_CODES = new Set<DiagnosticCode>(['KIND_SKIPPED']);

/** artifactUri turns a file name into a SARIF artifact URI: relative paths stay relative (forward slashes), absolute ones become file: URIs. */
function artifactUri(file: string): string {
  const slashed = file.replace(/\\/g, '/');
  if (slashed.startsWith('/')) return `file://${encodeURI(slashed)}`;
  return encodeURI(slashed).replace(/\?/g, '%3F').replace(/#/g, '%23');
}

/**
 * formatValidateSarif renders a validate report as SARIF 2.1.0 (one run; the driver lists one
 * rule per diagnostic code with shortDescription and help; each diagnostic is a result with its
 * file and region: 1-based lines and columns, endColumn exclusive as SARIF wants).
 */
export function formatValidateSarif(report: ValidateReport, opts: SarifOptions): string {
  const codes = Object.keys(DIAGNOSTIC_RULES) as DiagnosticCode[];
  const ruleIndex = new Map(codes.map((c, i) => [c, i]));
  const rules = codes.map((id) => ({
    id,
    name: id
      .toLowerCase()
      .split('_')
      .map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1)))
      .join(''),
    shortDescription: { text: DIAGNOSTIC_RULES[id].title },
    help: { text: DIAGNOSTIC_RULES[id].help },
    defaultConfiguration: { level: NOTE_CODES.has(id) ? 'note' : WARNING_CODES.has(id) ? 'warning' : 'error' },
  }));
  const result = (d: Diagnostic): Record<string, unknown> => ({
    ruleId: d.code,
    ruleIndex: ruleIndex.get(d.code),
    level: d.severity === 'info' ? 'note' : d.severity,
    message: { text: `${d.message}${d.hint ? ` (hint: ${d.hint})` : ''}${d.detail ? `\n${d.detail}` : ''}` },
    ...(d.file !== undefined
      ? {
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: artifactUri(d.file) },
                ...(d.line !== undefined
                  ? {
                      region: {
                        startLine: d.line,
                        startColumn: d.column ?? 1,
                        ...(d.endLine !== undefined && d.endColumn !== undefined ? { endLine: d.endLine, endColumn: d.endColumn } : {}),
                      },
                    }
                  : {}),
              },
            },
          ],
        }
      : {}),
    ...(d.path !== undefined ? { properties: { path: d.path } } : {}),
  });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'poolctl',
            version: opts.version,
            ...(opts.informationUri ? { informationUri: opts.informationUri } : {}),
            rules,
          },
        },
        results: [...report.results.flatMap((r) => r.diagnostics), ...report.diagnostics].map(result),
      },
    ],
  };
  return `${jsonSafe(JSON.stringify(sarif, null, 2))}\n`;
}
