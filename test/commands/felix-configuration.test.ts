import { describe, expect, it } from 'vitest';
import apply from '../../src/commands/apply.js';
import create from '../../src/commands/create.js';
import del from '../../src/commands/delete.js';
import get from '../../src/commands/get.js';
import replace from '../../src/commands/replace.js';
import validate from '../../src/commands/validate.js';
import { openMemoryDatastore } from '../../src/datastore/memory.js';
import { testContext } from './context.js';

// FelixConfiguration through every resource command (issue 11 item 1), on the memory store;
// the backends' own round trips are in test/datastore/contract.ts and etcd.etcd.test.ts.

const fileArgs = { filename: ['-'], recursive: false, skipEmpty: false, skipExists: false, dryRun: false };
const felix = (name: string, spec: string): string => `apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
const pool = (name: string, cidr: string): string => `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${name}\nspec:\n  cidr: ${cidr}\n`;

describe('FelixConfiguration as a resource kind', () => {
  it('create, get (table, yaml, name), apply, replace and delete', async () => {
    const ds = openMemoryDatastore();
    const c = testContext({ datastore: ds, stdin: felix('default', '  natOutgoingAddress: 192.0.2.1\n  natPortRange: 32768:40000\n') });
    expect(await create.run!(fileArgs, c)).toBe(0);
    expect(c.stdout()).toBe("Successfully created 1 'FelixConfiguration' resource(s)\n");
    const stored = await ds.resources('felixconfigurations').get('default');
    // clientv3's defaults are stored with it
    expect(stored.spec).toEqual({
      natPortRange: '32768:40000',
      natOutgoingAddress: '192.0.2.1',
      bpfConnectTimeLoadBalancing: 'TCP',
      bpfHostNetworkedNATWithoutCTLB: 'Enabled',
      floatingIPs: 'Disabled',
    });

    const g = testContext({ datastore: ds });
    expect(await get.run!({ resource: 'felixconfigs', names: [], output: 'table', export: false, crd: false }, g)).toBe(0);
    expect(g.stdout()).toBe('NAME      \ndefault   \n\n');
    const y = testContext({ datastore: ds });
    expect(await get.run!({ resource: 'FelixConfiguration', names: ['default'], output: 'yaml', export: true, crd: false }, y)).toBe(0);
    expect(y.stdout()).toContain('kind: FelixConfiguration\n');
    expect(y.stdout()).toContain('natOutgoingAddress: 192.0.2.1\n');
    const n = testContext({ datastore: ds });
    expect(await get.run!({ resource: 'felixconfiguration', names: [], output: 'name', export: false, crd: false }, n)).toBe(0);
    expect(n.stdout()).toBe('felixconfiguration/default\n');
    const j = testContext({ datastore: ds });
    expect(await get.run!({ resource: 'felixconfig', names: [], output: 'json', export: false, crd: false }, j)).toBe(0);
    expect(JSON.parse(j.stdout())).toMatchObject({ kind: 'FelixConfigurationList', items: [{ metadata: { name: 'default' } }] });

    // apply: a pool and two FelixConfigurations in one manifest
    const a = testContext({
      datastore: ds,
      stdin: [felix('default', '  natOutgoingAddress: 192.0.2.1\n  natPortRange: 32768:40000\n'), felix('node.worker-1', '  natOutgoingAddress: 192.0.2.7\n'), pool('p', '10.1.0.0/16')].join('---\n'),
    });
    expect(await apply.run!(fileArgs, a)).toBe(0);
    expect(a.stdout()).toBe('felixconfiguration/default unchanged\nfelixconfiguration/node.worker-1 created\nippool/p created\nSuccessfully applied 3 resource(s)\n');

    const r = testContext({ datastore: ds, stdin: felix('node.worker-1', '  natOutgoingAddress: 192.0.2.8\n') });
    expect(await replace.run!(fileArgs, r)).toBe(0);
    expect((await ds.resources('felixconfigurations').get('node.worker-1')).spec.natOutgoingAddress).toBe('192.0.2.8');
    const missing = testContext({ datastore: ds, stdin: felix('node.gone', '  natOutgoingAddress: 192.0.2.8\n') });
    expect(await replace.run!(fileArgs, missing)).toBe(1);
    expect(missing.stderr()).toContain("Failed to replace 'FelixConfiguration' resource: resource does not exist: FelixConfiguration(node.gone) with error: <nil>");

    const d = testContext({ datastore: ds });
    expect(await del.run!({ resource: 'felixconfig', names: ['node.worker-1'], filename: [], recursive: false, skipNotExists: false, skipEmpty: false, force: false, dryRun: false }, d)).toBe(0);
    expect(d.stdout()).toBe("Successfully deleted 1 'FelixConfiguration' resource(s)\n");
    expect((await ds.resources('felixconfigurations').list()).map((x) => x.metadata.name)).toEqual(['default']);
    expect((await ds.list()).items.map((x) => x.metadata.name)).toEqual(['p']);
  });

  it("an unknown field fails the whole command before anything is written; Calico's validator fails the resource", async () => {
    const ds = openMemoryDatastore();
    const bad = testContext({ datastore: ds, stdin: [pool('p', '10.1.0.0/16'), felix('default', '  natOutgoingAdress: 192.0.2.1\n')].join('---\n') });
    expect(await create.run!(fileArgs, bad)).toBe(1);
    expect(bad.stderr()).toContain('field in document is not recognized or is in the wrong location: natOutgoingAdress');
    expect(bad.stderr()).toContain('nothing was written');
    expect((await ds.list()).items).toEqual([]);

    const invalid = testContext({ datastore: ds, stdin: felix('default', '  natOutgoingAddress: 2001:db8::1\n') });
    expect(await create.run!(fileArgs, invalid)).toBe(1);
    expect(invalid.stderr()).toContain(
      "Failed to create 'FelixConfiguration' resource: error with field NATOutgoingAddress = '2001:db8::1' (is not a valid IPv4 address)",
    );
  });

  it('validate judges FelixConfigurations with the decoder and the validator, positioned', async () => {
    const v = testContext({ stdin: [felix('default', '  natPortRange: "0:10"\n'), felix('node.a', '  bpfEnabled: true\n')].join('---\n') });
    expect(await validate.run!({ filename: ['-'], recursive: false, output: 'json', againstStore: false, op: 'create' }, v)).toBe(1);
    const report = JSON.parse(v.stdout());
    expect(report.results.map((r: { kind: string; name: string; status: string }) => [r.kind, r.name, r.status])).toEqual([
      ['FelixConfiguration', 'default', 'invalid'],
      ['FelixConfiguration', 'node.a', 'valid'],
    ]);
    expect(report.results[0].diagnostics[0]).toMatchObject({ message: 'port range invalid, port number must be between 1 and 65535', line: 6 });
  });

  it('a second FelixConfiguration of a name in one input is DUPLICATE_NAME for create and validate, as a second IPPool is', async () => {
    const twice = [felix('default', '  natPortRange: 32768:40000\n'), felix('default', '  natPortRange: 32768:50000\n')].join('---\n');
    const pools = [pool('p', '10.1.0.0/16'), pool('p', '10.2.0.0/16')].join('---\n');
    const v = testContext({ stdin: twice });
    expect(await validate.run!({ filename: ['-'], recursive: false, output: 'json', againstStore: false, op: 'create' }, v)).toBe(1);
    const fr = JSON.parse(v.stdout()).results;
    const vp = testContext({ stdin: pools });
    expect(await validate.run!({ filename: ['-'], recursive: false, output: 'json', againstStore: false, op: 'create' }, vp)).toBe(1);
    const pr = JSON.parse(vp.stdout()).results;
    expect(fr.map((r: { status: string }) => r.status)).toEqual(['valid', 'invalid']);
    expect(pr.map((r: { status: string }) => r.status)).toEqual(['valid', 'invalid']);
    // the same code, text and place as the pool's (the later document's name)
    expect(fr[1].diagnostics).toMatchObject([{ code: 'DUPLICATE_NAME', message: 'resource already exists: FelixConfiguration(default)', line: 11, column: 9 }]);
    expect(pr[1].diagnostics).toMatchObject([{ code: 'DUPLICATE_NAME', message: 'resource already exists: IPPool(p)', line: 11, column: 9 }]);
    // apply takes the later one as an update of the earlier, as for pools
    const va = testContext({ stdin: twice });
    expect(await validate.run!({ filename: ['-'], recursive: false, output: 'json', againstStore: false, op: 'apply' }, va)).toBe(0);

    const ds = openMemoryDatastore();
    const c = testContext({ datastore: ds, stdin: twice });
    expect(await create.run!(fileArgs, c)).toBe(1);
    const cp = testContext({ datastore: ds, stdin: pools });
    expect(await create.run!(fileArgs, cp)).toBe(1);
    expect(c.stderr()).toContain('resource already exists: FelixConfiguration(default)');
    expect(cp.stderr()).toContain('resource already exists: IPPool(p)');
    expect(c.stderr().replaceAll('FelixConfiguration(default)', 'X').replaceAll("'FelixConfiguration'", 'K').replaceAll('a FelixConfiguration', 'a pool')).toBe(
      cp.stderr().replaceAll('IPPool(p)', 'X').replaceAll("'IPPool'", 'K'),
    );
    // the first was written, the second not
    expect((await ds.resources('felixconfigurations').get('default')).spec.natPortRange).toBe('32768:40000');
    const skip = testContext({ datastore: openMemoryDatastore(), stdin: twice });
    expect(await create.run!({ ...fileArgs, skipExists: true }, skip)).toBe(0);

    const a = testContext({ datastore: openMemoryDatastore(), stdin: twice });
    expect(await apply.run!(fileArgs, a)).toBe(0);
    expect(a.stdout()).toBe("felixconfiguration/default created\nfelixconfiguration/default configured\nSuccessfully applied 2 'FelixConfiguration' resource(s)\n");
  });

  it("kind: FelixConfigurationList is read as calicoctl reads it: its items, strictly; `get -o yaml` output applies back unchanged", async () => {
    const ds = openMemoryDatastore();
    const c = testContext({ datastore: ds, stdin: [felix('default', '  natPortRange: 32768:40000\n'), felix('node.a', '  natOutgoingAddress: 192.0.2.7\n')].join('---\n') });
    expect(await create.run!(fileArgs, c)).toBe(0);
    const y = testContext({ datastore: ds });
    expect(await get.run!({ resource: 'felixconfigurations', names: [], output: 'yaml', export: false, crd: false }, y)).toBe(0);
    expect(y.stdout()).toContain('kind: FelixConfigurationList\n');
    const a = testContext({ datastore: ds, stdin: y.stdout() });
    expect(await apply.run!(fileArgs, a)).toBe(0);
    expect(a.stdout()).toBe("felixconfiguration/default unchanged\nfelixconfiguration/node.a unchanged\nSuccessfully applied 2 'FelixConfiguration' resource(s)\n");

    const list = (items: string, extra = ''): string => `apiVersion: projectcalico.org/v3\nkind: FelixConfigurationList\n${extra}items:\n${items}`;
    const item = (kind: string, name: string): string => `- apiVersion: projectcalico.org/v3\n  kind: ${kind}\n  metadata:\n    name: ${name}\n  spec:\n    natPortRange: 32768:40000\n`;
    const v = testContext({ stdin: list(item('FelixConfiguration', 'node.b') + item('FelixConfiguration', 'node.b')) });
    expect(await validate.run!({ filename: ['-'], recursive: false, output: 'json', againstStore: false, op: 'create' }, v)).toBe(1);
    const results = JSON.parse(v.stdout()).results;
    expect(results.map((r: { name: string; status: string }) => [r.name, r.status])).toEqual([
      ['node.b', 'valid'],
      ['node.b', 'invalid'],
    ]);
    expect(results[1].diagnostics).toMatchObject([{ code: 'DUPLICATE_NAME', line: 13, column: 11 }]);
    // a FelixConfigurationList holds FelixConfigurations only, as an IPPoolList holds IPPools
    const mixed = testContext({ stdin: list(item('IPPool', 'p')) });
    expect(await validate.run!({ filename: ['-'], recursive: false, output: 'json', againstStore: false, op: 'create' }, mixed)).toBe(1);
    expect(JSON.parse(mixed.stdout()).results[0].diagnostics).toMatchObject([
      { code: 'KIND_UNKNOWN', message: 'unknown resource type (IPPool) and/or version (projectcalico.org/v3)', hint: 'a FelixConfigurationList holds FelixConfigurations (apiVersion projectcalico.org/v3)' },
    ]);
    // the envelope is decoded strictly (v3.FelixConfigurationList)
    const env = testContext({ stdin: list(item('FelixConfiguration', 'node.c'), 'metdata: {}\n') });
    expect(await validate.run!({ filename: ['-'], recursive: false, output: 'json', againstStore: false, op: 'create' }, env)).toBe(1);
    expect(v.stderr() + JSON.stringify(JSON.parse(env.stdout()))).toContain('field in document is not recognized or is in the wrong location: metdata');
  });

  it('get of an unknown kind names the kinds poolctl handles', async () => {
    await expect(get.run!({ resource: 'bgppeers', names: [], output: 'table', export: false, crd: false }, testContext())).rejects.toThrow("resource type 'bgppeers' is not supported");
  });
});
