import { describe, expect, it } from 'vitest';
import type { StoredPool } from '../../src/datastore/datastore.js';
import { jsonPrinter } from '../../src/output/json.js';
import { namePrinter } from '../../src/output/name.js';
import { tablePrinter } from '../../src/output/table.js';

/** stored is a pool as a datastore could hold it when written by something that does not validate (etcdctl, another tool). */
function stored(name: string, nodeSelector: string): StoredPool {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'IPPool',
    metadata: { name, resourceVersion: '1' },
    spec: { cidr: '10.0.0.0/24', nodeSelector, ipipMode: 'Never\nAlways' },
  } as StoredPool;
}

const POOLS = [stored('evil\nname', "all()\n|| has(x)\t\u001b[2J\u001b]0;owned\u0007"), stored('plain', 'all()')];
const result = { items: POOLS, revision: '7', single: false };

describe('stored data with control characters', () => {
  it.each(['table', 'wide'] as const)('-o %s keeps one row per pool and writes no raw control character', async (format) => {
    const out = await tablePrinter(format).print(result);
    const lines = out.split('\n');
    expect(lines).toHaveLength(POOLS.length + 3); // headings, a row per pool, the empty line, and after the last newline
    expect(lines[1]).toMatch(/^evil\\nname +10\.0\.0\.0\/24 /);
    expect(lines[1]).toContain('all()\\n|| has(x)\\t\\x1b[2J\\x1b]0;owned\\x07');
    expect(lines[2]).toMatch(/^plain /);
    expect(out.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    // The columns still line up: the CIDR column starts at the same place in every row.
    expect(new Set(lines.slice(0, 3).map((l) => l.search(/CIDR|10\.0\.0\.0/))).size).toBe(1);
  });

  it('-o name prints one line a pool', async () => {
    expect(await namePrinter().print(result)).toBe('ippool/evil\\nname\nippool/plain\n');
  });

  it('-o json keeps the values exactly, with no raw control character', async () => {
    const out = await jsonPrinter().print({ ...result, items: [stored('a\u009b\u202e', 'x\u007f')] });
    expect(out).not.toMatch(/[\u007f-\u009f\u202e]/);
    expect(JSON.parse(out).items[0]).toMatchObject({ metadata: { name: 'a\u009b\u202e' }, spec: { nodeSelector: 'x\u007f' } });
  });
});
