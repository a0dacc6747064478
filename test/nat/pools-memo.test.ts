import fc from 'fast-check';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/base/context.js';
import { loadNatPools, newPoolMemo, type NatPools, type PoolMemo } from '../../src/nat/pools.js';
import { tempDir } from '../manifest/helpers.js';
import { fcRuns } from '../support/fc-runs.js';

// The memo of byte-identical documents (PoolMemo, ManifestVisitor.known): loading two states
// with one memo gives exactly what loading each alone gives: the pools, the FelixConfigurations,
// the warnings (texts and positions), the errors, and each pool's resource (origin, index,
// value, positions), on generated files that share documents, in either order.

const tmp = tempDir();
const ctx = { io: { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() }, cwd: tmp.dir, env: {} } as unknown as Context;

/** pool writes an IPPool document (after a marker line, or none). */
function pool(name: string, cidr: string, nat: string, extra: string): string {
  return `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${name}\nspec:\n  cidr: ${cidr}\n  natOutgoing: ${nat}\n${extra}`;
}

/** DOC generates the documents of the states: clean pools, pools with notes, unknown fields, errors, other kinds. */
const DOC = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom('a', 'b', 'c', 'pool-1'), fc.constantFrom('10.0.0.0/24', '10.0.1.0/24', 'fd00::/64', '172.16.0.0/12'), fc.constantFrom('true', 'false')).map(([n, c, t]) => pool(n, c, t, '')) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom('a', 'b', 'd'),
        fc.constantFrom('10.0.0.0/24', '10.0.0.1/24', 'bogus', '"10.2.0.0/16"'),
        fc.constantFrom('true', 'yes', 'off', '"true"'),
        fc.constantFrom('', '  disabled: true\n', '  bogusField: 1\n', '  blockSize: x\n', '  blockSize: 26 # c\n', '  natOutgoing: false\n'),
      )
      .map(([n, c, t, x]) => pool(n, c, t, x)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata:\n  name: default\nspec:\n  natOutgoingAddress: 192.0.2.1\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
      'apiVersion: projectcalico.org/v3\nkind: IPPoolList\nitems:\n- apiVersion: projectcalico.org/v3\n  kind: IPPool\n  metadata:\n    name: e\n  spec:\n    cidr: 10.9.0.0/16\n',
      'apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata:\n  name: k\nspec:\n  cidr: 10.8.0.0/16\n  natOutgoing: true\n',
      'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: f}\nspec: {cidr: 10.7.0.0/16}\n',
      'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: g\nspec:\n  cidr: |\n    10.6.0.0/16\n',
      '',
      '# only a comment\n',
    ),
  },
);

/** FILE generates a file's text: documents joined by markers (some with comments), maybe a leading marker. */
const FILE = fc
  .tuple(fc.array(fc.tuple(DOC, fc.constantFrom('---\n', '--- # next\n', '---\n\n')), { minLength: 1, maxLength: 6 }), fc.boolean())
  .map(([docs, lead]) => (lead ? '---\n' : '') + docs.map(([d, m], i) => (i === 0 ? d : m + d)).join(''));

/** Outcome is everything a load gives, as plain data. */
type Outcome = { error: string } | { pools: unknown; felix: unknown; warnings: readonly string[]; resources: unknown };

function outcomeOf(r: NatPools): Outcome {
  const resources = r.pools.map((p) => {
    const res = r.resource?.(p.name);
    if (!res) return null;
    return {
      index: res.index,
      origin: { file: res.origin.file, document: res.origin.document, line: res.origin.line, column: res.origin.column },
      value: res.value,
      kind: res.kind,
      form: res.form,
      name: res.name,
      cidr: res.locate('/spec/cidr'),
      nameKey: res.locate('/metadata/name', 'key'),
      missing: res.locate('/spec/nodeSelector'),
      diagnostics: res.diagnostics,
    };
  });
  return { pools: r.pools, felix: r.felixConfigs, warnings: r.warnings, resources };
}

