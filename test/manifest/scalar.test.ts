import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBlockYaml } from '../../src/manifest/block-yaml.js';
import { resolveCoreScalar, resolveExplicit, resolveScalar } from '../../src/manifest/scalar.js';
import { fcRuns } from '../support/fc-runs.js';
import { treeOf } from './helpers.js';

/**
 * gopkg.in/yaml.v2's resolution, pinned by its own test cases: decode_test.go (v2.4.0)
 * unmarshalTests into map[string]interface{} and unmarshalErrorTests, and resolve.go's rules
 * for what the tests do not spell out. Each row: the document, the value of its one key.
 */
const YAML_V2_CASES: readonly (readonly [string, unknown])[] = [
  // decode_test.go, unmarshalTests
  ['v: hi', 'hi'],
  ['v: true', true],
  ['v: 10', 10],
  ['v: 0b10', 2],
  ['v: 0xA', 10],
  ['v: 4294967296', 4294967296],
  ['v: 0.1', 0.1],
  ['v: .1', 0.1],
  ['v: .Inf', Number.POSITIVE_INFINITY],
  ['v: -.Inf', Number.NEGATIVE_INFINITY],
  ['v: -10', -10],
  ['v: -.1', -0.1],
  ['canonical: 6.8523e+5', 685230],
  ['expo: 685.230_15e+03', 685230.15],
  ['fixed: 685_230.15', 685230.15],
  ['neginf: -.inf', Number.NEGATIVE_INFINITY],
  ['canonical: y', true],
  ['answer: NO', false],
  ['logical: True', true],
  ['option: on', true],
  ['canonical: 685230', 685230],
  ['decimal: +685_230', 685230],
  ['octal: 02472256', 685230],
  ['hexa: 0x_0A_74_AE', 685230],
  ['bin: 0b1010_0111_0100_1010_1110', 685230],
  ['bin: -0b101010', -42],
  ['bin: -0b1000000000000000000000000000000000000000000000000000000000000000', -9223372036854775808],
  ['empty:', null],
  ['canonical: ~', null],
  ['english: null', null],
  ['a: -b_c', '-b_c'],
  ['a: +b_c', '+b_c'],
  ['a: 50cent_of_dollar', '50cent_of_dollar'],
  ['a: 2015-01-01', '2015-01-01'],
  ['v: !!float \'1.1\'', 1.1],
  ['v: !!float 0', 0],
  ['v: !!float -1', -1],
  ["v: !!null ''", null],
  ['v: ! test', 'test'],
  ['a: !!str 2015-01-01', '2015-01-01'],
  ['a: !!timestamp "2015-01-01"', '2015-01-01'],
  ['a: "2015-01-01"', '2015-01-01'],
  ['a: !!binary gIGC', '\ufffd\ufffd\ufffd'],
  ['%TAG !y! tag:yaml.org,2002:\n---\nv: !y!int \'1\'', 1],
  // decode_test.go, unmarshalerTests
  ['_: 10', 10],
  ['_: null', null],
  ['_: BAR!', 'BAR!'],
  ['_: "BAR!"', 'BAR!'],
  ["_: !!foo 'BAR!'", 'BAR!'],
  ['_: ""', ''],
  // resolve.go: the word table (every spelling), Go's ParseInt(s, 0, 64) after dropping `_`, uint64, floats
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE'].map((w) => [`v: ${w}`, true] as const),
  ...['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE'].map((w) => [`v: ${w}`, false] as const),
  ...['yEs', 'oN', 'nO', 'tRUE', 'Nope', 'offline', 'yes!'].map((w) => [`v: ${w}`, w] as const),
  ['v: 0777', 511],
  ['v: 0o17', 15],
  ['v: 0O17', 15],
  ['v: 0X1F', 31],
  ['v: +0x1F', 31],
  ['v: -0o17', -15],
  ['v: 0B11', 3],
  ['v: 08', 8],
  ['v: 1__0', 10],
  ['v: 1_', 1],
  ['v: _1', '_1'],
  ['v: 0x', '0x'],
  ['v: 18446744073709551615', 18446744073709551615],
  ['v: -9223372036854775809', -9223372036854775809],
  ['v: 1e3', 1000],
  ['v: 1E3', 1000],
  ['v: +.5', 0.5],
  ['v: 1.', 1],
  ['v: 1e400', '1e400'],
  ['v: .5_5', 0.55],
  ['v: .5__5', '.5__5'],
  ['v: +.inf', Number.POSITIVE_INFINITY],
  ['v: 0x1p3', '0x1p3'],
  ['v: 2001-12-14t21:59:43.10-05:00', '2001-12-14t21:59:43.10-05:00'],
  ['v: 1:20', '1:20'],
  ['v: +', '+'],
];

