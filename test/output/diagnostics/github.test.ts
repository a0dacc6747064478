import { describe, expect, it } from 'vitest';
import { formatAnnotation, formatReport } from '../../../src/output/diagnostics/index.js';
import { MIXED, mixedRun } from './fixture.js';

describe('GitHub annotations', () => {
  it('emits ::error / ::warning / ::notice workflow commands with file, line, col and the code as title', async () => {
    const { report, sourceLine } = await mixedRun();
    const lines = formatReport('github', report, { sourceLine, version: 't' }).trimEnd().split('\n');
    expect(lines[1]).toBe(
      `::error file=${MIXED},line=16,col=21,endLine=16,endColumn=25,title=LB_RULE::IP Pool with AllowedUse LoadBalancer must have DisableBGPExport set to true (hint: fires when disableBGPExport is true; LoadBalancer pools must keep BGP export enabled)`,
    );
    expect(lines.filter((l) => l.startsWith('::error '))).toHaveLength(4);
    expect(lines.filter((l) => l.startsWith('::warning '))).toHaveLength(1);
    // The skipped ConfigMap is a notice.
    expect(lines.filter((l) => l.startsWith('::notice '))).toEqual([expect.stringContaining('title=KIND_SKIPPED::skipped ConfigMap (v1)')]);
    expect(lines.at(-1)).toMatch(/^1 file, 5 resources/);
  });

  it('escapes as @actions/core does: % CR LF in messages, also : and , in properties', () => {
    expect(formatAnnotation({ code: 'YAML_SYNTAX', severity: 'error', message: '100% bad\r\nline', file: 'a,b:c.yaml', line: 2, column: 3 })).toBe(
      '::error file=a%2Cb%3Ac.yaml,line=2,col=3,title=YAML_SYNTAX::100%25 bad%0D%0Aline\n',
    );
  });
});
