import { describe, expect, it } from 'vitest';
import get from '../../src/commands/get.js';
import type { IPPool } from '../../src/core/index.js';
import type { Datastore } from '../../src/datastore/datastore.js';
import { openMemoryDatastore } from '../../src/datastore/memory.js';
import { testContext } from './context.js';
import { failure } from '../support/failure.js';

const args = (resource: string, names: string[] = [], output = 'table', exp = false, crd = false) => ({ resource, names, output, export: exp, crd });

// The pools of calicoctl's own get test (calicoctl/tests/st/utils/data.py ippool_name1_rev1_v4, name2 v6).
const NAME1: IPPool = {
  apiVersion: 'projectcalico.org/v3',
  kind: 'IPPool',
  metadata: { name: 'ippool-name1' },
  spec: { cidr: '10.0.1.0/24', ipipMode: 'Always', vxlanMode: 'Never', blockSize: 27, nodeSelector: "foo == 'bar'", allowedUses: ['Workload', 'Tunnel'], assignmentMode: 'Automatic' },
};
const NAME2: IPPool = {
  apiVersion: 'projectcalico.org/v3',
  kind: 'IPPool',
  metadata: { name: 'ippool-name2' },
  spec: { cidr: 'fed0:8001::/64', ipipMode: 'Never', vxlanMode: 'Never', blockSize: 123, nodeSelector: 'all()', allowedUses: ['Workload', 'Tunnel'], assignmentMode: 'Automatic', natOutgoing: true },
};

async function seeded(): Promise<Datastore> {
  const ds = openMemoryDatastore();
  await ds.create(NAME1);
  await ds.create(NAME2);
  return ds;
}

