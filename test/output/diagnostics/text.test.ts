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
    expect(text.trimEnd().split('\n').at(-1)).toBe('1 file, 5 resources: 1 valid, 3 invalid, 1 skipped; 4 errors, 1 warning');
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

  it('echoes a bounded window of a long source line, the caret still under the column', () => {
    const line = `metadata: {labels: {${Array.from({ length: 50_000 }, (_, i) => `k${i}: v`).join(', ')}, bad: [x]}}`;
    const col = line.indexOf('bad') + 1;
    const d = { code: 'TYPE_MISMATCH', severity: 'error', message: 'm', file: 'f.yaml', line: 1, column: col, endLine: 1, endColumn: col + 3 } as const;
    const [head, src, caret] = formatDiagnostic(d, { sourceLine: () => line }).split('\n');
    expect(head).toBe(`f.yaml:1:${col}: error TYPE_MISMATCH: m`);
    expect(src!.length).toBeLessThanOrEqual(104);
    expect(src).toMatch(/^  …[, ]*k\d+: v, .*bad: \[x\]\}\}$/);
    expect(src!.slice(caret!.indexOf('^'), caret!.indexOf('^') + 3)).toBe('bad');
    expect(caret).toMatch(/^ +\^~~$/);
  });

  it('makes escape sequences and control characters from the input visible: file, message, hint, source line', () => {
    const d = {
      code: 'NAME_INVALID',
      severity: 'error',
      message: "bad name 'a\u001b[31mred'",
      hint: 'x\u009b2J',
      file: 'f\u001b]0;t\u0007.yaml',
      line: 2,
      column: 9,
      endLine: 2,
      endColumn: 20,
    } as const;
    const out = formatDiagnostic(d, { sourceLine: () => '  name: "a\u001b[31mred\r"' });
    expect(out).toBe(
      "f\\x1b]0;t\\x07.yaml:2:9: error NAME_INVALID: bad name 'a\\x1b[31mred' (hint: x\\x9b2J)\n" + '    name: "a\\x1b[31mred\\r"\n' + '          ^~~~~~~~~~~~~~~\n',
    );
    expect(out.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('summarises with plurals', () => {
    expect(formatSummary({ files: 1, documents: 1, resources: 1, valid: 1, invalid: 0, skipped: 0, errors: 0, warnings: 1 })).toBe(
      '1 file, 1 resource: 1 valid, 0 invalid, 0 skipped; 0 errors, 1 warning\n',
    );
  });
});