describe("scalars: gopkg.in/yaml.v2's resolution (decode_test.go and resolve.go cases)", () => {
  it.each(YAML_V2_CASES.map(([text, want]) => [text, want] as const))('%s', (text, want) => {
    const tree = treeOf(text);
    expect(tree.error).toBeUndefined();
    const got = Object.values(tree.value as Record<string, unknown>)[0];
    if (typeof want === 'number' && Number.isNaN(want)) expect(got).toBeNaN();
    else expect(got).toStrictEqual(want);
    // The block tier reads the same (where it reads the document at all).
    const block = parseBlockYaml(text, 0, text.length);
    if (block) expect(block.value).toStrictEqual(tree.value);
  });

  it('.nan is NaN', () => {
    expect(resolveScalar('.nan')).toBeNaN();
    expect(resolveScalar('.NaN')).toBeNaN();
  });

  it("fails an explicit tag the text does not fit, with yaml.v2's text (unmarshalErrorTests)", () => {
    expect(resolveExplicit('tag:yaml.org,2002:float', 'error')).toEqual({ error: 'cannot decode !!str `error` as a !!float' });
    expect(resolveExplicit('tag:yaml.org,2002:int', '1.5')).toEqual({ error: 'cannot decode !!float `1.5` as a !!int' });
    expect(resolveExplicit('tag:yaml.org,2002:binary', '==')).toEqual({ error: '!!binary value contains invalid base64 data' });
    expect(treeOf('a: !!binary ==\n').error).toBe('!!binary value contains invalid base64 data');
    expect(treeOf('v: !!float error\n').error).toBe('cannot decode !!str `error` as a !!float');
  });

  it('reads merge keys as yaml.v2 does: in document order, the first of a merged sequence winning', () => {
    expect(treeOf('a: &a {x: 1, p: 1}\nb: &b {x: 2, q: 2}\nc:\n  x: 0\n  <<: [*a, *b]\n').value).toEqual({
      a: { x: 1, p: 1 },
      b: { x: 2, q: 2 },
      c: { x: 1, p: 1, q: 2 },
    });
    // (A key is resolved like any scalar: `y` is the boolean true, written "true".)
    expect(treeOf('{x: 1, y: 2}\n').value).toEqual({ x: 1, true: 2 });
    expect(treeOf('a: &a {x: 1}\nc:\n  <<: *a\n  x: 3\n').value).toEqual({ a: { x: 1 }, c: { x: 3 } });
    expect(treeOf('c:\n  <<: 1\n').error).toBe('map merge requires map or sequence of maps as the value');
  });

  it('writes non-string keys as go-yaml-wrapper does, and refuses null and collection keys', () => {
    expect(treeOf('1: a\n0x10: b\nyes: c\n1.5: d\n.inf: e\n1e6: f\n').value).toEqual({ 1: 'a', 16: 'b', true: 'c', '1.5': 'd', '.inf': 'e', '1000000': 'f' });
    expect(treeOf('~: a\n').error).toMatch(/^unsupported map key: null/);
    expect(treeOf('? [a]\n: b\n').error).toBe('invalid map key: a key must be a scalar');
  });

  it('keeps the last value of a repeated key, noting the first repetition and counting the others', () => {
    const t = treeOf('a: 1\nb: 2\na: 3\nb: 4\na: 5\n');
    expect(t.value).toEqual({ a: 5, b: 4 });
    expect(t.notes.map((n) => [n.code, n.pointer, n.start, n.message])).toEqual([
      ['DUPLICATE_KEY', '/a', 10, 'mapping key "a" is repeated; calicoctl (YAML 1.1) keeps the last value, kubectl and YAML 1.2 tools reject the document (2 more repeated keys in this document)'],
    ]);
  });

  it('bounds aliases and refuses an alias to a node being read', () => {
    expect(treeOf('a: &a [*a]\n').error).toBe("anchor 'a' value contains itself");
    const lol = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 4; i++) lol.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    expect(treeOf(`${lol.join('\n')}\n`).error).toBe('document expands more than 100 aliases (a "billion laughs" document?)');
  });
});

describe('scalars: what YAML 1.2 reads otherwise (YAML11_SCALAR)', () => {
  it.each([
    ['yes', true, 'yes'],
    ['off', false, 'off'],
    ['Y', true, 'Y'],
    ['0777', 511, 777],
    ['0b11', 3, '0b11'],
    ['+0x1F', 31, '+0x1F'],
    ['1_000', 1000, '1_000'],
    ['1e400', '1e400', Number.POSITIVE_INFINITY],
  ])('%s: yaml.v2 %j, YAML 1.2 %j', (text, v2, core) => {
    expect(resolveScalar(text)).toStrictEqual(v2);
    expect(resolveCoreScalar(text)).toStrictEqual(core);
    expect(treeOf(`k: ${text}\n`).notes.map((n) => n.code)).toEqual(['YAML11_SCALAR']);
  });

  it('notes nothing where they agree', () => {
    for (const text of ['true', 'null', '~', '26', '0o17', '0x1F', '1.5', '.inf', '-.inf', 'all()', '10.0.0.0/16', 'Never', '08', '']) {
      expect(treeOf(`k: ${text}\n`).notes, text).toEqual([]);
    }
  });

  it('agrees with the block tier on generated plain scalars (value and note)', () => {
    const plain = fc.oneof(
      fc.stringMatching(/^[-+.0-9_a-fA-FxXoObB]{1,8}$/),
      fc.constantFrom('y', 'n', 'yes', 'No', 'ON', 'off', '~', 'null', 'True', '.inf', '.NaN', '+.INF'),
    );
    fc.assert(
      fc.property(plain, (s) => {
        const text = `k: ${s}\n`;
        const tree = treeOf(text);
        const block = parseBlockYaml(text, 0, text.length);
        if (!block || tree.error) return;
        expect(block.value).toStrictEqual(tree.value);
        expect(block.notes.length / 2).toBe(tree.notes.length);
      }),
      { numRuns: fcRuns(2000) },
    );
  });
});
