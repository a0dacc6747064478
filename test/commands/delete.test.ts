import { describe, expect, it } from 'vitest';
import create from '../../src/commands/create.js';
import del from '../../src/commands/delete.js';
import { openMemoryDatastore } from '../../src/datastore/memory.js';
import { testContext } from './context.js';
import { failure } from '../support/failure.js';

const fileArgs = { filename: ['-'], recursive: false, skipEmpty: false, skipNotExists: false, force: false, dryRun: false };
const nameArgs = (resource: string, ...names: string[]) => ({ resource, names, recursive: false, skipEmpty: false, skipNotExists: false, force: false, dryRun: false });
const pool = (name: string, cidr: string, meta = ''): string =>
  `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${name}\n${meta}spec:\n  cidr: ${cidr}\n`;

async function seeded() {
  const ds = openMemoryDatastore();
  const stdin = [pool('a', '10.1.0.0/16'), pool('b', '10.2.0.0/16'), pool('c', '10.3.0.0/16')].join('---\n');
  await create.run!({ ...fileArgs, skipExists: false, dryRun: false }, testContext({ datastore: ds, stdin }));
  return ds;
}

describe('delete', () => {
  it('deletes by name with any kind alias', async () => {
    const ds = await seeded();
    const ctx = testContext({ datastore: ds });
    expect(await del.run!(nameArgs('IPPools', 'a', 'b'), ctx)).toBe(0);
    expect(ctx.stdout()).toBe("Successfully deleted 2 'IPPool' resource(s)\n");
    expect((await ds.list()).items.map((p) => p.metadata.name)).toEqual(['c']);
  });

  it('accepts KIND/NAME words, as -o name prints them', async () => {
    const ds = await seeded();
    const ctx = testContext({ datastore: ds });
    expect(await del.run!(nameArgs('ippool/a', 'pool/c'), ctx)).toBe(0);
    expect((await ds.list()).items.map((p) => p.metadata.name)).toEqual(['b']);
  });

  it('a missing pool fails; the others are deleted; --skip-not-exists skips it', async () => {
    const ds = await seeded();
    const ctx = testContext({ datastore: ds });
    expect(await del.run!(nameArgs('ippool', 'a', 'nope'), ctx)).toBe(1);
    expect(ctx.stdout()).toBe("Partial success: deleted 1 out of 2 'IPPool' resource(s):\n  ippool/a deleted\n");
    expect(ctx.stderr()).toBe("Failed to delete 'IPPool' resource: resource does not exist: IPPool(nope) with error: <nil>\n");
    const skip = testContext({ datastore: ds });
    expect(await del.run!({ ...nameArgs('ippool', 'b', 'nope'), skipNotExists: true }, skip)).toBe(0);
    expect(skip.stdout()).toBe("ippool/nope skipped (does not exist)\nSuccessfully deleted 2 'IPPool' resource(s)\n");
  });

  it('-f uses the names, and a resourceVersion as precondition', async () => {
    const ds = await seeded();
    const rv = (await ds.get('a')).metadata.resourceVersion;
    const stale = testContext({ datastore: ds, stdin: pool('a', '10.1.0.0/16', `  resourceVersion: "${Number(rv) + 9}"\n`) });
    expect(await del.run!(fileArgs, stale)).toBe(1);
    expect(stale.stderr()).toBe("Failed to delete 'IPPool' resource: update conflict: IPPool(a)\n");
    const ok = testContext({ datastore: ds, stdin: [pool('a', '10.1.0.0/16', `  resourceVersion: "${rv}"\n`), pool('b', '10.9.9.0/24')].join('---\n') });
    expect(await del.run!(fileArgs, ok)).toBe(0);
    expect((await ds.list()).items.map((p) => p.metadata.name)).toEqual(['c']);
  });

  it('an unknown kind is a usage error naming it', async () => {
    const ctx = testContext();
    await expect(failure(del.run!(nameArgs('bgppeer', 'x'), ctx))).resolves.toMatchObject({ exitCode: 2, message: "resource type 'bgppeer' is not supported" });
  });

  it('names and -f together, or neither, are usage errors', async () => {
    await expect(failure(del.run!({ ...nameArgs('ippool', 'a'), filename: ['x.yaml'] }, testContext()))).resolves.toMatchObject({ exitCode: 2 });
    await expect(failure(del.run!({ recursive: false, skipEmpty: false, skipNotExists: false, force: false, dryRun: false }, testContext()))).resolves.toMatchObject({ exitCode: 2 });
    await expect(failure(del.run!(nameArgs('ippool'), testContext()))).resolves.toMatchObject({ exitCode: 2 });
  });

  it("delete -f takes kubectl's output: the pools named in the CRD form, its cluster resourceVersion ignored", async () => {
    const ds = await seeded();
    const crd = (name: string): string => `- apiVersion: crd.projectcalico.org/v1\n  kind: IPPool\n  metadata:\n    name: ${name}\n    resourceVersion: "424242"\n  spec:\n    cidr: 10.9.0.0/16\n`;
    const ctx = testContext({ datastore: ds, stdin: `apiVersion: v1\nkind: List\nitems:\n${crd('a')}${crd('c')}metadata:\n  resourceVersion: ""\n` });
    expect(await del.run!(fileArgs, ctx)).toBe(0);
    expect(ctx.stdout()).toBe("Successfully deleted 2 'IPPool' resource(s)\n");
    expect((await ds.list()).items.map((p) => p.metadata.name)).toEqual(['b']);
  });
});