async function load(file: string, memo: PoolMemo | undefined): Promise<Outcome> {
  try {
    return outcomeOf(await loadNatPools({ files: [file], recursive: false }, ctx, { allowEmpty: true, positions: true, ...(memo ? { memo } : {}) }));
  } catch (e) {
    return { error: `${(e as { code?: string }).code}: ${(e as Error).message}` };
  }
}

let n = 0;

describe('loadNatPools with a PoolMemo', () => {
  it('gives what each state alone gives, in either order (property)', async () => {
    let hits = 0;
    await fc.assert(
      fc.asyncProperty(FILE, FILE, fc.boolean(), async (x, y, shareAll) => {
        // The after state repeats documents of the before state (or all of them).
        const a = tmp.write(`a${n}.yaml`, x);
        const b = tmp.write(`b${n}.yaml`, shareAll ? x : `${x}---\n${y}`);
        n++;
        const alone = [await load(a, undefined), await load(b, undefined)];
        const memo = newPoolMemo();
        const shared = [await load(a, memo), await load(b, memo)];
        if (memo.size > 0) hits++;
        expect(shared).toEqual(alone);
        const memo2 = newPoolMemo();
        const reversed = [await load(b, memo2), await load(a, memo2)].reverse();
        expect(reversed).toEqual(alone);
      }),
      { numRuns: fcRuns(100) },
    );
    // The property reached the memo (most generated states have clean pools).
    expect(hits).toBeGreaterThan(0);
  });

  it('gives what each state alone gives when the after state reorders, drops and adds documents (property)', async () => {
    // The memo finds documents by order first, then by name: a shuffled after state takes the second way.
    const STATES = fc
      .array(DOC, { minLength: 1, maxLength: 8 })
      .chain((docs) => fc.tuple(fc.constant(docs), fc.shuffledSubarray(docs), fc.array(DOC, { maxLength: 2 })));
    await fc.assert(
      fc.asyncProperty(STATES, async ([docs, kept, added]) => {
        const a = tmp.write(`ra${n}.yaml`, docs.join('---\n'));
        const b = tmp.write(`rb${n}.yaml`, [...kept, ...added].join('---\n') || '# none\n');
        n++;
        const alone = [await load(a, undefined), await load(b, undefined)];
        const memo = newPoolMemo();
        expect([await load(a, memo), await load(b, memo)]).toEqual(alone);
      }),
      { numRuns: fcRuns(100) },
    );
  });

  it('takes a repeated document from the memo: the same pool object, its positions where it stands', async () => {
    const doc = pool('p', '10.0.0.0/24', 'true', '');
    const a = tmp.write('same-a.yaml', doc);
    const b = tmp.write('same-b.yaml', `# moved down\n\n---\n${doc}`);
    const memo = newPoolMemo();
    const ra = await loadNatPools({ files: [a], recursive: false }, ctx, { positions: true, memo });
    expect(memo.size).toBe(1);
    const rb = await loadNatPools({ files: [b], recursive: false }, ctx, { positions: true, memo });
    expect(rb.pools[0]).toBe(ra.pools[0]);
    expect(rb.resource?.('p')?.origin).toMatchObject({ file: b, document: 1, line: 4, column: 1 });
    expect(rb.resource?.('p')?.locate('/spec/cidr')).toMatchObject({ line: 9, column: 9 });
  });

  it('a document with a finding is read again each time (its warnings are positioned in its own file)', async () => {
    const doc = pool('q', '10.0.0.0/24', 'yes', '  bogusField: 1\n');
    const a = tmp.write('note-a.yaml', doc);
    const b = tmp.write('note-b.yaml', `\n${doc}`);
    const memo = newPoolMemo();
    const ra = await loadNatPools({ files: [a], recursive: false }, ctx, { memo });
    const rb = await loadNatPools({ files: [b], recursive: false }, ctx, { memo });
    expect(memo.size).toBe(0);
    expect(ra.warnings.length).toBe(2);
    expect(rb.warnings.map((w) => w.split('\n')[0])).toEqual(ra.warnings.map((w) => w.split('\n')[0]!.replace(a, b).replace(/:(\d+):/, (_, l: string) => `:${Number(l) + 1}:`)));
  });
});
