import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkIPPoolSchema, parsePrefix } from '../../src/core/index.js';
import { loadManifests } from '../../src/manifest/load.js';
import { plainPrefix, readPoolShape } from '../../src/manifest/pool-shape.js';
import { tempDir } from './helpers.js';
import { fcRuns } from '../support/fc-runs.js';

// The pool shape's fast path (readPoolShape) against the usual way (the loader's tiers, then
// calicoctl's decoding): what it accepts, the usual way reads as one projectcalico.org/v3
// IPPool with no finding and the same name and spec, on generated documents in and near the shape.

const tmp = tempDir();
const HEAD = 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ';

const KEYS = ['cidr', 'ipipMode', 'vxlanMode', 'nodeSelector', 'namespaceSelector', 'assignmentMode', 'natOutgoing', 'disabled', 'disableBGPExport', 'blockSize'];
/** VALUES are values for any key: good ones, and ones yaml.v2 or YAML 1.2 read otherwise, or that are not plain words. */
const VALUES = [
  'true', 'false', 'yes', 'on', 'True', 'FALSE', 'y', 'n', '~', 'null', '26', '122', '026', '0', '1000', '0x1f', '0o17', '1e3', '-1', '.inf', '1_000',
  '10.0.0.0/24', '10.0.0.1/24', 'fd00::/64', 'fd00::', '::/0', '10.0.0.0', 'all()', "has(x) && a == 'b'", 'Never', 'CrossSubnet', 'Always',
  'Automatic', '1/2', '2001/12/14', 'true/x', '1e3/2', 'x:', 'a:b', 'a: b', '"q"', "'q'", '!tag x', '&a x', '*a', '[a]', '{a: b}', '', '|', '>', 'a #c', 'a#c', 'a ', 'Ü', '2001-12-14', '1:20',
];
/** GOOD is a value of the shape for each key. */
const GOOD: Record<string, string> = {
  cidr: '10.0.0.0/24',
  ipipMode: 'Never',
  vxlanMode: 'CrossSubnet',
  nodeSelector: 'all()',
  namespaceSelector: 'x',
  assignmentMode: 'Automatic',
  natOutgoing: 'true',
  disabled: 'false',
  disableBGPExport: 'true',
  blockSize: '26',
};
const NAMES = ['pool-1', 'a.b', 'p_q', 'y', 'yes', 'No', '1e3', '0x1f', '0o17', '10', 'a:', 'a:b', '~', 'null', '-x', 'abc def', 'a#b', 'Ünï', '', 'x ', 'default-ipv4-ippool'];

/** LINE generates a spec line: a known or other key, any value, maybe a stray end. */
const LINE = fc
  .tuple(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...KEYS) }, fc.constantFrom('bogus', 'natoutgoing', 'nat-outgoing', 'cidr ', ' cidr')), fc.constantFrom(...VALUES), fc.constantFrom('', '', '', '', ' ', '\r', ' # c'))
  .map(([k, v, end]) => `  ${k}: ${v}${end}`);

/** DOC generates documents in and near the pool shape. */
const DOC = fc
  .tuple(
    fc.oneof({ weight: 6, arbitrary: fc.constant(HEAD) }, fc.constantFrom(HEAD.replace('IPPool', 'IPPools'), HEAD.replace('v3', 'v1'), `${HEAD.slice(0, -8)}   name: `, `# c\n${HEAD}`, `---\n${HEAD}`)),
    fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...NAMES) }, { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9.:()_-]{1,8}$/) }, { weight: 3, arbitrary: fc.constant('pool-1') }),
    fc.constantFrom('\nspec:\n', '\nspec:\n', '\nspec:\n', '\nspec: \n', '\n  labels: {a: b}\nspec:\n', '\nspec:\n\n'),
    fc.oneof(
      { weight: 3, arbitrary: fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 5 }).map((ks) => ks.map((k) => `  ${k}: ${GOOD[k]}`)) },
      fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...KEYS).map((k) => `  ${k}: ${GOOD[k]}`) }, LINE), { maxLength: 5 }),
    ),
    fc.constantFrom('\n', '\n', '', '\n\n', '\n# end\n'),
  )
  .map(([head, name, spec, lines, tail]) => `${head}${name}${spec}${lines.join('\n')}${lines.length > 0 ? tail : ''}`);

let n = 0;

/** usual reads a document the usual way: its resources and diagnostics, and the schema check of the first. */
async function usual(text: string) {
  const file = tmp.write(`shape${n++}.yaml`, text);
  const r = await loadManifests([file], { cwd: tmp.dir });
  return r;
}

