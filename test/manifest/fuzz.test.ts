import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBlockYaml } from '../../src/manifest/block-yaml.js';
import { validateManifests } from '../../src/manifest/validate-report.js';
import { tempDir, treeOf } from './helpers.js';
import { fcRuns } from '../support/fc-runs.js';

const tmp = tempDir();

const VALID = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-a
  labels:
    team: net
spec:
  cidr: 10.244.0.0/16
  blockSize: 26
  ipipMode: Never
  vxlanMode: CrossSubnet
  natOutgoing: true
  nodeSelector: all()
  allowedUses: [Workload, Tunnel]
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pool-b
spec:
  cidr: fd00:10::/64
  vxlanMode: Always
`;

/** Mutation is one edit of a manifest's text. */
type Mutation = (lines: string[], at: number, arg: string) => string[];

const MUTATIONS: Record<string, Mutation> = {
  // change a value's type or text
  retype: (ls, at, arg) => ls.map((l, i) => (i === at ? l.replace(/:\s.*$/, `: ${arg}`) : l)),
  // remove a line (a key, or a list item)
  remove: (ls, at) => ls.filter((_, i) => i !== at),
  // add a key
  add: (ls, at, arg) => [...ls.slice(0, at), `${ls[at]?.match(/^ */)?.[0] ?? ''}${arg.replace(/[:\s]/g, '') || 'k'}: ${arg}`, ...ls.slice(at)],
  // break the indentation
  indent: (ls, at, arg) => ls.map((l, i) => (i === at ? `${' '.repeat(arg.length % 5)}${l.trimStart()}` : l)),
  // truncate the text
  truncate: (ls, at, arg) => ls.slice(0, at).concat(ls[at] ? [ls[at]!.slice(0, arg.length % (ls[at]!.length + 1))] : []),
  // insert raw characters
  noise: (ls, at, arg) => ls.map((l, i) => (i === at ? `${l.slice(0, arg.length)}${arg}${l.slice(arg.length)}` : l)),
};

const mutation = fc.record({
  kind: fc.constantFrom(...Object.keys(MUTATIONS)),
  at: fc.nat({ max: 24 }),
  arg: fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom('"True"', '42', '-1', 'null', '~', '[a, b]', '{x: 1}', '&a x', '*a', '!!binary x', '|', '>-', "'unterminated", '"esc\\q"', '---', '...', '%YAML 1.2', '#', '- item', ': :', '\t'),
  ),
});

let n = 0;

describe('validate never throws on mutated manifests', () => {
  it('and every diagnostic has a code, a severity, a message and a position in the file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (muts) => {
        let lines = VALID.split('\n');
        for (const m of muts) lines = MUTATIONS[m.kind]!(lines, m.at % Math.max(1, lines.length), m.arg);
        const text = lines.join('\n');
        const file = tmp.write(`fuzz-${n++}.yaml`, text);
        const { report } = await validateManifests([file], { cwd: tmp.dir });
        const lineCount = text.split('\n').length;
        for (const d of [...report.results.flatMap((r) => r.diagnostics), ...report.diagnostics]) {
          expect(d.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
          expect(['error', 'warning', 'info']).toContain(d.severity);
          expect(d.message.length).toBeGreaterThan(0);
          expect(d.file).toBe(file);
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.line).toBeLessThanOrEqual(lineCount);
          expect(d.column).toBeGreaterThanOrEqual(1);
        }
        const s = report.summary;
        expect(s.valid + s.invalid + s.skipped).toBe(s.resources);
        expect(report.valid).toBe(s.errors === 0);
      }),
      { numRuns: fcRuns(300) },
    );
  });
});

describe('the parsing tiers agree on mutated manifests', () => {
  it('for any text both the block parser and the yaml tier accept, their values (and notes) are equal', () => {
    let both = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (muts, flow) => {
        let lines = (flow ? VALID.replace('metadata:\n  name: pool-a\n  labels:\n    team: net', 'metadata: {name: pool-a, labels: {team: net}}') : VALID).split('\n');
        for (const m of muts) lines = MUTATIONS[m.kind]!(lines, m.at % Math.max(1, lines.length), m.arg);
        for (const doc of lines.join('\n').split(/^---$/m)) {
          const block = parseBlockYaml(doc, 0, doc.length);
          if (!block) continue;
          const tree = treeOf(doc);
          if (tree.error) continue;
          both++;
          expect(block.value, doc).toStrictEqual(tree.value);
          expect(block.notes.length / 2, doc).toBe(tree.notes.filter((n) => n.code === 'YAML11_SCALAR').length);
        }
      }),
      { numRuns: fcRuns(500) },
    );
    expect(both).toBeGreaterThan(fcRuns(500) * 0.6);
  });
});

