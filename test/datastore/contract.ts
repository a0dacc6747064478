import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { overlaps, type IPPool } from '../../src/core/index.js';
import type { Datastore, WatchEvent } from '../../src/datastore/datastore.js';
import { AlreadyExistsError, ConflictError, NotFoundError } from '../../src/datastore/errors.js';
import { natPoolOf } from '../../src/datastore/nat-pool.js';
import { mustParsePrefix } from '../support/prefix.js';
import { backendHooks } from '../support/backend-hooks.js';

// One contract for every backend (house style: "one describe.each([memory, file, etcd])"):
// create / get / update / delete with revisions and typed errors, list order, batches, and
// compare-and-swap under concurrency. Each backend runs it from its own file:
// contract.memory.test.ts, contract.file.test.ts, and contract.etcd.test.ts (the etcd project,
// against a real etcd started for the suite).

function pool(name: string, cidr: string, spec: Partial<IPPool['spec']> = {}): IPPool {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr, ...spec } };
}

/** Backend is a datastore the contract runs on: set up once, reset (emptied) before each test. */
export interface Backend {
  readonly name: string;
  readonly skip: string | null;
  setup(): Promise<void>;
  open(): Promise<Datastore>;
  reset(): Promise<void>;
  teardown(): Promise<void>;
}

/** contractSuite runs the datastore contract on each backend (describe.each). */
export function contractSuite(backends: readonly Backend[]): void {
  describe.each(backends)('datastore contract: $name', contract);
}

