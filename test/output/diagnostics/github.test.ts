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
    expect(formatAnnotation({ code: 'YAML_SYNTAX', severity: 'error', message: '100% bad\nline', file: 'a,b:c.yaml', line: 2, column: 3 })).toBe(
      '::error file=a%2Cb%3Ac.yaml,line=2,col=3,title=YAML_SYNTAX::100%25 bad%0Aline\n',
    );
  });

  it('makes control characters from the input visible first (the Actions log acts on ANSI escapes)', () => {
    const a = formatAnnotation({ code: 'NAME_INVALID', severity: 'error', message: "name 'a\u001b[31mred\rx\u009b2J'", file: 'e\u001b]0;t\u0007.yaml', line: 1, column: 1 });
    expect(a).toBe("::error file=e\\x1b]0;t\\x07.yaml,line=1,col=1,title=NAME_INVALID::name 'a\\x1b[31mred\\rx\\x9b2J'\n");
    expect(a.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});
