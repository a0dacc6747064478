import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { formatReport } from '../../../src/output/diagnostics/index.js';
import { DIAGNOSTIC_RULES } from '../../../src/output/diagnostics/rules.js';
import { FIXTURES, MIXED, mixedRun } from './fixture.js';

/** validateSarif compiles the vendored official SARIF 2.1.0 schema (a 2020-12 schema) with ajv. */
function sarifValidator() {
  const schema = JSON.parse(readFileSync(join(FIXTURES, 'sarif', 'sarif-2.1.0.json'), 'utf8'));
  const ajv = new Ajv2020.default({ allErrors: true, strict: false });
  // The schema's formats, checked as RFC 3986 / RFC 3339 / RFC 4122 describe them.
  ajv.addFormat('uri', /^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]*$/);
  ajv.addFormat('uri-reference', /^[^\s]*$/);
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i);
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  return ajv.compile(schema);
}

describe('SARIF report', () => {
  it('validates against the official SARIF 2.1.0 schema', async () => {
    const { report, sourceLine } = await mixedRun();
    const sarif = JSON.parse(formatReport('sarif', report, { sourceLine, version: '1.2.3' }));
    const validate = sarifValidator();
    expect(validate(sarif), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('has one rule per code and results with real regions', async () => {
    const { report, sourceLine } = await mixedRun();
    const sarif = JSON.parse(formatReport('sarif', report, { sourceLine, version: '1.2.3' }));
    const run = sarif.runs[0];
    expect(run.tool.driver).toMatchObject({ name: 'poolctl', version: '1.2.3' });
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(Object.keys(DIAGNOSTIC_RULES));
    for (const r of run.tool.driver.rules) expect(r.shortDescription.text && r.help.text).toBeTruthy();
    const lb = run.results.find((r: { ruleId: string }) => r.ruleId === 'LB_RULE');
    expect(lb).toMatchObject({
      level: 'error',
      ruleIndex: Object.keys(DIAGNOSTIC_RULES).indexOf('LB_RULE'),
      locations: [{ physicalLocation: { artifactLocation: { uri: MIXED }, region: { startLine: 16, startColumn: 21, endLine: 16, endColumn: 25 } } }],
    });
    // Every diagnostic is a result: errors, warnings and the skipped kind's note.
    expect(run.results).toHaveLength(report.summary.errors + report.summary.warnings + 1);
    expect(run.results.filter((r: { level: string }) => r.level === 'note')).toHaveLength(1);
  });
});
