import { describe, expect, it } from 'vitest';
import { listObject } from '../../src/output/printer.js';
import { resolvePrinter } from '../../src/output/print-flags.js';

describe('printed objects', () => {
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
