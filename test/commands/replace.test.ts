import { describe, expect, it } from 'vitest';
import create from '../../src/commands/create.js';
import replace from '../../src/commands/replace.js';
import { openMemoryDatastore } from '../../src/datastore/memory.js';
import { testContext } from './context.js';

const args = { filename: ['-'], recursive: false, skipEmpty: false, dryRun: false };
const pool = (name: string, spec: string, meta = ''): string =>
  `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${name}\n${meta}spec:\n${spec}`;

async function seeded() {
  const ds = openMemoryDatastore();
  await create.run!({ ...args, skipExists: false, dryRun: false }, testContext({ datastore: ds, stdin: [pool('a', '  cidr: 10.1.0.0/16\n'), pool('b', '  cidr: 10.2.0.0/16\n')].join('---\n') }));
  return ds;
}

describe('replace', () => {
  it('replaces existing pools, keeping uid and creationTimestamp', async () => {
    const ds = await seeded();
    const a = await ds.get('a');
    const ctx = testContext({ datastore: ds, stdin: pool('a', '  cidr: 10.1.0.0/16\n  natOutgoing: true\n') });
    expect(await replace.run!(args, ctx)).toBe(0);
    expect(ctx.stdout()).toBe("Successfully replaced 1 'IPPool' resource(s)\n");
    const b = await ds.get('a');
    expect(b.spec.natOutgoing).toBe(true);
    expect(b.metadata.uid).toBe(a.metadata.uid);
    expect(BigInt(b.metadata.resourceVersion)).toBeGreaterThan(BigInt(a.metadata.resourceVersion));
  });

  it('fails for a missing pool with Calico text', async () => {
    const ds = await seeded();
    const ctx = testContext({ datastore: ds, stdin: [pool('a', '  cidr: 10.1.0.0/16\n'), pool('zz', '  cidr: 10.9.0.0/16\n')].join('---\n') });
    expect(await replace.run!(args, ctx)).toBe(1);
    expect(ctx.stdout()).toBe("Partial success: replaced 1 out of 2 'IPPool' resource(s):\n  ippool/a replaced\n");
    expect(ctx.stderr()).toBe("Failed to replace 'IPPool' resource: resource does not exist: IPPool(zz) with error: <nil>\n");
  });

  it('a resourceVersion in the file is a precondition: stale is an update conflict', async () => {
    const ds = await seeded();
    const rv = (await ds.get('a')).metadata.resourceVersion;
    await ds.update({ ...(await ds.get('a')), spec: { ...(await ds.get('a')).spec, disabled: true } });
    const ctx = testContext({ datastore: ds, stdin: pool('a', '  cidr: 10.1.0.0/16\n', `  resourceVersion: "${rv}"\n`) });
    expect(await replace.run!(args, ctx)).toBe(1);
    expect(ctx.stderr()).toBe("Failed to replace 'IPPool' resource: update conflict: IPPool(a)\n");
    expect((await ds.get('a')).spec.disabled).toBe(true);
  });

  it('immutable fields fail with Calico text', async () => {
    const ds = await seeded();
    const ctx = testContext({ datastore: ds, stdin: pool('a', '  cidr: 10.1.0.0/16\n  blockSize: 28\n') });
    expect(await replace.run!(args, ctx)).toBe(1);
    expect(ctx.stderr()).toContain("Failed to replace 'IPPool' resource: error with field IPPool.Spec.BlockSize = '28' (IPPool BlockSize cannot be modified)");
  });

  it("replaces with the kubectl form: Calico's reading of it, its cluster resourceVersion no precondition", async () => {
    const ds = await seeded();
    const a = await ds.get('a');
    const crd = `apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata:\n  name: a\n  resourceVersion: "1"\n  annotations:\n    projectcalico.org/metadata: '{"labels":{"zone":"z1"}}'\nspec:\n  cidr: 10.1.0.0/16\n  disabled: true\n`;
    const ctx = testContext({ datastore: ds, stdin: crd });
    expect(await replace.run!(args, ctx)).toBe(0);
    const b = await ds.get('a');
    expect(b.spec.disabled).toBe(true);
    expect(b.metadata.labels).toEqual({ zone: 'z1' });
    expect(b.metadata.uid).toBe(a.metadata.uid);
  });
});

