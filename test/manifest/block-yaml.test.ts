import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { locateInOutline, parseBlockYaml } from '../../src/manifest/block-yaml.js';
import { resolveScalar } from '../../src/manifest/scalar.js';
import { treeOf } from './helpers.js';
import { fcRuns } from '../support/fc-runs.js';

/** A random plain-JS tree rendered as block YAML in the styles manifests use. */
type Tree = string | number | boolean | null | Tree[] | { [k: string]: Tree };

const key = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_.\/-]{0,8}$/);
const scalar: fc.Arbitrary<Tree> = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9 ()=!&|.'-]{0,12}[a-z0-9)]$/),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -5000, max: 5000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('10.0.0.0/16', 'fd00::/64', 'all()', "a == 'b'", 'True', 'yes', 'No', 'on', 'Y', '0o17', '0x1F', '0777', '0b101', '+0x1F', '1_000', '1e3', '.inf', '~', '', '-1', 'a: b', 'x #y', "it's"),
);
const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('node'), { minLength: 1, maxLength: 4 }),
    fc.dictionary(key, tie('node'), { minKeys: 1, maxKeys: 5 }),
  ),
})).node;

interface Style {
  quoteKeys: boolean;
  quoteStrings: boolean;
  single: boolean;
  flowScalarLists: boolean;
  flowMaps: boolean;
  compactSeqAtParent: boolean;
  comments: boolean;
  indent: number;
}

/** scalarText writes a scalar plainly when that reads back as the same value, else quoted (double or single). */
function scalarText(v: Tree, st: Style, plainValue: (s: string) => unknown, flow = false): string {
  if (typeof v === 'string') {
    const plainOk = !(flow && /[,[\]{}]/.test(v)) && /^[^\s'"#&*!|>%@`{}[\],?-]/.test(v) && !/[\s]$|: |:$| #|[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]/.test(v) && plainValue(v) === v;
    if (st.quoteStrings || !plainOk) return st.single && !/[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\\]/.test(v) ? `'${v.replace(/'/g, "''")}'` : JSON.stringify(v);
    return v;
  }
  return v === null ? 'null' : String(v);
}

function isScalar(v: Tree): boolean {
  return v === null || typeof v !== 'object';
}

/** plainValue is what a plain scalar reads as (calicoctl's yaml.v2 rules, which every tier follows). */
const plainValue = (s: string): unknown => resolveScalar(s);

function render(v: Tree, st: Style, ind: number, out: string[]): void {
  const pad = ' '.repeat(ind);
  // A key YAML 1.1 reads as something else (`N`, `on`) is quoted, as a value would be.
  const k = (s: string): string => (st.quoteKeys || plainValue(s) !== s ? JSON.stringify(s) : s);
  const scalarText2 = (x: Tree, flow = false): string => scalarText(x, st, plainValue, flow);
  const c = st.comments ? '  # note' : '';
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isScalar(item)) out.push(`${pad}- ${scalarText2(item)}${c}`);
      else if (Array.isArray(item)) {
        out.push(`${pad}-`);
        render(item, st, ind + st.indent, out);
      } else {
        const sub: string[] = [];
        render(item, st, ind + 2, sub);
        sub[0] = `${pad}- ${sub[0]!.slice(ind + 2)}`;
        out.push(...sub);
      }
    }
    return;
  }
  // flowText writes a collection on one line, as flow style.
  const flowText = (x: Tree): string =>
    isScalar(x)
      ? scalarText2(x, true)
      : Array.isArray(x)
        ? `[${x.map(flowText).join(', ')}]`
        : `{${Object.entries(x as Record<string, Tree>).map(([fk, fx]) => `${k(fk)}: ${flowText(fx)}`).join(', ')}}`;
  for (const [key2, x] of Object.entries(v as Record<string, Tree>)) {
    if (isScalar(x)) out.push(`${pad}${k(key2)}: ${scalarText2(x)}${c}`);
    else if (st.flowMaps && !Array.isArray(x)) out.push(`${pad}${k(key2)}: ${flowText(x)}${c}`);
    else if (Array.isArray(x) && st.flowScalarLists && x.every((e) => typeof e === 'string' || typeof e === 'number')) {
      out.push(`${pad}${k(key2)}: [${x.map((e) => scalarText2(e, true)).join(', ')}]${c}`);
    } else {
      out.push(`${pad}${k(key2)}:${st.comments ? ' # block' : ''}`);
      if (st.comments) out.push('', `${pad}  # a comment line`);
      render(x, st, Array.isArray(x) && st.compactSeqAtParent ? ind : ind + st.indent, out);
    }
  }
}

