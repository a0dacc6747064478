import { describe, expect, it } from 'vitest';
import create from '../../src/commands/create.js';
import { openMemoryDatastore } from '../../src/datastore/memory.js';
import { testContext } from './context.js';
import { failure } from '../support/failure.js';

const args = (over: Record<string, unknown> = {}) => ({ filename: ['-'], recursive: false, skipEmpty: false, skipExists: false, dryRun: false, ...over });

const TWO = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: p1
spec:
  cidr: 10.1.0.0/16
  natOutgoing: true
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: p2
spec:
  cidr: 10.2.0.0/16
`;

describe('create', () => {
  it('creates every pool and says so as calicoctl does', async () => {
    const ctx = testContext({ stdin: TWO });
    expect(await create.run!(args(), ctx)).toBe(0);
    expect(ctx.stdout()).toBe("Successfully created 2 'IPPool' resource(s)\n");
    expect(ctx.stderr()).toBe('');
    const pools = (await ctx.datastore.list()).items;
    expect(pools.map((p) => [p.metadata.name, p.spec.cidr, p.spec.blockSize, p.spec.nodeSelector])).toEqual([
      ['p1', '10.1.0.0/16', 26, 'all()'],
      ['p2', '10.2.0.0/16', 26, 'all()'],
    ]);
  });

  it('fails for an existing pool with Calico text, and reports the partial success', async () => {
    const ds = openMemoryDatastore();
    await create.run!(args(), testContext({ stdin: TWO.split('---')[0], datastore: ds }));
    const ctx = testContext({ stdin: TWO, datastore: ds });
    expect(await create.run!(args(), ctx)).toBe(1);
    expect(ctx.stdout()).toBe("Partial success: created 1 out of 2 'IPPool' resource(s):\n  ippool/p2 created\n");
    expect(ctx.stderr()).toBe("Failed to create 'IPPool' resource: resource already exists: IPPool(p1)\n");
  });

  it('--skip-exists skips existing pools and counts them as handled', async () => {
    const ds = openMemoryDatastore();
    await create.run!(args(), testContext({ stdin: TWO.split('---')[0], datastore: ds }));
    const ctx = testContext({ stdin: TWO, datastore: ds });
    expect(await create.run!(args({ skipExists: true }), ctx)).toBe(0);
    expect(ctx.stdout()).toBe("ippool/p1 skipped (already exists)\nSuccessfully created 2 'IPPool' resource(s)\n");
  });

  it('--skip-exists does not skip an existing pool whose new spec is invalid', async () => {
    const ds = openMemoryDatastore();
    await create.run!(args(), testContext({ stdin: TWO.split('---')[0], datastore: ds }));
    const ctx = testContext({ stdin: TWO.split('---')[0]!.replace('10.1.0.0/16', '10.1.0.1/16'), datastore: ds });
    expect(await create.run!(args({ skipExists: true }), ctx)).toBe(1);
    expect(ctx.stderr()).toContain("error with field IPPool.Spec.CIDR = '10.1.0.0/16' (IPPool CIDR is not strictly masked)");
  });

  it('rejects a pool overlapping one created earlier in the same file', async () => {
    const ctx = testContext({ stdin: `${TWO}---\napiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p3}\nspec: {cidr: 10.1.128.0/17}\n` });
    expect(await create.run!(args(), ctx)).toBe(1);
    expect(ctx.stderr()).toContain(
      "Failed to create 'IPPool' resource: error with field IPPool.Spec.CIDR = '10.1.128.0/17' (IPPool(p3) CIDR overlaps with IPPool(p1) CIDR 10.1.0.0/16)\n",
    );
    expect(ctx.stderr()).toMatch(/<stdin>:\d+:\d+: error POOL_OVERLAP: /);
    expect((await ctx.datastore.list()).items.map((p) => p.metadata.name)).toEqual(['p1', 'p2']);
  });

  it('a rule violation names Calico field, value and reason and points at the line', async () => {
    const ctx = testContext({ stdin: TWO.replace('10.2.0.0/16', '10.2.0.0/30') });
    expect(await create.run!(args(), ctx)).toBe(1);
    const lines = ctx.stderr().split('\n');
    expect(lines[0]).toBe(
      "Failed to create 'IPPool' resource: error with field IPPool.Spec.CIDR = '10.2.0.0/30' (IP pool size is too small for use with Calico IPAM. It must be equal to or greater than the block size.)",
    );
    expect(lines[1]).toBe('<stdin>:14:9: error POOL_TOO_SMALL: IP pool size is too small for use with Calico IPAM. It must be equal to or greater than the block size.');
    expect(lines[2]).toContain('cidr: 10.2.0.0/30');
    expect(lines[3]!.indexOf('^')).toBe(lines[2]!.indexOf('10.2.0.0/30'));
  });

  it('input errors (unknown field, wrong type) stop the command before anything is written', async () => {
    const ctx = testContext({ stdin: `${TWO}---\napiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p3}\nspec: {cidr: 10.3.0.0/16, disabled: "True", colour: red}\n` });
    expect(await create.run!(args(), ctx)).toBe(1);
    expect(ctx.stdout()).toBe('');
    expect(ctx.stderr()).toContain('<stdin>:19:45: error FIELD_UNKNOWN: field in document is not recognized or is in the wrong location: colour');
    expect(ctx.stderr()).toContain("<stdin>:19:37: error TYPE_MISMATCH: cannot parse string 'True' into field IPPoolSpec.disabled of type bool");
    expect(ctx.stderr()).toContain("Failed to create any 'IPPool' resources:");
    expect(ctx.stderr()).toContain('nothing was written');
    expect((await ctx.datastore.list()).items).toEqual([]);
  });

  it('--dry-run checks against the store and writes nothing', async () => {
    const ctx = testContext({ stdin: TWO });
    expect(await create.run!(args({ dryRun: true }), ctx)).toBe(0);
    expect(ctx.stdout()).toBe(
      "ippool/p1 created (dry run)\nippool/p2 created (dry run)\nDry run: 2 'IPPool' resource(s) would be created; nothing was written\n",
    );
    expect((await ctx.datastore.list()).items).toEqual([]);
  });

  it('an input without resources fails, or succeeds with --skip-empty', async () => {
    const ctx = testContext({ stdin: '# nothing here\n' });
    expect(await create.run!(args(), ctx)).toBe(1);
    expect(ctx.stderr()).toContain("Failed to create any 'IPPool' resources: no resources specified");
    const ok = testContext({ stdin: '' });
    expect(await create.run!(args({ skipEmpty: true }), ok)).toBe(0);
    expect(ok.stdout()).toBe('No resources specified\n');
  });

  it('other kinds are reported as skipped, never silently dropped', async () => {
    const ctx = testContext({ stdin: `${TWO}---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: peer}\nspec: {}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n` });
    expect(await create.run!(args(), ctx)).toBe(0);
    expect(ctx.stderr()).toContain('warning KIND_NOT_HANDLED: poolctl does not handle BGPPeer; `calicoctl create` would create it');
    expect(ctx.stderr()).toContain('info KIND_SKIPPED: skipped ConfigMap (v1): not a Calico resource');
    expect(ctx.stdout()).toBe("Successfully created 2 'IPPool' resource(s)\n");
  });

  it('a Calico-looking document calicoctl cannot load stops the command (Calico API v1, a kind slip)', async () => {
    for (const doc of ['apiVersion: v1\nkind: ipPool\nmetadata: {cidr: 10.9.0.0/16}\n', 'apiVersion: projectcalico.org/v3\nkind: ippool\nmetadata: {name: slip}\nspec: {cidr: 10.9.0.0/16}\n']) {
      const ctx = testContext({ stdin: `${TWO}---\n${doc}` });
      expect(await create.run!(args(), ctx)).toBe(1);
      expect(ctx.stderr()).toMatch(/error KIND_UNKNOWN: unknown resource type \((ipPool|ippool)\) and\/or version/);
      expect(ctx.stderr()).toContain('nothing was written');
      expect((await ctx.datastore.list()).items).toEqual([]);
    }
  });

  it('warns about a disabled pool that still NATs, and creates it', async () => {
    const ctx = testContext({ stdin: TWO.replace('natOutgoing: true', 'natOutgoing: true\n  disabled: true') });
    expect(await create.run!(args(), ctx)).toBe(0);
    expect(ctx.stderr()).toMatch(/warning DISABLED_NAT_POOL/);
  });

  it('a resourceVersion in the file is refused for create (Calico)', async () => {
    const ctx = testContext({ stdin: TWO.replace('name: p1', 'name: p1\n  resourceVersion: "7"') });
    expect(await create.run!(args(), ctx)).toBe(1);
    expect(ctx.stderr()).toContain("error with field Metadata.ResourceVersion = '7' (field must not be set for a Create request)");
  });

  it('needs -f', async () => {
    const ctx = testContext();
    await expect(failure(create.run!(args({ filename: undefined }), ctx))).resolves.toMatchObject({ exitCode: 2 });
  });
});
