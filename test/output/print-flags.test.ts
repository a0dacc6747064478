import { describe, expect, it } from 'vitest';
import { OUTPUT_FORMATS, OUTPUT_HELP, parseOutputFormat, resolvePrinter } from '../../src/output/print-flags.js';
import { failure } from '../support/failure.js';

const POOL = {
  apiVersion: 'projectcalico.org/v3',
  kind: 'IPPool',
  metadata: { name: 'p1', resourceVersion: '7' },
  spec: { cidr: '10.1.0.0/16', nodeSelector: 'all()' },
} as const;

describe('output formats', () => {
  it('are table, wide, yaml, json and name, each named in help and each printing', async () => {
    expect(OUTPUT_FORMATS).toEqual(['table', 'wide', 'yaml', 'json', 'name']);
    expect(OUTPUT_HELP).toBe("output format: table, wide, yaml, json, name (calicoctl's ps and yml are accepted too)");
    const printed = await Promise.all(
      ['table', 'wide', 'yaml', 'json', 'name'].map(async (f) => (await resolvePrinter(f)).print({ items: [POOL as never], revision: '7', single: true })),
    );
    expect(printed.map((p) => p.includes('p1'))).toEqual([true, true, true, true, true]);
    expect(printed[4]).toBe('ippool/p1\n');
  });
  it("accepts calicoctl's ps and yml", () => {
    expect(parseOutputFormat('ps')).toBe('table');
    expect(parseOutputFormat('yml')).toBe('yaml');
  });
  it('rejects anything else with calicoctl\'s message and the list (exit 2)', async () => {
    expect(() => parseOutputFormat('go-template')).toThrow("unrecognized output format 'go-template'");
    await expect(failure(resolvePrinter('custom-columns=NAME'))).resolves.toMatchObject({ exitCode: 2, hint: 'use one of: table, wide, yaml, json, name' });
  });
});