/** pointers lists every node's pointer in a tree, plus a missing member under each mapping. */
function pointers(v: Tree, base = ''): string[] {
  const out = [base];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pointers(x, `${base}/${i}`)));
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) out.push(...pointers(x, `${base}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
    out.push(`${base}/notThere`);
  }
  return out;
}

const style: fc.Arbitrary<Style> = fc.record({
  quoteKeys: fc.boolean(),
  quoteStrings: fc.boolean(),
  single: fc.boolean(),
  flowScalarLists: fc.boolean(),
  flowMaps: fc.boolean(),
  compactSeqAtParent: fc.boolean(),
  comments: fc.boolean(),
  indent: fc.constantFrom(2, 4),
});

describe('block YAML', () => {
  it('agrees with the `yaml` tier on the value, the notes and every position of generated block documents', () => {
    fc.assert(
      fc.property(fc.dictionary(key, tree, { minKeys: 1, maxKeys: 5 }), style, fc.boolean(), (doc, st, marker) => {
        const lines: string[] = [];
        render(doc, st, 0, lines);
        const prefix = marker ? 'kind: Before\n---\n' : '';
        const text = `${prefix}${lines.join('\n')}\n`;
        const from = prefix.length;
        const parsed = parseBlockYaml(text, from, text.length, true);
        expect(parsed, text).not.toBeNull();
        const outline = parsed!.outline!;
        const tree = treeOf(text, from);
        expect(tree.error).toBeUndefined();
        expect(parsed!.value).toStrictEqual(tree.value);
        // The same values noted as read otherwise by YAML 1.2, at the same places.
        const noted = (n: readonly number[]): number[] => n.filter((_, i) => i % 2 === 0);
        expect(noted(parsed!.notes)).toEqual(tree.notes.map((n) => n.start));
        for (const p of pointers(doc)) {
          for (const at of ['value', 'key'] as const) {
            const fast = locateInOutline(outline, p, at);
            const exact = locateInOutline(tree.outline!, p, at);
            expect({ p, at, start: fast.start, missing: fast.missing }, text).toEqual({ p, at, start: exact.start, missing: exact.missing });
            if (!exact.missing && (p === '' ? false : isScalar(getAt(doc, p)))) expect(fast.end, `${p} end\n${text}`).toBe(exact.end);
          }
        }
      }),
      { numRuns: fcRuns(300) },
    );
  });

  it.each([
    ['a multi-line flow mapping', 'a: {b: 1,\n  c: 2}\n'],
    ['a flow mapping with a repeated key', 'a: {b: 1, b: 2}\n'],
    ['a flow mapping with a trailing comma', 'a: {b: 1,}\n'],
    ['a flow mapping key without a value', 'a: {b}\n'],
    ['an anchor', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a multi-line plain scalar', 'a: one\n  two\n'],
    ['a multi-line quoted scalar', 'a: "one\n  two"\n'],
    ['a tab in indentation', 'a:\n\tb: 1\n'],
    ['content after ---', '--- {a: 1}\n'],
    ['a complex key', '? a\n: b\n'],
    ['a block scalar', 'a: |\n  text\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a null key', 'null: 1\n'],
    ['a value with ": "', 'a: b: c\n'],
    ['a sequence under a scalar', 'a: 1\n  - b\n'],
  ])('declines %s', (_what, text) => {
    expect(parseBlockYaml(text, 0, text.length)).toBeNull();
  });
});

function getAt(v: Tree, p: string): Tree {
  let x: Tree = v;
  for (const s of p.slice(1).split('/')) x = (x as Record<string, Tree>)[s.replace(/~1/g, '/').replace(/~0/g, '~')]!;
  return x;
}
