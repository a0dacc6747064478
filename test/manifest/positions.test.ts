import { describe, expect, it } from 'vitest';
import { checkResource } from '../../src/manifest/check.js';
import { loadManifests } from '../../src/manifest/load.js';
import { validateManifests } from '../../src/manifest/validate-report.js';
import { decodeIPPool, setDefaults, type Diagnostic } from '../../src/core/index.js';
import { source, tempDir } from './helpers.js';

const tmp = tempDir();
let n = 0;

/** run validates one inline file and returns its diagnostics as `CODE line:col`. */
async function run(text: string, store: Parameters<typeof validateManifests>[2] = []): Promise<Diagnostic[]> {
  const file = tmp.write(`case-${n++}.yaml`, text);
  const { report } = await validateManifests([file], { cwd: tmp.dir }, store);
  return [...report.results.flatMap((r) => r.diagnostics), ...report.diagnostics];
}

function at(diags: readonly Diagnostic[], code: string): string[] {
  return diags.filter((d) => d.code === code).map((d) => `${d.line}:${d.column}`);
}

const HEAD = 'apiVersion: projectcalico.org/v3\nkind: IPPool\n';

describe('positions: every diagnostic points at the offending node', () => {
  it.each([
    // [code, manifest, expected line:col list]
    ['CIDR_REQUIRED', `${HEAD}metadata:\n  name: a\nspec:\n  natOutgoing: true\n`, ['5:1']],
    ['CIDR_INVALID', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.0.0.0\n`, ['6:9']],
    ['CIDR_NOT_MASKED', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: "10.0.0.1/16"  # host bits\n`, ['6:9']],
    ['CIDR_LINK_LOCAL', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 169.254.0.0/16\n`, ['6:9']],
    ['BLOCK_SIZE_RANGE', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.0.0.0/16\n  blockSize: 40\n`, ['7:14']],
    ['POOL_TOO_SMALL', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.0.0.0/28\n`, ['6:9']],
    ['ENUM_INVALID', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.0.0.0/16\n  vxlanMode: never\n`, ['7:14']],
    ['ENCAP_CONFLICT', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.0.0.0/16\n  ipipMode: Always\n  vxlanMode: Always\n`, ['8:14']],
    ['IPIP_V6', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: fd00::/64\n  ipipMode: Always\n`, ['7:13']],
    ['ALLOWED_USES', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.0.0.0/16\n  allowedUses: [Workload, Bogus]\n`, ['7:27']],
    ['LB_RULE', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.0.0.0/16\n  allowedUses:\n  - LoadBalancer\n  disableBGPExport: true\n  nodeSelector: has(x)\n`, ['9:21', '10:17']],
    ['SELECTOR_INVALID', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.0.0.0/16\n  nodeSelector: "a =="\n`, ['7:17']],
    ['NS_SELECTOR_TUNNEL', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.0.0.0/16\n  namespaceSelector: all()\n`, ['7:22']],
    ['DEPRECATED_FIELD', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.0.0.0/16\n  nat-outgoing: false\n  ipip:\n    enabled: true\n`, ['7:17', '9:5']],
    ['DISABLED_NAT_POOL', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.0.0.0/16\n  disabled: true\n  natOutgoing: true\n`, ['8:16']],
    ['NAME_INVALID', `${HEAD}metadata:\n  name: Not_OK\nspec:\n  cidr: 10.0.0.0/16\n`, ['4:9']],
    ['NAME_INVALID', `${HEAD}metadata:\n  labels: {}\nspec:\n  cidr: 10.0.0.0/16\n`, ['3:1']],
    ['LABEL_INVALID', `${HEAD}metadata:\n  name: a\n  labels:\n    ok: fine\n    "bad key": v\n    k: "-v-"\nspec:\n  cidr: 10.0.0.0/16\n`, ['7:5', '8:8']],
    ['ANNOTATION_INVALID', `${HEAD}metadata:\n  name: a\n  annotations:\n    "-bad": v\nspec:\n  cidr: 10.0.0.0/16\n`, ['6:5']],
    ['NAMESPACE_SET', `${HEAD}metadata:\n  name: a\n  namespace: default\nspec:\n  cidr: 10.0.0.0/16\n`, ['5:14']],
    ['RESOURCE_VERSION_SET', `${HEAD}metadata:\n  name: a\n  resourceVersion: "12"\nspec:\n  cidr: 10.0.0.0/16\n`, ['5:20']],
    ['FIELD_UNKNOWN', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.0.0.0/16\n  natOutgoin: true\n`, ['7:3']],
    ['TYPE_MISMATCH', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.0.1.0/24\n  disabled: 'True'\n`, ['7:13']],
    ['KIND_SKIPPED', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n', ['2:7']],
    ['KIND_UNKNOWN', 'apiVersion: v1\nkind: ipPool\nmetadata:\n  name: x\n', ['2:7']],
    ['KIND_NOT_HANDLED', 'apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: x\n', ['2:7']],
    ['KIND_UNKNOWN', `apiVersion: projectcalico.org/v4\nkind: IPPool\nmetadata:\n  name: a\nspec:\n  cidr: 10.0.0.0/16\n`, ['1:13']],
    ['YAML11_SCALAR', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.0.0.0/16\n  natOutgoing: yes\n`, ['7:16']],
    ['YAML11_SCALAR', `${HEAD}metadata: {name: a}\nspec: {cidr: 10.0.0.0/16, blockSize: 0b11010}\n`, ['4:38']],
    ['DUPLICATE_KEY', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.0.0.0/16\n  cidr: 10.1.0.0/16\n`, ['7:3']],
    ['FIELD_UNKNOWN', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.0.0.0/16\n  natOutgoing: true\n  NATOutgoing: false\n`, ['8:3']],
    ['CIDR_NOT_MASKED', `${HEAD}Metadata:\n  Name: a\nSPEC:\n  CIDR: 10.0.0.1/16\n`, ['6:9']],
    ['LABEL_INVALID', `apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata:\n  name: a\n  annotations:\n    projectcalico.org/metadata: '{"labels":{"bad key":"v"}}'\nspec:\n  cidr: 10.0.0.0/16\n`, ['6:5']],
    ['CIDR_INVALID', `apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata:\n  name: a\n  resourceVersion: "9"\nspec:\n  cidr: 10.0.0.300/16\n`, ['7:9']],
    ['YAML_SYNTAX', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.0.0.0/16\n bad: indent\n`, ['7:1']],
    ['INPUT_INVALID', '- just\n- strings\n', ['1:3', '2:3']],
    ['NO_RESOURCES', '# nothing here\n', ['1:1']],
  ])('%s', async (code, text, expected) => {
    expect(at(await run(text), code)).toEqual(expected);
  });

  it('POOL_OVERLAP and DUPLICATE_NAME point at the later pool (cidr, name), in file order', async () => {
    const diags = await run(source`
      apiVersion: projectcalico.org/v3
      kind: IPPool
      metadata:
        name: a
      spec:
        cidr: 10.0.0.0/16
      ---
      apiVersion: projectcalico.org/v3
      kind: IPPool
      metadata:
        name: b
      spec:
        cidr: 10.0.1.0/24
      ---
      apiVersion: projectcalico.org/v3
      kind: IPPool
      metadata:
        name: a
      spec:
        cidr: 10.9.0.0/16
    `);
    expect(diags.map((d) => `${d.code} ${d.document} ${d.line}:${d.column}`)).toEqual(['POOL_OVERLAP 2 13:9', 'DUPLICATE_NAME 3 18:9']);
  });

  it('ALREADY_EXISTS points at the name of a pool the store holds', async () => {
    const stored = setDefaults(decodeIPPool({ metadata: { name: 'a' }, spec: { cidr: '10.0.0.0/16' } }));
    const diags = await run(`${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.1.0.0/16\n`, [stored]);
    expect(diags.map((d) => `${d.code} ${d.line}:${d.column}`)).toEqual(['ALREADY_EXISTS 4:9']);
  });

  it('IMMUTABLE_FIELD (update) points at the changed field, or at spec when it is absent', async () => {
    const file = tmp.write('update.yaml', `${HEAD}metadata:\n  name: a\nspec:\n  cidr: 10.1.0.0/16\n`);
    const load = await loadManifests([file], { cwd: tmp.dir });
    const old = setDefaults(decodeIPPool({ metadata: { name: 'a' }, spec: { cidr: '10.0.0.0/16', blockSize: 24 } }));
    const r = checkResource(load.resources[0]!, { op: 'update', old });
    expect(r.diagnostics.map((d) => `${d.code} ${d.path} ${d.line}:${d.column}`)).toEqual([
      'IMMUTABLE_FIELD /spec/cidr 6:9',
      'IMMUTABLE_FIELD /spec/blockSize 5:1',
    ]);
  });

  it('points into JSON, List items, kubectl\'s v1 List, sequences and flow style (via the exact parser)', async () => {
    const json = tmp.write('p.json', '{"apiVersion": "projectcalico.org/v3", "kind": "IPPoolList", "items": [\n  {"apiVersion": "projectcalico.org/v3", "kind": "IPPool",\n   "metadata": {"name": "j"}, "spec": {"cidr": "10.0.0.1/16"}}]}\n');
    const flow = tmp.write('flow.yaml', `${HEAD}metadata: {name: f}\nspec: {cidr: 10.0.0.1/16, nodeSelector: &s all(), namespaceSelector: *s}\n`);
    const list = tmp.write('list.yaml', source`
      kind: List
      apiVersion: v1
      items:
        - apiVersion: crd.projectcalico.org/v1
          kind: IPPool
          metadata:
            name: l
          spec:
            cidr: 10.0.0.1/16
    `);
    const { report } = await validateManifests([json, flow, list], { cwd: tmp.dir });
    const pos = report.results.map((r) => r.diagnostics.filter((d) => d.code === 'CIDR_NOT_MASKED').map((d) => `${r.name} ${d.line}:${d.column}`)[0]);
    expect(pos).toEqual(['j 3:48', 'f 4:14', 'l 9:13']);
  });

  it('validate --op replace: NOT_FOUND at the name of a pool the store lacks, CONFLICT at a stale resourceVersion', async () => {
    const a = setDefaults(decodeIPPool({ metadata: { name: 'a', resourceVersion: '7' }, spec: { cidr: '10.0.0.0/16' } }));
    const file = tmp.write('replace.yaml', `${HEAD}metadata:\n  name: a\n  resourceVersion: "6"\nspec:\n  cidr: 10.0.0.0/16\n---\n${HEAD}metadata:\n  name: b\nspec:\n  cidr: 10.1.0.0/16\n`);
    const { report } = await validateManifests([file], { cwd: tmp.dir, op: 'replace', againstStore: true }, [a]);
    expect(report.results.flatMap((r) => r.diagnostics).map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`)).toEqual([
      'CONFLICT 5:20 update conflict: IPPool(a)',
      'NOT_FOUND 12:9 resource does not exist: IPPool(b) with error: <nil>',
    ]);
  });

  it('TOO_MANY_PROBLEMS: at most 50 diagnostics per resource, the rest counted at the resource', async () => {
    const labels = Array.from({ length: 80 }, (_, i) => `    "bad key ${i}": v`).join('\n');
    const diags = await run(`${HEAD}metadata:\n  name: a\n  labels:\n${labels}\nspec:\n  cidr: 10.0.0.0/16\n`);
    expect(diags).toHaveLength(51);
    expect(diags[49]).toMatchObject({ code: 'LABEL_INVALID', line: 55, column: 5 });
    expect(diags[50]).toMatchObject({ code: 'TOO_MANY_PROBLEMS', severity: 'warning', line: 1, column: 1, message: '30 more problems in this resource are not shown (30 of them errors)' });
  });
});

