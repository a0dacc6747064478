import { describe, expect, it } from 'vitest';
import { formatDiagnostic, formatReport, formatSummary } from '../../../src/output/diagnostics/index.js';
import { PLAIN } from '../../../src/output/paint.js';
import { MIXED, mixedRun } from './fixture.js';

describe('text diagnostics', () => {
  it('prints FILE:LINE:COL: severity CODE: message (hint), the source line and a caret under the node', async () => {
    const { report, sourceLine } = await mixedRun();
    const text = formatReport('text', report, { sourceLine, version: 't' });
    expect(text).toContain(
      [
        `${MIXED}:14:9: error CIDR_NOT_MASKED: IPPool CIDR is not strictly masked (hint: host bits are set in 192.168.10.1/24; Calico rejects it rather than clearing them)`,
        '    cidr: 192.168.10.1/24',
        '          ^~~~~~~~~~~~~~~',
      ].join('\n'),
    );
    expect(text).toContain(`${MIXED}:32:16: warning DISABLED_NAT_POOL: disabled pool has natOutgoing: true`);
    expect(text.trimEnd().split('\n').at(-1)).toBe('1 file, 5 resources: 1 valid, 3 invalid, 1 skipped; 4 errors, 2 warnings');
  });

  it('keeps tabs so the caret lines up, and prints positionless diagnostics without source', () => {
    const d = { code: 'YAML_SYNTAX', severity: 'error', message: 'm', file: 'f.yaml', line: 1, column: 3, endLine: 1, endColumn: 5 } as const;
    expect(formatDiagnostic(d, { sourceLine: () => '\tab cd' })).toBe('f.yaml:1:3: error YAML_SYNTAX: m\n  \tab cd\n  \t ^~\n');
    expect(formatDiagnostic({ code: 'NO_RESOURCES', severity: 'warning', message: 'no resources', file: 'd' })).toBe('d: warning NO_RESOURCES: no resources\n');
  });

  it('colours only through the paint it is given', () => {
    const paint = { ...PLAIN, error: (s: string) => `<E>${s}`, warning: (s: string) => `<W>${s}`, dim: (s: string) => `<D>${s}`, caret: (s: string) => `<C>${s}` };
    const out = formatDiagnostic({ code: 'LB_RULE', severity: 'error', message: 'm', hint: 'h', file: 'f', line: 1, column: 1 }, { paint, sourceLine: () => 'x' });
    expect(out).toBe('f:1:1: <E>error LB_RULE: m<D> (hint: h)\n  x\n  <C>^\n');
  });

  it('summarises with plurals', () => {
    expect(formatSummary({ files: 1, documents: 1, resources: 1, valid: 1, invalid: 0, skipped: 0, errors: 0, warnings: 1 })).toBe(
      '1 file, 1 resource: 1 valid, 0 invalid, 0 skipped; 0 errors, 1 warning\n',
    );
  });
});