function contract(backend: Backend): void {
  let ds: Datastore;
  backendHooks(backend);
  beforeEach(async () => {
    ds = await backend.open();
  });
  afterEach(async () => {
    await ds?.close();
  });

  it('create sets resourceVersion, uid and creationTimestamp and get returns the pool', async () => {
    const created = await ds.create(pool('p1', '10.1.0.0/16', { natOutgoing: true }));
    expect(created.metadata.resourceVersion).toMatch(/^[1-9]\d*$/);
    expect(created.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const got = await ds.get('p1');
    expect(got).toEqual(created);
    // Calico's defaults are filled in (clientv3 validateAndSetDefaults / convertIpPoolFromStorage).
    expect(got.spec).toEqual({
      cidr: '10.1.0.0/16',
      vxlanMode: 'Never',
      ipipMode: 'Never',
      natOutgoing: true,
      blockSize: 26,
      nodeSelector: 'all()',
      allowedUses: ['Workload', 'Tunnel'],
      assignmentMode: 'Automatic',
    });
    expect(Object.keys(got.spec)).toEqual(['cidr', 'vxlanMode', 'ipipMode', 'natOutgoing', 'blockSize', 'nodeSelector', 'allowedUses', 'assignmentMode']);
    expect(Object.keys(got)).toEqual(['kind', 'apiVersion', 'metadata', 'spec']);
  });

  it('create of an existing name fails with AlreadyExistsError and changes nothing', async () => {
    const first = await ds.create(pool('p1', '10.1.0.0/16'));
    const e = await ds.create(pool('p1', '10.2.0.0/16')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AlreadyExistsError);
    expect((e as Error).message).toBe('resource already exists: IPPool(p1)');
    expect(await ds.get('p1')).toEqual(first);
  });

  it('get of a missing pool fails with NotFoundError', async () => {
    const e = await ds.get('nope').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NotFoundError);
    expect((e as Error).message).toBe('resource does not exist: IPPool(nope) with error: <nil>');
  });

  it('update with the current resourceVersion writes a new revision and keeps uid and creationTimestamp', async () => {
    const a = await ds.create(pool('p1', '10.1.0.0/16'));
    const b = await ds.update({ ...a, metadata: { ...a.metadata, uid: 'ignored', labels: { team: 'net' } }, spec: { ...a.spec, natOutgoing: true } });
    expect(BigInt(b.metadata.resourceVersion)).toBeGreaterThan(BigInt(a.metadata.resourceVersion));
    expect(b.metadata.uid).toBe(a.metadata.uid);
    expect(b.metadata.creationTimestamp).toBe(a.metadata.creationTimestamp);
    expect(await ds.get('p1')).toEqual(b);
    expect(b.metadata.labels).toEqual({ team: 'net' });
  });

  it('update with a stale resourceVersion fails with ConflictError', async () => {
    const a = await ds.create(pool('p1', '10.1.0.0/16'));
    await ds.update({ ...a, spec: { ...a.spec, disabled: true } });
    const e = await ds.update({ ...a, spec: { ...a.spec, natOutgoing: true } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConflictError);
    expect((e as Error).message).toBe('update conflict: IPPool(p1)');
    expect((await ds.get('p1')).spec.natOutgoing).toBeUndefined();
  });

  it('update of a missing pool fails with NotFoundError', async () => {
    const e = await ds.update({ ...pool('p9', '10.9.0.0/16'), metadata: { name: 'p9', resourceVersion: '5' } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NotFoundError);
  });

  it('delete returns the pool removed; a second delete and a stale resourceVersion fail', async () => {
    const a = await ds.create(pool('p1', '10.1.0.0/16'));
    const b = await ds.create(pool('p2', '10.2.0.0/16'));
    await ds.update({ ...b, spec: { ...b.spec, disabled: true } });
    expect(await ds.delete('p2', b.metadata.resourceVersion).catch((x: unknown) => x)).toBeInstanceOf(ConflictError);
    expect((await ds.delete('p1', a.metadata.resourceVersion)).metadata.name).toBe('p1');
    expect(await ds.delete('p1').catch((x: unknown) => x)).toBeInstanceOf(NotFoundError);
    expect((await ds.delete('p2')).spec.disabled).toBe(true);
    expect((await ds.list()).items).toEqual([]);
  });

  it('list returns pools in name order with a revision at least every resourceVersion', async () => {
    const names = ['b', 'c', 'a', 'a.b', 'a-b'];
    for (const [i, n] of names.entries()) await ds.create(pool(n, `10.${i}.0.0/16`));
    const res = await ds.list();
    expect(res.items.map((p) => p.metadata.name)).toEqual(['a', 'a-b', 'a.b', 'b', 'c']);
    const max = res.items.reduce((m, p) => (BigInt(p.metadata.resourceVersion) > m ? BigInt(p.metadata.resourceVersion) : m), 0n);
    expect(BigInt(res.revision)).toBeGreaterThanOrEqual(max);
  });

  it('resourceVersions only grow, across deletes too', async () => {
    const seen: bigint[] = [];
    const a = await ds.create(pool('p1', '10.1.0.0/16'));
    seen.push(BigInt(a.metadata.resourceVersion));
    await ds.delete('p1');
    const revAfterDelete = BigInt((await ds.list()).revision);
    const b = await ds.create(pool('p1', '10.1.0.0/16'));
    seen.push(BigInt(b.metadata.resourceVersion));
    expect(BigInt(b.metadata.resourceVersion)).toBeGreaterThan(revAfterDelete);
    expect(revAfterDelete).toBeGreaterThan(seen[0]!);
    expect(b.metadata.uid).not.toBe(a.metadata.uid);
  });

  it('batch: one outcome per item, later items see earlier writes, failures do not stop the batch', async () => {
    await ds.create(pool('old', '10.0.0.0/16'));
    const out = await ds.batch(['n1', 'old', 'n1', 'n2'], (txn) => async (name) => {
      const cur = await txn.get(name);
      if (cur) return txn.update({ ...cur, spec: { ...cur.spec, natOutgoing: true } });
      return txn.create(pool(name, name === 'n1' ? '10.1.0.0/16' : '10.2.0.0/16'));
    });
    expect(out.map((o) => o.ok)).toEqual([true, true, true, true]);
    const items = (await ds.list()).items;
    expect(items.map((p) => [p.metadata.name, p.spec.natOutgoing ?? false])).toEqual([
      ['n1', true],
      ['n2', false],
      ['old', true],
    ]);
    for (const o of out) if (o.ok) expect(o.value.metadata.resourceVersion).toMatch(/^\d+$/);
  });

  it('batch: a typed error fails only its item and rolls back nothing else', async () => {
    await ds.create(pool('taken', '10.0.0.0/16'));
    const out = await ds.batch(['a', 'taken', 'b'], (txn) => (name) => txn.create(pool(name, name === 'a' ? '10.1.0.0/16' : '10.2.0.0/16')));
    expect(out[0]!.ok).toBe(true);
    expect(out[1]!.ok).toBe(false);
    expect(!out[1]!.ok && out[1]!.error).toBeInstanceOf(AlreadyExistsError);
    expect(out[2]!.ok).toBe(true);
    expect((await ds.list()).items.map((p) => p.metadata.name)).toEqual(['a', 'b', 'taken']);
  });

  it('batch dryRun runs the steps and writes nothing', async () => {
    const out = await ds.batch(['a', 'b'], (txn) => (name) => txn.create(pool(name, '10.1.0.0/16')), { dryRun: true });
    expect(out.every((o) => o.ok)).toBe(true);
    expect((await ds.list()).items).toEqual([]);
  });

  it('batch commits large batches completely (etcd: several transactions)', async () => {
    const names = Array.from({ length: 300 }, (_, i) => `p${String(i).padStart(3, '0')}`);
    let committed = 0;
    const out = await ds.batch(names, (txn) => (n) => txn.create(pool(n, `10.${Number(n.slice(1)) >> 8}.${Number(n.slice(1)) & 255}.0/24`)), {
      onCommitted: (k) => (committed += k),
    });
    expect(out.every((o) => o.ok)).toBe(true);
    expect(committed).toBe(300);
    const listed = await ds.list();
    expect(listed.items.map((p) => p.metadata.name)).toEqual(names);
  });

  it('natPools is natPoolOf of every pool list returns, in name order, after creates, updates and deletes', async () => {
    expect(await ds.natPools()).toEqual([]);
    await ds.batch(['v6', 'lb', 'plain', 'gone', 'dis'], (txn) => (name) =>
      txn.create(
        name === 'v6'
          ? pool(name, 'fd00:1::/64', { natOutgoing: true, blockSize: 120 })
          : name === 'lb'
            ? pool(name, '10.2.0.0/16', { allowedUses: ['LoadBalancer'], natOutgoing: true })
            : name === 'dis'
              ? pool(name, '10.3.0.0/16', { disabled: true })
              : pool(name, name === 'gone' ? '10.4.0.0/16' : '10.1.0.0/16'),
      ),
    );
    const plain = await ds.get('plain');
    await ds.update({ ...plain, spec: { ...plain.spec, natOutgoing: true } });
    await ds.delete('gone');
    const nat = await ds.natPools();
    expect(nat).toEqual((await ds.list()).items.map(natPoolOf));
    expect(nat.map((p) => p.name)).toEqual(['dis', 'lb', 'plain', 'v6']);
    expect(nat[1]).toEqual({ name: 'lb', cidr: '10.2.0.0/16', natOutgoing: true, disabled: false, allowedUses: ['LoadBalancer'], blockSize: 26 });
  });

  it('concurrent batches that check overlaps against list() never both admit overlapping pools', async () => {
    const others = await Promise.all([backend.open(), backend.open(), backend.open()]);
    const stores = [ds, ...others];
    // w0 and w1 overlap, w2 and w3 overlap: one of each pair may be admitted.
    const cidrs = ['10.0.0.0/16', '10.0.5.0/24', '10.1.0.0/16', '10.1.7.0/24'];
    try {
      const results = await Promise.all(
        stores.map((s, k) =>
          s.batch([`w${k}`], (txn) => async (name) => {
            const mine = mustParsePrefix(cidrs[k]!);
            const existing = await txn.list();
            if (existing.some((p) => overlaps(mustParsePrefix(p.spec.cidr), mine))) return null;
            return txn.create(pool(name, cidrs[k]!));
          }),
        ),
      );
      const admitted = (await ds.list()).items.map((p) => p.metadata.name);
      expect(admitted.length).toBe(2);
      expect(admitted.filter((n) => n === 'w0' || n === 'w1').length).toBe(1);
      expect(admitted.filter((n) => n === 'w2' || n === 'w3').length).toBe(1);
      expect(results.flat().filter((o) => o.ok && o.value !== null).length).toBe(2);
    } finally {
      for (const o of others) await o.close();
    }
  });

  it('watch reports added, modified and deleted pools where the backend has it', async () => {
    if (!ds.watch) {
      expect(backend.name).toBe('file');
      return;
    }
    const events: WatchEvent[] = [];
    const stop = await ds.watch((e) => events.push(e));
    try {
      const a = await ds.create(pool('w1', '10.1.0.0/16'));
      const b = await ds.update({ ...a, spec: { ...a.spec, natOutgoing: true } });
      await ds.delete('w1');
      const deadline = Date.now() + 5000;
      while (events.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(events.map((e) => e.type)).toEqual(['added', 'modified', 'deleted']);
      expect(events[1]!.pool.metadata.resourceVersion).toBe(b.metadata.resourceVersion);
      expect(events[2]!.pool.metadata.name).toBe('w1');
    } finally {
      await stop();
    }
  });

  describe('other kinds: FelixConfiguration', () => {
    const fc = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'projectcalico.org/v3', kind: 'FelixConfiguration', metadata: { name }, spec });

    it('create, get, list, update, delete with revisions on the store-wide counter', async () => {
      const p = await ds.create(pool('p1', '10.1.0.0/16'));
      const a = await ds.resources('felixconfigurations').create(fc('default', { natOutgoingAddress: '192.0.2.1', bpfEnabled: false }));
      expect(BigInt(a.metadata.resourceVersion)).toBeGreaterThan(BigInt(p.metadata.resourceVersion));
      expect(a.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
      // a pointer field keeps false (only nil is empty for it)
      expect(a.spec).toEqual({ natOutgoingAddress: '192.0.2.1', bpfEnabled: false });
      await ds.resources('felixconfigurations').create(fc('node.worker-1', { natPortRange: '32768:40000' }));
      expect(await ds.resources('felixconfigurations').get('default')).toEqual(a);
      expect((await ds.resources('felixconfigurations').list()).map((r) => r.metadata.name)).toEqual(['default', 'node.worker-1']);
      await expect(ds.resources('felixconfigurations').create(fc('default', {}))).rejects.toThrow('resource already exists: FelixConfiguration(default)');
      const b = await ds.resources('felixconfigurations').update({ ...fc('default', { natOutgoingAddress: '192.0.2.2' }), metadata: { name: 'default', resourceVersion: a.metadata.resourceVersion } });
      expect(b.metadata.uid).toBe(a.metadata.uid);
      expect(b.spec).toEqual({ natOutgoingAddress: '192.0.2.2' });
      await expect(
        ds.resources('felixconfigurations').update({ ...fc('default', {}), metadata: { name: 'default', resourceVersion: a.metadata.resourceVersion } }),
      ).rejects.toBeInstanceOf(ConflictError);
      await expect(ds.resources('felixconfigurations').get('nope')).rejects.toThrow('resource does not exist: FelixConfiguration(nope) with error: <nil>');
      const gone = await ds.resources('felixconfigurations').delete('node.worker-1');
      expect(gone.metadata.name).toBe('node.worker-1');
      await expect(ds.resources('felixconfigurations').delete('node.worker-1')).rejects.toBeInstanceOf(NotFoundError);
      // pool writes keep the other kinds, and the other kinds' writes keep the pools
      await ds.create(pool('p2', '10.2.0.0/16'));
      expect((await ds.resources('felixconfigurations').list()).map((r) => r.metadata.name)).toEqual(['default']);
      expect((await ds.list()).items.map((x) => x.metadata.name)).toEqual(['p1', 'p2']);
      expect((await ds.natPools()).map((x) => x.name)).toEqual(['p1', 'p2']);
    });

    it('concurrent creates of one name: exactly one wins', async () => {
      const store = ds.resources('felixconfigurations');
      const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => store.create(fc('default', { logPrefix: `w${i}` }))));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof AlreadyExistsError)).toBe(true);
    });
  });
}
