import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_REPORTED } from '../../src/core/index.js';
import { LIMITS } from '../../src/manifest/documents.js';
import { loadManifests, MAX_DIAGNOSTICS } from '../../src/manifest/load.js';
import { validateManifests } from '../../src/manifest/validate-report.js';
import { source, tempDir } from './helpers.js';

const tmp = tempDir();

const POOL = (name: string, cidr = '10.0.0.0/16'): string =>
  `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${name}\nspec:\n  cidr: ${cidr}\n`;

const names = (r: Awaited<ReturnType<typeof loadManifests>>): string[] => r.resources.map((x) => x.name ?? '?');
const diag = (r: Awaited<ReturnType<typeof loadManifests>>): string[] =>
  r.diagnostics.map((d) => `${d.severity} ${d.code} ${d.file}${d.document ? `#${d.document}` : ''}:${d.line}:${d.column}`);

describe('loadManifests: -f semantics (spec/cli.md)', () => {
  it('reads multi-document YAML, skipping empty documents, numbering documents from 1', async () => {
    const f = tmp.write('multi.yaml', `# leading comment\n---\n${POOL('a')}---\n---\n# only a comment\n---\n${POOL('b', '10.1.0.0/16')}`);
    const r = await loadManifests([f], { cwd: tmp.dir });
    expect(names(r)).toEqual(['a', 'b']);
    expect(r.documents).toBe(4);
    expect(r.resources.map((x) => [x.origin.document, x.origin.line, x.origin.column])).toEqual([
      [1, 3, 1],
      [4, 13, 1],
    ]);
    expect(r.diagnostics).toEqual([]);
  });

  it('flattens List, IPPoolList and sequences, keeping each item\'s position', async () => {
    const f = tmp.write('lists.yaml', source`
      apiVersion: projectcalico.org/v3
      kind: IPPoolList
      items:
      - apiVersion: projectcalico.org/v3
        kind: IPPool
        metadata: {name: l1}
        spec: {cidr: 10.1.0.0/16}
      ---
      - apiVersion: projectcalico.org/v3
        kind: IPPool
        metadata:
          name: s1
        spec:
          cidr: 10.2.0.0/16
    `);
    const r = await loadManifests([f], { cwd: tmp.dir });
    expect(names(r)).toEqual(['l1', 's1']);
    expect(r.resources.map((x) => `${x.origin.line}:${x.origin.column}`)).toEqual(['4:3', '9:3']);
    expect(r.resources[1]!.locate('/spec/cidr')).toMatchObject({ line: 14, column: 11 });
  });

  it('reads JSON (a resource, a List) and JSON-looking YAML', async () => {
    const a = tmp.write('a.json', JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'j' }, spec: { cidr: '10.3.0.0/16' } }, null, 2));
    const b = tmp.write('b.json', JSON.stringify({ kind: 'IPPoolList', apiVersion: 'projectcalico.org/v3', items: [{ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'k' }, spec: { cidr: '10.4.0.0/16' } }] }));
    const r = await loadManifests([a, b], { cwd: tmp.dir });
    expect(names(r)).toEqual(['j', 'k']);
    expect(r.resources[0]!.locate('/spec/cidr')).toMatchObject({ line: 8, column: 13 });
  });

  it('walks directories: .yaml/.yml/.json sorted, subdirectories only with recursive', async () => {
    tmp.write('tree/b.yml', POOL('b'));
    tmp.write('tree/a.yaml', POOL('a'));
    tmp.write('tree/c.json', JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'c' }, spec: { cidr: '10.9.0.0/16' } }));
    tmp.write('tree/notes.txt', 'not a manifest');
    tmp.write('tree/sub/d.yaml', POOL('d'));
    const flat = await loadManifests(['tree'], { cwd: tmp.dir });
    expect(names(flat)).toEqual(['a', 'b', 'c']);
    expect(flat.files).toEqual(['tree/a.yaml', 'tree/b.yml', 'tree/c.json']);
    const deep = await loadManifests(['tree'], { cwd: tmp.dir, recursive: true });
    expect(names(deep)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('reads stdin for "-", and repeats -f in order', async () => {
    const f = tmp.write('one.yaml', POOL('file'));
    const r = await loadManifests([f, '-'], { cwd: tmp.dir, stdin: () => Readable.from([Buffer.from(POOL('piped'))]) });
    expect(names(r)).toEqual(['file', 'piped']);
    expect(r.resources[1]!.origin.file).toBe('<stdin>');
  });

  it('classifies documents as decision 6 says: IPPools, kinds calicoctl handles, Calico-looking ones it cannot load, others', async () => {
    const f = tmp.write('kinds.yaml', source`
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: cm
      ---
      apiVersion: crd.projectcalico.org/v1
      kind: IPPool
      metadata:
        name: p
      spec:
        cidr: 10.0.0.0/16
      ---
      foo: bar
      ---
      apiVersion: projectcalico.org/v3
      kind: BGPPeer
      metadata: {name: peer}
      ---
      apiVersion: v1
      kind: pool
      metadata: {name: old}
      ---
      apiVersion: projectcalico.org/v3
      kind: ippool
      ---
      apiVersion: whereabouts.cni.cncf.io/v1alpha1
      kind: IPPool
      ---
      apiVersion: v1
      kind: Node
    `);
    const r = await loadManifests([f], { cwd: tmp.dir });
    expect(names(r)).toEqual(['p']);
    expect(r.resources[0]!.form).toBe('crd');
    expect(r.others.map((x) => x.kind ?? '(none)')).toEqual(['ConfigMap', '(none)', 'BGPPeer', 'pool', 'ippool', 'IPPool', 'Node']);
    expect(diag(r)).toEqual([
      `info KIND_SKIPPED ${f}#1:2:7`,
      `error KIND_UNKNOWN ${f}#3:13:1`,
      `warning KIND_NOT_HANDLED ${f}#4:16:7`,
      `error KIND_UNKNOWN ${f}#5:20:7`,
      `error KIND_UNKNOWN ${f}#6:24:7`,
      `info KIND_SKIPPED ${f}#7:27:7`,
      `info KIND_SKIPPED ${f}#8:30:7`,
    ]);
    expect(r.diagnostics[2]!.message).toBe('poolctl does not handle BGPPeer; `calicoctl create` would create it');
    expect(r.diagnostics[3]).toMatchObject({ message: 'unknown resource type (pool) and/or version (v1)', hint: expect.stringContaining('calicoctl convert') });
  });

  it("refuses a v1 List of projectcalico.org/v3 items (calicoctl does), and reads kubectl's v1 List of the CRD form", async () => {
    const item = (api: string, name: string) => ({ apiVersion: api, kind: 'IPPool', metadata: { name }, spec: { cidr: '10.0.0.0/16' } });
    const v3 = tmp.write('v1-of-v3.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [item('projectcalico.org/v3', 'a')] }, null, 1));
    const crd = tmp.write('v1-of-crd.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: [item('crd.projectcalico.org/v1', 'b')] }, null, 1));
    const r = await loadManifests([v3, crd], { cwd: tmp.dir });
    expect(names(r)).toEqual(['b']);
    expect(diag(r)).toEqual([`error KIND_UNKNOWN ${v3}#1:3:10`]);
    expect(r.diagnostics[0]).toMatchObject({ message: 'unknown resource type (List) and/or version (v1)' });
  });

  it('goes on after a syntax error, with the error\'s position', async () => {
    const f = tmp.write('broken.yaml', `${POOL('a')}---\nkey: [unclosed\n---\n${POOL('b', '10.1.0.0/16')}`);
    const g = tmp.write('fine.yaml', POOL('c', '10.2.0.0/16'));
    const r = await loadManifests([f, g], { cwd: tmp.dir });
    expect(names(r)).toEqual(['a', 'b', 'c']);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: 'YAML_SYNTAX', severity: 'error', file: f, document: 2 });
  });

  it('keeps the last of repeated keys with a warning, and reports unreadable paths, empty files and directories', async () => {
    const dup = tmp.write('dup.yaml', 'apiVersion: projectcalico.org/v3\nkind: IPPool\nkind: IPPool\nmetadata: {name: a}\n');
    const empty = tmp.write('empty.yaml', '\n# nothing\n');
    tmp.write('emptydir/readme.md', 'x');
    const r = await loadManifests([dup, 'missing.yaml', empty, 'emptydir'], { cwd: tmp.dir });
    expect(names(r)).toEqual(['a']);
    expect(r.resources[0]!.diagnostics?.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`)).toEqual([
      'DUPLICATE_KEY 3:1 mapping key "kind" is repeated; calicoctl (YAML 1.1) keeps the last value, kubectl and YAML 1.2 tools reject the document',
    ]);
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      'FILE_UNREADABLE cannot read missing.yaml: no such file or directory',
      `NO_RESOURCES no resources specified in file ${empty}`,
      'NO_RESOURCES no resources specified in directory emptydir',
    ]);
    expect(r.files).toEqual([dup, empty]);
  });

  it('handles CRLF line ends, a UTF-8 BOM and UTF-16 with a BOM', async () => {
    const crlf = tmp.write('crlf.yaml', POOL('crlf', '10.0.0.1/16').replace(/\n/g, '\r\n'));
    const bom = tmp.write('bom.yaml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(POOL('bom'))]));
    const u16 = tmp.write('u16.yaml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(POOL('utf16'), 'utf16le')]));
    const r = await loadManifests([crlf, bom, u16], { cwd: tmp.dir });
    expect(names(r)).toEqual(['crlf', 'bom', 'utf16']);
    expect(r.resources[0]!.locate('/spec/cidr')).toMatchObject({ line: 6, column: 9, endLine: 6, endColumn: 20 });
  });
});

describe('loadManifests: hostile input gets a diagnostic in bounded time and memory', () => {
  it('refuses binary files and invalid UTF-8, with the position', async () => {
    const bin = tmp.write('bin.yaml', Buffer.from([0x61, 0x3a, 0x0a, 0x00, 0x01, 0x02]));
    const bad = tmp.write('latin1.yaml', Buffer.from('a: 1\nname: caf\xe9\n', 'latin1'));
    const r = await loadManifests([bin, bad], { cwd: tmp.dir });
    expect(r.diagnostics.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`)).toEqual([
      'INPUT_INVALID 2:1 binary file: NUL byte at offset 3; expected YAML or JSON text',
      'INPUT_INVALID 2:10 invalid UTF-8: byte 0xe9 at offset 14',
    ]);
  });

  it('caps the input size (files and stdin)', async () => {
    const big = tmp.write('big.yaml', `${POOL('a')}# ${'x'.repeat(2000)}\n`);
    const r = await loadManifests([big, '-'], { cwd: tmp.dir, maxBytes: 1000, stdin: () => Readable.from([Buffer.alloc(1500, 0x20)]) });
    expect(r.diagnostics.map((d) => `${d.code} ${d.file} ${d.message}`)).toEqual([
      `INPUT_TOO_LARGE ${big} input exceeds the size limit of 1000 bytes`,
      'INPUT_TOO_LARGE <stdin> input exceeds the size limit of 1000 bytes',
    ]);
  });

  it('stops alias bombs (billion laughs)', async () => {
    const lol = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) lol.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const f = tmp.write('lol.yaml', `${lol.join('\n')}\n`);
    const r = await loadManifests([f], { cwd: tmp.dir });
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: 'INPUT_INVALID', message: `document expands more than ${LIMITS.maxAliasCount} aliases (a "billion laughs" document?)` });
  });

  it('stops deep nesting (flow and block)', async () => {
    const flow = tmp.write('deep-flow.yaml', `a: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`);
    const block = tmp.write('deep-block.yaml', Array.from({ length: 5000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' x\n');
    const r = await loadManifests([flow, block], { cwd: tmp.dir });
    expect(r.diagnostics.map((d) => `${d.code} ${d.file}`)).toEqual([`INPUT_INVALID ${flow}`, `INPUT_INVALID ${block}`]);
    expect(r.diagnostics[1]!.message).toBe(`document is nested deeper than ${LIMITS.maxDepth} levels`);
  });

  it('bounds nesting exactly at the limit in plain block YAML too', async () => {
    // Mappings at depths 0..n-1 and a flow sequence inside the innermost one, at depth n.
    const nested = (n: number): string => `${Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k${i}:${i === n - 1 ? ' [x]' : ''}`).join('\n')}\n`;
    const over = tmp.write('deep-64.yaml', nested(LIMITS.maxDepth));
    const under = tmp.write('deep-63.yaml', nested(LIMITS.maxDepth - 1));
    const r = await loadManifests([over, under], { cwd: tmp.dir });
    expect(r.diagnostics.map((d) => `${d.code} ${d.file} ${d.message}`)).toEqual([
      `INPUT_INVALID ${over} document is nested deeper than ${LIMITS.maxDepth} levels`,
      `KIND_UNKNOWN ${under} unknown resource type () and/or version ()`,
    ]);
  });

  it('refuses huge scalars', async () => {
    const f = tmp.write('huge.yaml', `${POOL('a')}  nodeSelector: "${'x'.repeat(LIMITS.maxScalarLength + 1)}"\n`);
    const r = await loadManifests([f], { cwd: tmp.dir });
    expect(r.diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`)).toEqual(['INPUT_TOO_LARGE 7:17']);
    expect(r.resources).toEqual([]);
  });

  // issue 13: a 69 KB flow mapping of one repeated key ran out of memory; a 35 KB one printed 256 MB
  // (an error per repetition, each echoing the line); a 790 KB one-line mapping took 42-59 s.
  // The findings per document are bounded whatever the size (the time is benchmarked: bench/validate.ts).
  const flowOf = (n: number, entry: (i: number) => string): string => `{${Array.from({ length: n }, (_, i) => entry(i)).join(', ')}}`;
  const hostilePool = (spec: string): string => `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: ${spec}\n`;

  it.each([1_000, 20_000])('a flow mapping with one key repeated %d times: one DUPLICATE_KEY warning, the last value', async (n) => {
    const f = tmp.write(`dup-${n}.yaml`, hostilePool(flowOf(n, (i) => `cidr: 10.${i % 200}.0.0/16`)));
    const { report } = await validateManifests([f], { cwd: tmp.dir });
    const diags = report.results.flatMap((r) => r.diagnostics);
    expect(diags.map((d) => `${d.code} ${d.line}:${d.column}`)).toEqual(['DUPLICATE_KEY 4:27']);
    expect(diags[0]!.message).toContain(`(${n - 2} more repeated keys in this document)`);
    expect(report.valid).toBe(true);
    expect(JSON.stringify(report).length).toBeLessThan(2_000);
  });

  it.each([1_000, 20_000])('a one-line mapping of %d unknown keys: the first ones at their keys, the rest in one', async (n) => {
    const f = tmp.write(`wide-${n}.yaml`, hostilePool(flowOf(n, (i) => `k${i}: v${i}`).replace('{', '{cidr: 10.0.0.0/16, ')));
    const { report } = await validateManifests([f], { cwd: tmp.dir });
    const diags = report.results.flatMap((r) => r.diagnostics);
    expect(diags).toHaveLength(MAX_REPORTED + 1);
    expect(diags.every((d) => d.code === 'FIELD_UNKNOWN' && d.line === 4)).toBe(true);
    expect(diags[1]!.column).toBe(35);
    expect(diags[MAX_REPORTED]!.message).toBe(`fields in document are not recognized or are in the wrong location: k20, k21, k22, k23 (+ ${n - MAX_REPORTED - 4} more)`);
    expect(JSON.stringify(report).length).toBeLessThan(10_000);
  });

  it('a bare flow mapping of 20,000 repeated keys without kind: one error', async () => {
    const f = tmp.write('bare-dup.yaml', `${flowOf(20_000, () => 'cidr: 10.0.0.0/16')}\n`);
    const { report } = await validateManifests([f], { cwd: tmp.dir });
    expect(report.results.flatMap((r) => r.diagnostics).map((d) => d.code)).toEqual(['KIND_UNKNOWN']);
  });

  it('one syntax error per document, the first: no cascade from a tab or an unclosed flow', async () => {
    const f = tmp.write('cascade.yaml', `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n\tname: a\n\tlabels: x\nspec:\n\tcidr: 10.0.0.0/16\n---\nspec: {a: [1, 2\nb: {c\n`);
    const r = await loadManifests([f], { cwd: tmp.dir });
    expect(r.diagnostics.map((d) => `${d.code} #${d.document} ${d.line}:${d.column}`)).toEqual(['YAML_SYNTAX #1 4:1', 'YAML_SYNTAX #2 10:1']);
  });

  it(`at most ${MAX_DIAGNOSTICS} diagnostics per resource, then one that counts the rest`, async () => {
    const labels = Array.from({ length: 5_000 }, (_, i) => `"bad key ${i}": v`).join(', ');
    const f = tmp.write('labels.yaml', `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p, labels: {${labels}}}\nspec: {cidr: 10.0.0.0/16}\n`);
    const { report } = await validateManifests([f], { cwd: tmp.dir });
    const diags = report.results.flatMap((r) => r.diagnostics);
    expect(diags).toHaveLength(MAX_DIAGNOSTICS + 1);
    expect(diags[MAX_DIAGNOSTICS]).toMatchObject({ code: 'TOO_MANY_PROBLEMS', message: `${5_000 - MAX_DIAGNOSTICS} more problems in this resource are not shown (${5_000 - MAX_DIAGNOSTICS} of them errors)` });
  });

  it.each([
    ['block', (vals: string) => `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: p\n  labels:\n${vals}spec:\n  cidr: 10.0.0.0/16\n`, (i: number) => `    l${i}: yes\n`],
    ['yaml', (vals: string) => `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: p\n  labels: &l\n${vals}spec:\n  cidr: 10.0.0.0/16\n`, (i: number) => `    l${i}: yes\n`],
  ] as const)('at most 20 YAML11_SCALAR warnings per document (%s tier), the last counting the rest', async (tier, doc, line) => {
    const f = tmp.write(`yaml11-${tier}.yaml`, doc(Array.from({ length: 30 }, (_, i) => line(i)).join('')));
    const r = await loadManifests([f], { cwd: tmp.dir });
    const notes = r.resources[0]!.diagnostics ?? [];
    expect(notes).toHaveLength(20);
    expect(notes.every((d) => d.code === 'YAML11_SCALAR')).toBe(true);
    expect(notes[0]).toMatchObject({ line: 6, column: 9, path: '/metadata/labels/l0' });
    expect(notes[19]!.message).toMatch(/\(and 10 more in this document\)$/);
  });
});