describe('readPoolShape', () => {
  it('accepts only what the usual way reads as one clean IPPool, with the same name and spec (property)', async () => {
    let accepted = 0;
    let total = 0;
    await fc.assert(
      fc.asyncProperty(DOC, async (text) => {
        total++;
        const shape = readPoolShape(text);
        if (shape === null) return;
        accepted++;
        const r = await usual(text);
        expect(r.diagnostics).toEqual([]);
        expect(r.others).toEqual([]);
        expect(r.resources).toHaveLength(1);
        const res = r.resources[0]!;
        expect(res.diagnostics).toBeUndefined();
        expect([res.apiVersion, res.kind, res.form]).toEqual(['projectcalico.org/v3', 'IPPool', 'v3']);
        const schema = checkIPPoolSchema(res.value);
        expect(schema.diagnostics).toEqual([]);
        expect(schema.decodable).toBe(true);
        expect(schema.value).toEqual({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: shape.name }, spec: shape.spec });
      }),
      { numRuns: fcRuns(400) },
    );
    // Both ways were taken: the generator reaches the fast path and its refusals (about one in
    // ten documents is accepted; 100 runs have drawn as few as 5).
    expect(accepted).toBeGreaterThan(total / 40);
    expect(accepted).toBeLessThan(total);
  });

  it('reads a document where it stands in a longer text as it reads the document alone (property)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(DOC, fc.constantFrom('', '---\n', 'x: 1\n---\n', HEAD), fc.constantFrom('', '---\n', 'spec:\n  cidr: 10.0.0.0/8\n', '  natOutgoing: true\n', 'x'), (doc, before, after) => {
        const alone = readPoolShape(doc);
        if (alone) accepted++;
        expect(readPoolShape(before + doc + after, before.length, before.length + doc.length)).toEqual(alone);
      }),
      { numRuns: fcRuns(400) },
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('reads the common pool document; refuses what it does not fully understand', () => {
    const doc = `${HEAD}pool-1\nspec:\n  cidr: 10.0.0.0/24\n  natOutgoing: true\n  disabled: false\n  blockSize: 26\n  vxlanMode: CrossSubnet\n  nodeSelector: all()\n`;
    expect(readPoolShape(doc)).toEqual({
      name: 'pool-1',
      spec: { cidr: '10.0.0.0/24', natOutgoing: true, disabled: false, blockSize: 26, vxlanMode: 'CrossSubnet', nodeSelector: 'all()' },
    });
    for (const bad of [
      doc.replace('true', 'yes'), // a YAML 1.1 boolean (a note)
      doc.replace('pool-1', 'y'), // yaml.v2 reads a boolean: not a name
      doc.replace('26', '026'), // octal in yaml.v2, 26 in YAML 1.2
      doc.replace('  disabled: false\n', '  disabled: false\n  disabled: true\n'), // a repeated key
      doc.replace('all()', 'all() # c'), // a comment
      doc.replace('\n', '\r\n'),
      `${doc}\n`, // a blank line
      doc.replace('  cidr', '  cIDR'), // another case: the usual way decodes it
      doc.replace('spec:\n', 'spec:\n  bogus: 1\n'),
      `${HEAD}pool-1\nspec:\n`,
    ]) {
      expect(readPoolShape(bad)).toBeNull();
    }
  });
});

describe('plainPrefix', () => {
  /** OCTET, GROUP and LENGTH are parts of CIDRs, good and bad. */
  const OCTET = fc.oneof(fc.nat(300).map(String), fc.constantFrom('', '00', '01', '007', '1a', ' 1', '-1', '0x1', '256', '1000'));
  const GROUP = fc.oneof(fc.nat(0x1ffff).map((n) => n.toString(16)), fc.constantFrom('', '0000', '00000', 'g', '1.2.3.4', '%eth0', 'FFFF'));
  const LENGTH = fc.oneof(fc.nat(140).map(String), fc.constantFrom('', '00', '08', '032', '0128', '+8', '8 ', '1.5', '/8', '8/8'));
  const CIDR = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.array(OCTET, { minLength: 3, maxLength: 5 }), LENGTH).map(([os, l]) => `${os.join('.')}/${l}`) },
    { weight: 4, arbitrary: fc.tuple(fc.array(GROUP, { minLength: 2, maxLength: 9 }), LENGTH).map(([gs, l]) => `${gs.join(':')}/${l}`) },
    fc.constantFrom('fd00::/64', '::ffff:1.2.3.4/120', '::/0', '10.0.0.0', '/8', '10.0.0.0//8', '1.2.3.4/8/8', 'fd00::%eth0/64', 'fd00:::/64'),
    fc.string({ maxLength: 20 }),
  );

  it('says yes only to what parsePrefix accepts (property), and to the common CIDR', () => {
    let yes = 0;
    fc.assert(
      fc.property(CIDR, (s) => {
        if (!plainPrefix(s)) return;
        yes++;
        expect(parsePrefix(s).ok).toBe(true);
      }),
      { numRuns: fcRuns(1000) },
    );
    expect(yes).toBeGreaterThan(0);
    expect(['10.0.0.0/26', '10.0.0.1/32', '0.0.0.0/0', 'fd00::/64', 'fd00:0:0:1::/120', '::/0'].map(plainPrefix)).toEqual([true, true, true, true, true, true]);
    expect(['10.0.0.0/33', '10.0.0/8', 'fd00::/129', '10.0.0.0/', 'fd00::', '10.0.0.0/100'].map(plainPrefix)).toEqual([false, false, false, false, false, false]);
  });
});