describe('get', () => {
  it('prints calicoctl\'s table: tabwriter columns, trailing spaces, an empty line after', async () => {
    const ctx = testContext({ datastore: await seeded() });
    expect(await get.run!(args('ippools'), ctx)).toBe(0);
    expect(ctx.stdout()).toBe(
      'NAME           CIDR             SELECTOR       \n' +
        "ippool-name1   10.0.1.0/24      foo == 'bar'   \n" +
        'ippool-name2   fed0:8001::/64   all()          \n' +
        '\n',
    );
  });

  it('prints calicoctl\'s wide table for one pool exactly as its system test asserts', async () => {
    const ctx = testContext({ datastore: await seeded() });
    expect(await get.run!(args('ippool', ['ippool-name1'], 'wide'), ctx)).toBe(0);
    expect(ctx.stdout()).toBe(
      'NAME           CIDR          NAT     IPIPMODE   VXLANMODE   DISABLED   DISABLEBGPEXPORT   SELECTOR       ASSIGNMENTMODE   \n' +
        "ippool-name1   10.0.1.0/24   false   Always     Never       false      false              foo == 'bar'   Automatic        \n" +
        '\n',
    );
  });

  it('an empty list is the headings and an empty line', async () => {
    const ctx = testContext();
    expect(await get.run!(args('pools'), ctx)).toBe(0);
    expect(ctx.stdout()).toBe('NAME   CIDR   SELECTOR   \n\n');
  });

  it('-o json prints one resource for one name, in Calico\'s field order', async () => {
    const ds = await seeded();
    const p = await ds.get('ippool-name2');
    const ctx = testContext({ datastore: ds });
    expect(await get.run!(args('ipp', ['ippool-name2'], 'json'), ctx)).toBe(0);
    expect(ctx.stdout()).toBe(
      `{
  "kind": "IPPool",
  "apiVersion": "projectcalico.org/v3",
  "metadata": {
    "name": "ippool-name2",
    "uid": "${p.metadata.uid}",
    "resourceVersion": "${p.metadata.resourceVersion}",
    "creationTimestamp": "${p.metadata.creationTimestamp}"
  },
  "spec": {
    "cidr": "fed0:8001::/64",
    "vxlanMode": "Never",
    "ipipMode": "Never",
    "natOutgoing": true,
    "blockSize": 123,
    "nodeSelector": "all()",
    "allowedUses": [
      "Workload",
      "Tunnel"
    ],
    "assignmentMode": "Automatic"
  }
}
`,
    );
  });

  it('-o json prints an IPPoolList without names or with several', async () => {
    const ds = await seeded();
    for (const names of [[], ['ippool-name1', 'ippool-name2']]) {
      const ctx = testContext({ datastore: ds });
      expect(await get.run!(args('ippools', names, 'json'), ctx)).toBe(0);
      const list = JSON.parse(ctx.stdout());
      expect(Object.keys(list)).toEqual(['kind', 'apiVersion', 'metadata', 'items']);
      expect(list.kind).toBe('IPPoolList');
      expect(list.metadata.resourceVersion).toMatch(/^\d+$/);
      expect(list.items.map((p: IPPool) => p.metadata.name)).toEqual(['ippool-name1', 'ippool-name2']);
    }
  });

  it('-o yaml: sorted keys, quoted strings that YAML would read otherwise; the empty list as calicoctl prints it', async () => {
    const ds = await seeded();
    const p = await ds.get('ippool-name1');
    const one = testContext({ datastore: ds });
    expect(await get.run!(args('ippool', ['ippool-name1'], 'yaml'), one)).toBe(0);
    expect(one.stdout()).toBe(
      `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  creationTimestamp: "${p.metadata.creationTimestamp}"
  name: ippool-name1
  resourceVersion: "${p.metadata.resourceVersion}"
  uid: ${p.metadata.uid}
spec:
  allowedUses:
  - Workload
  - Tunnel
  assignmentMode: Automatic
  blockSize: 27
  cidr: 10.0.1.0/24
  ipipMode: Always
  nodeSelector: foo == 'bar'
  vxlanMode: Never
`,
    );
    const empty = testContext();
    expect(await get.run!(args('ippools', [], 'yml'), empty)).toBe(0);
    expect(empty.stdout()).toBe('apiVersion: projectcalico.org/v3\nitems: []\nkind: IPPoolList\nmetadata:\n  resourceVersion: "0"\n');
  });

  it('-o yaml --crd prints the kubectl form: a v1 List of crd.projectcalico.org/v1 IPPools, Calico metadata in its annotation', async () => {
    const ds = openMemoryDatastore();
    const stored = await ds.create({ ...NAME1, metadata: { name: 'ippool-name1', labels: { team: 'net', 'projectcalico.org/owner': 'x' }, annotations: { note: 'a' } } });
    const ctx = testContext({ datastore: ds });
    expect(await get.run!(args('ippools', [], 'yaml', false, true), ctx)).toBe(0);
    expect(ctx.stdout()).toBe(
      `apiVersion: v1
items:
- apiVersion: crd.projectcalico.org/v1
  kind: IPPool
  metadata:
    annotations:
      projectcalico.org/metadata: '{"creationTimestamp":"${stored.metadata.creationTimestamp}","labels":{"projectcalico.org/owner":"x","team":"net"},"annotations":{"note":"a"}}'
    labels:
      projectcalico.org/owner: x
    name: ippool-name1
  spec:
    allowedUses:
    - Workload
    - Tunnel
    assignmentMode: Automatic
    blockSize: 27
    cidr: 10.0.1.0/24
    ipipMode: Always
    nodeSelector: foo == 'bar'
    vxlanMode: Never
kind: List
metadata:
  resourceVersion: ""
`,
    );
    // One name: the resource alone, in JSON too.
    const one = testContext({ datastore: ds });
    expect(await get.run!(args('ippool', ['ippool-name1'], 'json', false, true), one)).toBe(0);
    expect(JSON.parse(one.stdout())).toMatchObject({ apiVersion: 'crd.projectcalico.org/v1', kind: 'IPPool', metadata: { name: 'ippool-name1' } });
  });

  it('--crd needs -o yaml or json (a usage error)', async () => {
    await expect(get.run!(args('ippools', [], 'table', false, true), testContext())).rejects.toMatchObject({ code: 'USAGE', message: '--crd needs -o yaml or -o json' });
  });

  it('-o name prints KIND/NAME lines; --export drops server-set metadata', async () => {
    const ds = await seeded();
    const names = testContext({ datastore: ds });
    expect(await get.run!(args('pools', [], 'name'), names)).toBe(0);
    expect(names.stdout()).toBe('ippool/ippool-name1\nippool/ippool-name2\n');
    const exported = testContext({ datastore: ds });
    expect(await get.run!(args('ippool/ippool-name1', [], 'json', true), exported)).toBe(0);
    expect(JSON.parse(exported.stdout()).metadata).toEqual({ name: 'ippool-name1' });
  });

  it('prints the pools found and fails for the missing ones', async () => {
    const ctx = testContext({ datastore: await seeded() });
    expect(await get.run!(args('ippool', ['nope', 'ippool-name1'], 'name'), ctx)).toBe(1);
    expect(ctx.stdout()).toBe('ippool/ippool-name1\n');
    expect(ctx.stderr()).toBe('resource does not exist: IPPool(nope) with error: <nil>\n');
  });

  it('prints nothing but the errors when no named pool exists', async () => {
    const ctx = testContext({ datastore: await seeded() });
    expect(await get.run!(args('ippool', ['nope'], 'json'), ctx)).toBe(1);
    expect(ctx.stdout()).toBe('');
    expect(ctx.stderr()).toBe('resource does not exist: IPPool(nope) with error: <nil>\n');
  });

  it('an unknown -o lists the formats; an unknown kind is not supported (exit 2)', async () => {
    await expect(failure(get.run!(args('ippools', [], 'xml'), testContext()))).resolves.toMatchObject({
      exitCode: 2,
      message: "unrecognized output format 'xml'",
      hint: 'use one of: table, wide, yaml, json, name, custom-columns=HEADING,...',
    });
    await expect(failure(get.run!(args('nodes'), testContext()))).resolves.toMatchObject({ exitCode: 2, message: "resource type 'nodes' is not supported" });
  });
});
