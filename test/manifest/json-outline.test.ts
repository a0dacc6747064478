import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { locateInOutline } from '../../src/manifest/block-yaml.js';
import { outlineJson } from '../../src/manifest/json-outline.js';
import { treeOf } from './helpers.js';
import { fcRuns } from '../support/fc-runs.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** write renders a JSON value with the given whitespace between tokens, repeating some keys (JSON.parse keeps the last). */
function write(v: Json, ws: () => string, dup: () => boolean): string {
  if (Array.isArray(v)) return `[${ws()}${v.map((x) => `${write(x, ws, dup)}${ws()}`).join(`,${ws()}`)}]`;
  if (v !== null && typeof v === 'object') {
    const pairs = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}${ws()}:${ws()}${write(x, ws, dup)}${ws()}`);
    const first = Object.keys(v)[0];
    if (first !== undefined && dup()) pairs.push(`${JSON.stringify(first)}${ws()}:${ws()}0${ws()}`);
    return `{${ws()}${pairs.join(`,${ws()}`)}}`;
  }
  return JSON.stringify(v);
}

/** pointers lists every node's pointer, a missing member of each mapping and item of each sequence, and a path under each scalar. */
function pointers(v: Json, base = ''): string[] {
  const out = [base, `${base}/0/deeper`];
  if (Array.isArray(v)) {
    v.forEach((x, i) => out.push(...pointers(x, `${base}/${i}`)));
    out.push(`${base}/${v.length}`, `${base}/x`);
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) out.push(...pointers(x, `${base}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
    out.push(`${base}/notThere`);
  }
  return out;
}

const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a', 'b/c', 'd~e', 'é', '"q"', '\\', '\t', '0', '', 'k'.repeat(1500), '\u0085'));
const value: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('a: b', '# c', '- d', '[e]', '{f}', 'x"y', '\\u00e9', '\u2028', '---')),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(key, tie('v'), { maxKeys: 4 }),
  ),
})).v;

describe('JSON outline', () => {
  it('locates every node, key and missing member where the `yaml` tier does (start, end, missing), and reads the same value', () => {
    fc.assert(
      fc.property(value, fc.array(fc.constantFrom('', ' ', '\n', '\t', '\r\n', '  \n  '), { minLength: 1, maxLength: 8 }), fc.array(fc.boolean(), { minLength: 1 }), (v, spaces, dups) => {
        let n = 0;
        let d = 0;
        const text = `${spaces[0]}${write(v, () => spaces[n++ % spaces.length]!, () => dups[d++ % dups.length]!)}${spaces[1] ?? ''}`;
        const parsed = JSON.parse(text) as unknown;
        const outline = outlineJson(text);
        const tree = treeOf(text);
        // YAML (and calicoctl's yaml.v2) refuses a tab before the first token at a line start, where JSON allows it.
        if (tree.error) {
          expect(tree.error).toBe('Tabs are not allowed as indentation');
          return;
        }
        // The two tiers read the same value (keys repeated: the last, in both).
        expect(tree.value, text).toStrictEqual(parsed);
        for (const p of pointers(v)) {
          for (const at of ['value', 'key'] as const) {
            expect({ p, at, ...locateInOutline(outline, p, at, true) }, text).toEqual({ p, at, ...locateInOutline(tree.outline!, p, at, true) });
          }
        }
      }),
      { numRuns: fcRuns(500) },
    );
  });

  it('outlines any depth without recursion', () => {
    const text = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const outline = outlineJson(text);
    expect(locateInOutline(outline, `/${Array(64).fill(0).join('/')}`, 'value', true)).toEqual({ start: 64, end: 200_000 - 64, missing: false });
  });
});
