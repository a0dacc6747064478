import { describe, expect, it } from 'vitest';
import apply from '../../src/commands/apply.js';
import { openMemoryDatastore } from '../../src/datastore/memory.js';
import { testContext } from './context.js';

const args = { filename: ['-'], recursive: false, skipEmpty: false, dryRun: false };
const pool = (name: string, spec: string): string => `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

describe('apply', () => {
  it('reports created, configured and unchanged per resource', async () => {
    const ds = openMemoryDatastore();
    const first = testContext({ datastore: ds, stdin: [pool('a', '  cidr: 10.1.0.0/16\n'), pool('b', '  cidr: 10.2.0.0/16\n')].join('---\n') });
    expect(await apply.run!(args, first)).toBe(0);
    expect(first.stdout()).toBe("ippool/a created\nippool/b created\nSuccessfully applied 2 'IPPool' resource(s)\n");
    const before = await ds.get('a');
    const second = testContext({
      datastore: ds,
      stdin: [pool('a', '  cidr: 10.1.0.0/16\n'), pool('b', '  cidr: 10.2.0.0/16\n  natOutgoing: true\n'), pool('c', '  cidr: 10.3.0.0/16\n')].join('---\n'),
    });
    expect(await apply.run!(args, second)).toBe(0);
    expect(second.stdout()).toBe("ippool/a unchanged\nippool/b configured\nippool/c created\nSuccessfully applied 3 'IPPool' resource(s)\n");
    expect(await ds.get('a')).toEqual(before);
    const b = await ds.get('b');
    expect(b.spec.natOutgoing).toBe(true);
  });

  it('an update keeps uid and creationTimestamp and takes the labels given', async () => {
    const ds = openMemoryDatastore();
    await apply.run!(args, testContext({ datastore: ds, stdin: pool('a', '  cidr: 10.1.0.0/16\n') }));
    const a = await ds.get('a');
    await apply.run!(args, testContext({ datastore: ds, stdin: pool('a', '  cidr: 10.1.0.0/16\n').replace('name: a', 'name: a\n  labels: {team: net}') }));
    const b = await ds.get('a');
    expect(b.metadata.uid).toBe(a.metadata.uid);
    expect(b.metadata.creationTimestamp).toBe(a.metadata.creationTimestamp);
    expect(b.metadata.labels).toEqual({ team: 'net' });
  });

  it('a changed CIDR overlapping another pool fails with the overlap (Create is tried first, as calicoctl)', async () => {
    const ds = openMemoryDatastore();
    await apply.run!(args, testContext({ datastore: ds, stdin: [pool('a', '  cidr: 10.1.0.0/16\n'), pool('b', '  cidr: 10.2.0.0/16\n')].join('---\n') }));
    const ctx = testContext({ datastore: ds, stdin: pool('a', '  cidr: 10.2.0.0/24\n') });
    expect(await apply.run!(args, ctx)).toBe(1);
    expect(ctx.stderr()).toContain("Failed to apply 'IPPool' resource: error with field IPPool.Spec.CIDR = '10.2.0.0/24' (IPPool(a) CIDR overlaps with IPPool(b) CIDR 10.2.0.0/16)");
  });

  it('a changed CIDR overlapping nothing fails as immutable', async () => {
    const ds = openMemoryDatastore();
    await apply.run!(args, testContext({ datastore: ds, stdin: pool('a', '  cidr: 10.1.0.0/16\n') }));
    const ctx = testContext({ datastore: ds, stdin: pool('a', '  cidr: 10.9.0.0/16\n') });
    expect(await apply.run!(args, ctx)).toBe(1);
    expect(ctx.stderr()).toContain("Failed to apply 'IPPool' resource: error with field IPPool.Spec.CIDR = '10.9.0.0/16' (IPPool CIDR cannot be modified)");
  });

  it('a stale resourceVersion in the file is a conflict; the current one applies', async () => {
    const ds = openMemoryDatastore();
    await apply.run!(args, testContext({ datastore: ds, stdin: pool('a', '  cidr: 10.1.0.0/16\n') }));
    const rv = (await ds.get('a')).metadata.resourceVersion;
    const stale = testContext({ datastore: ds, stdin: pool('a', '  cidr: 10.1.0.0/16\n  disabled: true\n').replace('name: a', `name: a\n  resourceVersion: "${Number(rv) + 5}"`) });
    expect(await apply.run!(args, stale)).toBe(1);
    expect(stale.stderr()).toBe("Failed to apply 'IPPool' resource: update conflict: IPPool(a)\n");
    const current = testContext({ datastore: ds, stdin: pool('a', '  cidr: 10.1.0.0/16\n  disabled: true\n').replace('name: a', `name: a\n  resourceVersion: "${rv}"`) });
    expect(await apply.run!(args, current)).toBe(0);
    expect(current.stdout()).toContain('ippool/a configured');
  });

  it('the same pool twice in one input: created, then configured', async () => {
    const ctx = testContext({ stdin: [pool('a', '  cidr: 10.1.0.0/16\n'), pool('a', '  cidr: 10.1.0.0/16\n  natOutgoing: true\n')].join('---\n') });
    expect(await apply.run!(args, ctx)).toBe(0);
    expect(ctx.stdout()).toBe("ippool/a created\nippool/a configured\nSuccessfully applied 2 'IPPool' resource(s)\n");
    expect((await ctx.datastore.get('a')).spec.natOutgoing).toBe(true);
  });

  it("is idempotent for a manifest that spells out defaults and empty values (Calico's own sample: disabled: false)", async () => {
    const ds = openMemoryDatastore();
    const sample = pool('my.ippool-1', '  cidr: 10.1.0.0/16\n  ipipMode: CrossSubnet\n  natOutgoing: true\n  disabled: false\n  nodeSelector: all()\n  blockSize: 26\n  allowedUses: [Workload, Tunnel]\n  vxlanMode: Never\n  assignmentMode: Automatic\n');
    expect(await apply.run!(args, testContext({ datastore: ds, stdin: sample }))).toBe(0);
    const before = await ds.get('my.ippool-1');
    const again = testContext({ datastore: ds, stdin: sample.replace('name: my.ippool-1', 'name: my.ippool-1\n  labels: {}') });
    expect(await apply.run!(args, again)).toBe(0);
    expect(again.stdout()).toBe("ippool/my.ippool-1 unchanged\nSuccessfully applied 1 'IPPool' resource(s)\n");
    expect(await ds.get('my.ippool-1')).toEqual(before);
    // A real change still writes: the order of allowedUses is part of the pool.
    const changed = testContext({ datastore: ds, stdin: sample.replace('[Workload, Tunnel]', '[Tunnel, Workload]') });
    expect(await apply.run!(args, changed)).toBe(0);
    expect(changed.stdout()).toContain('ippool/my.ippool-1 configured');
  });

  it('applies the kubectl form as the v3 pool Calico reads from it, and again unchanged', async () => {
    const ds = openMemoryDatastore();
    const crd = `apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata:\n  name: k\n  resourceVersion: "999999"\n  uid: 11111111-2222-3333-4444-555555555555\n  annotations:\n    projectcalico.org/metadata: '{"creationTimestamp":null,"labels":{"team":"net"}}'\nspec:\n  cidr: 10.7.0.0/16\n  natOutgoing: true\n`;
    const first = testContext({ datastore: ds, stdin: crd });
    expect(await apply.run!(args, first)).toBe(0);
    const k = await ds.get('k');
    expect(k.metadata.labels).toEqual({ team: 'net' });
    expect(k.metadata.annotations).toBeUndefined();
    expect(k.metadata.uid).not.toBe('11111111-2222-3333-4444-555555555555');
    const second = testContext({ datastore: ds, stdin: crd });
    expect(await apply.run!(args, second)).toBe(0);
    expect(second.stdout()).toContain('ippool/k unchanged');
  });
});
