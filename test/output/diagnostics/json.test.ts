import { describe, expect, it } from 'vitest';
import { jsonSafe } from '../../../src/base/terminal-text.js';
import { diagnosticJson, formatReport, reportWriter } from '../../../src/output/diagnostics/index.js';
import type { ValidateReport, ValidateResult } from '../../../src/manifest/validate-report.js';
import { MIXED, mixedRun } from './fixture.js';

describe('json report (spec/cli.md)', () => {
  it('has the fixed shape: valid, summary, results with file/document/kind/name/status/diagnostics', async () => {
    const { report, sourceLine } = await mixedRun();
    const out = JSON.parse(formatReport('json', report, { sourceLine, version: 't' }));
    expect(out.valid).toBe(false);
    expect(out.summary).toEqual({ files: 1, documents: 5, resources: 5, valid: 1, invalid: 3, skipped: 1, errors: 4, warnings: 1 });
    expect(out.results.map((r: { status: string; name?: string; document: number }) => `${r.document} ${r.name ?? '-'} ${r.status}`)).toEqual([
      '1 good valid',
      '2 lb invalid',
      '3 not-a-pool skipped',
      '4 overlapping invalid',
      '5 - invalid',
    ]);
    expect(out.results[1]).toEqual({
      file: MIXED,
      document: 2,
      kind: 'IPPool',
      name: 'lb',
      status: 'invalid',
      diagnostics: [
        {
          severity: 'error',
          code: 'CIDR_NOT_MASKED',
          message: 'IPPool CIDR is not strictly masked',
          path: '/spec/cidr',
          line: 14,
          column: 9,
          endLine: 14,
          endColumn: 24,
          hint: 'host bits are set in 192.168.10.1/24; Calico rejects it rather than clearing them',
          field: 'IPPool.Spec.CIDR',
          value: '192.168.10.0/24',
        },
        {
          severity: 'error',
          code: 'LB_RULE',
          message: 'IP Pool with AllowedUse LoadBalancer must have DisableBGPExport set to true',
          path: '/spec/disableBGPExport',
          line: 16,
          column: 21,
          endLine: 16,
          endColumn: 25,
          hint: 'fires when disableBGPExport is true; LoadBalancer pools must keep BGP export enabled',
          field: 'IPpool.DisableBGPExport',
          value: '192.168.10.0/24',
        },
      ],
    });
    expect(out.results[3].diagnostics.map((d: { code: string }) => d.code)).toEqual(['DISABLED_NAT_POOL', 'POOL_OVERLAP']);
    expect(out.diagnostics).toEqual([]);
  });
});

describe('json report text', () => {
  it('is exactly JSON.stringify with a two-space indent', async () => {
    const { report, sourceLine } = await mixedRun();
    const text = formatReport('json', report, { sourceLine, version: 't' });
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    const withFileLevel = { ...report, diagnostics: [{ code: 'NO_RESOURCES', severity: 'warning', message: 'no "resources"', file: 'd\\e' } as const] };
    const t2 = formatReport('json', withFileLevel, { version: 't' });
    expect(t2).toBe(`${JSON.stringify(JSON.parse(t2), null, 2)}\n`);
    expect(JSON.parse(t2).diagnostics).toEqual([{ file: 'd\\e', severity: 'warning', code: 'NO_RESOURCES', message: 'no "resources"' }]);
  });
});

describe('json report writer', () => {
  /** shape is spec/cli.md's JSON shape of a report. */
  const shape = (report: ValidateReport) => ({
    valid: report.valid,
    summary: report.summary,
    results: report.results.map((r) => ({ ...r, diagnostics: r.diagnostics.map((d) => diagnosticJson(d)) })),
    diagnostics: report.diagnostics.map((d) => diagnosticJson(d, true)),
  });
  /** expectedText is the report as JSON.stringify writes it, made terminal-safe (jsonSafe: DEL, C1 and format characters as \u escapes). */
  const expectedText = (report: ValidateReport): string => `${jsonSafe(JSON.stringify(shape(report), null, 2))}\n`;

  it('writes any result text exactly as JSON.stringify would, streamed or at once', () => {
    const odd = ['pool-a', 'quote"d', 'back\\slash', 'tab\t', 'ünïcødé', '💥', 'del\u007f', '\u2028', 'esc\u001b[2J\u009b\u202e', 'x'.repeat(300_000)];
    const results: ValidateResult[] = [];
    odd.forEach((s, i) => {
      results.push({ file: `dir/${s}.yaml`, document: i + 1, kind: 'IPPool', name: s, status: 'valid', diagnostics: [] });
      results.push({
        file: `dir/${s}.yaml`,
        document: 1_000_000_000 + i,
        kind: s,
        ...(i % 2 ? { name: s } : {}),
        status: i % 3 ? 'invalid' : 'skipped',
        diagnostics: [{ code: 'KIND_UNKNOWN', severity: 'warning', message: s, path: `/${s}`, line: i, column: 2, endLine: 3, endColumn: 4, hint: s, field: s, value: s }],
      });
      results.push({ file: s, status: 'invalid', diagnostics: [{ code: 'YAML_SYNTAX', severity: 'error', message: s }] });
    });
    const summary = { files: 1, documents: 2, resources: results.length, valid: 3, invalid: 4, skipped: 5, errors: 6, warnings: 7 };
    const report: ValidateReport = { valid: false, summary, results, diagnostics: [{ code: 'NO_RESOURCES', severity: 'warning', message: 'none', file: 'é' }] };
    const text = expectedText(report);
    expect(formatReport('json', report, { version: 't' })).toBe(text);
    // The same value as plain JSON.stringify's, with no raw control or format character.
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(shape(report))));
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u202e]/);
    const w = reportWriter('json', { version: 't' });
    for (const r of results) w.result(r);
    const pieces = w.finish({ ...report, sourceLine: () => undefined });
    expect(Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))).toString('utf8')).toBe(text);
  });

  it('writes an empty report', () => {
    const report: ValidateReport = {
      valid: true,
      summary: { files: 0, documents: 0, resources: 0, valid: 0, invalid: 0, skipped: 0, errors: 0, warnings: 0 },
      results: [],
      diagnostics: [],
    };
    expect(formatReport('json', report, { version: 't' })).toBe(expectedText(report));
  });
});
