import { describe, expect, it } from 'vitest';
import { OUTPUT_FORMATS, OUTPUT_HELP, listObject, parseOutputFormat, resolvePrinter } from '../../src/output/printer.js';

describe('output formats', () => {
  it('lists table, wide, yaml, json and name, in help too', () => {
    expect(OUTPUT_FORMATS).toEqual(['table', 'wide', 'yaml', 'json', 'name']);
    for (const f of OUTPUT_FORMATS) expect(OUTPUT_HELP).toContain(f);
  });
  it("accepts calicoctl's ps and yml", () => {
    expect(parseOutputFormat('ps')).toBe('table');
    expect(parseOutputFormat('yml')).toBe('yaml');
  });
  it('rejects anything else with calicoctl\'s message and the list (exit 2)', async () => {
    expect(() => parseOutputFormat('go-template')).toThrow("unrecognized output format 'go-template'");
    await expect(resolvePrinter('custom-columns=NAME')).rejects.toMatchObject({ exitCode: 2, hint: 'use one of: table, wide, yaml, json, name' });
  });
  it('an IPPoolList is kind, apiVersion, metadata.resourceVersion, items', () => {
    expect(listObject({ items: [], revision: '12', single: false })).toEqual({
      kind: 'IPPoolList',
      apiVersion: 'projectcalico.org/v3',
      metadata: { resourceVersion: '12' },
      items: [],
    });
  });
  it('json of an empty list keeps items: []', async () => {
    const p = await resolvePrinter('json');
    expect(JSON.parse(await p.print({ items: [], revision: '3', single: false })).items).toEqual([]);
  });
});
