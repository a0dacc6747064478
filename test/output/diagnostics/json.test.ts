import { describe, expect, it } from 'vitest';
import { formatReport } from '../../../src/output/diagnostics/index.js';
import { MIXED, mixedRun } from './fixture.js';

describe('json report (spec/cli.md)', () => {
  it('has the fixed shape: valid, summary, results with file/document/kind/name/status/diagnostics', async () => {
    const { report, sourceLine } = await mixedRun();
    const out = JSON.parse(formatReport('json', report, { sourceLine, version: 't' }));
    expect(out.valid).toBe(false);
    expect(out.summary).toEqual({ files: 1, documents: 5, resources: 5, valid: 1, invalid: 3, skipped: 1, errors: 4, warnings: 2 });
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
