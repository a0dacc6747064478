import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import type { IPPool } from '../../src/core/index.js';
import { openEtcdDatastore, PREFIX } from '../../src/datastore/etcd.js';
import { UnavailableError } from '../../src/datastore/errors.js';
import type { BatchOutcome, StoredPool } from '../../src/datastore/datastore.js';
import { etcdBackend, startEtcd, startTcpProxy, TEST_TLS, type EtcdServer, type TcpProxy } from '../support/etcd.js';
import { exitStatusOf } from '../../src/cli/exit-status.js';

// etcd specifics: Calico's exact keys and values, reading values Calico wrote, paging past
// gRPC's 4 MB message limit, TLS, and how an unreachable etcd is reported.

const etcd = etcdBackend();
const skip = etcd.skip;

function pool(name: string, cidr: string, spec: Partial<IPPool['spec']> = {}, meta: Partial<IPPool['metadata']> = {}): IPPool {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name, ...meta }, spec: { cidr, ...spec } };
}

describe.skipIf(skip !== null)(`etcd v3 backend${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let server: EtcdServer;
  let raw: Etcd3;
  beforeAll(async () => {
    await etcd.setup();
    server = etcd.server();
    raw = etcd.raw();
  });
  afterAll(() => etcd.teardown());
  beforeEach(() => etcd.reset());

  it("stores Calico's key and compact JSON value, without resourceVersion; resourceVersion is the mod_revision", async () => {
    const ds = await openEtcdDatastore({ endpoints: [server.endpoint] });
    try {
      const p = await ds.create(
        pool('default-ipv4-ippool', '10.244.0.0/16', {
          natOutgoing: true,
          blockSize: 26,
          ipipMode: 'Always',
          vxlanMode: 'Never',
          nodeSelector: 'all()',
          allowedUses: ['Workload', 'Tunnel'],
          assignmentMode: 'Automatic',
          disabled: false,
        }, { labels: { team: 'net' } }),
      );
      const kv = (await raw.get(`${PREFIX}default-ipv4-ippool`).exec()).kvs[0]!;
      expect(kv.key.toString()).toBe('/calico/resources/v3/projectcalico.org/ippools/default-ipv4-ippool');
      expect(kv.value.toString()).toBe(
        '{"kind":"IPPool","apiVersion":"projectcalico.org/v3",' +
          `"metadata":{"name":"default-ipv4-ippool","uid":"${p.metadata.uid}","creationTimestamp":"${p.metadata.creationTimestamp}","labels":{"team":"net"}},` +
          '"spec":{"cidr":"10.244.0.0/16","vxlanMode":"Never","ipipMode":"Always","natOutgoing":true,"blockSize":26,"nodeSelector":"all()","allowedUses":["Workload","Tunnel"],"assignmentMode":"Automatic"}}',
      );
      expect(String(kv.mod_revision)).toBe(p.metadata.resourceVersion);
      expect(kv.value.toString()).not.toContain('resourceVersion');
    } finally {
      await ds.close();
    }
  });

  it("stores a FelixConfiguration under Calico's key with Calico's value; resourceVersion is the mod_revision", async () => {
    const ds = await openEtcdDatastore({ endpoints: [server.endpoint] });
    try {
      const fc = await ds.resources('felixconfigurations').create({
        apiVersion: 'projectcalico.org/v3',
        kind: 'FelixConfiguration',
        metadata: { name: 'node.worker-1' },
        // written out of Go's field order: stored in it
        spec: { natOutgoingAddress: '192.0.2.1', natPortRange: '32768:40000', bpfEnabled: false },
      });
      const kv = (await raw.get('/calico/resources/v3/projectcalico.org/felixconfigurations/node.worker-1').exec()).kvs[0]!;
      expect(kv.value.toString()).toBe(
        '{"kind":"FelixConfiguration","apiVersion":"projectcalico.org/v3",' +
          `"metadata":{"name":"node.worker-1","uid":"${fc.metadata.uid}","creationTimestamp":"${fc.metadata.creationTimestamp}"},` +
          '"spec":{"natPortRange":"32768:40000","natOutgoingAddress":"192.0.2.1","bpfEnabled":false}}',
      );
      expect(String(kv.mod_revision)).toBe(fc.metadata.resourceVersion);
      // a value Calico wrote is read back
      await raw.put('/calico/resources/v3/projectcalico.org/felixconfigurations/default').value('{"kind":"FelixConfiguration","apiVersion":"projectcalico.org/v3","metadata":{"name":"default"},"spec":{"bpfEnabled":true}}');
      expect((await ds.resources('felixconfigurations').get('default')).spec).toEqual({ bpfEnabled: true });
    } finally {
      await ds.close();
    }
  });

  it('reads pools Calico wrote: resourceVersion from mod_revision, read defaults filled in, other keys ignored', async () => {
    await raw
      .put(`${PREFIX}old-pool`)
      .value('{"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{"name":"old-pool","uid":"u-1","creationTimestamp":"2019-05-01T10:00:00Z"},"spec":{"cidr":"192.168.0.0/16","natOutgoing":true}}');
    await raw.put('/calico/resources/v3/projectcalico.org/clusterinformations/default').value('{"kind":"ClusterInformation"}');
    await raw.put(`${PREFIX}garbage`).value('not json');
    const ds = await openEtcdDatastore({ endpoints: [server.endpoint] });
    try {
      const list = await ds.list();
      expect(list.items.map((p) => p.metadata.name)).toEqual(['old-pool']);
      const p = list.items[0]!;
      const rev = (await raw.get(`${PREFIX}old-pool`).exec()).kvs[0]!.mod_revision;
      expect(p.metadata).toEqual({ name: 'old-pool', uid: 'u-1', resourceVersion: String(rev), creationTimestamp: '2019-05-01T10:00:00Z' });
      expect(p.spec).toEqual({
        cidr: '192.168.0.0/16',
        vxlanMode: 'Never',
        ipipMode: 'Never',
        natOutgoing: true,
        blockSize: 26,
        nodeSelector: 'all()',
        allowedUses: ['Workload', 'Tunnel'],
        assignmentMode: 'Automatic',
      });
      expect(BigInt(list.revision)).toBeGreaterThanOrEqual(BigInt(rev));
    } finally {
      await ds.close();
    }
  });

  it('lists 10,000 pools (more than one gRPC message) in pages at one revision', async () => {
    const ds = await openEtcdDatastore({ endpoints: [server.endpoint] });
    try {
      const names = Array.from({ length: 10_000 }, (_, i) => `pool-${String(i).padStart(5, '0')}`);
      const out = await ds.batch(names, async (txn) => {
        await txn.list();
        return (n) => {
        const i = Number(n.slice(5));
        return txn.create(pool(n, `10.${i >> 8}.${i & 255}.0/24`, { natOutgoing: true, nodeSelector: "rack == 'r1' && zone in {'a', 'b'}" }));
        };
      });
      expect(out.every((o) => o.ok)).toBe(true);
      expect((await raw.getAll().prefix(PREFIX).keys()).length).toBe(10_000);
      const list = await ds.list();
      expect(list.items.length).toBe(10_000);
      expect(list.items[9_999]!.metadata.name).toBe('pool-09999');
    } finally {
      await ds.close();
    }
  });

  it('halves a page that is still too large for one message (pools with large annotations)', async () => {
    const ds = await openEtcdDatastore({ endpoints: [server.endpoint] });
    try {
      const big = 'x'.repeat(100_000);
      const names = Array.from({ length: 60 }, (_, i) => `big-${String(i).padStart(2, '0')}`);
      const out = await ds.batch(names, (txn) => (n) => txn.create(pool(n, `10.9.${Number(n.slice(4))}.0/24`, {}, { annotations: { note: big } })));
      expect(out.every((o) => o.ok)).toBe(true);
      const list = await ds.list();
      expect(list.items.length).toBe(60);
      expect(list.items[59]!.metadata.annotations?.note).toHaveLength(100_000);
    } finally {
      await ds.close();
    }
  });

  it('an unreachable etcd is UnavailableError naming the endpoints (nothing written)', async () => {
    const ds = await openEtcdDatastore({ endpoints: ['http://127.0.0.1:9'], timeoutMs: 2000 });
    try {
      const e = await ds.list().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(UnavailableError);
      expect((e as UnavailableError).message).toMatch(/^cannot reach etcd at http:\/\/127\.0\.0\.1:9: list failed: /);
      expect(exitStatusOf(e as UnavailableError)).toBe(3);
      const c = await ds.create(pool('p', '10.0.0.0/16')).catch((x: unknown) => x);
      expect(c).toBeInstanceOf(UnavailableError);
      expect((c as UnavailableError).outcome).toBe('not-applied');
    } finally {
      await ds.close();
    }
  });

  it('a write interrupted by etcd going away is reported per item: committed, unknown, not written', async () => {
    const ds = await openEtcdDatastore({ endpoints: [server.endpoint], timeoutMs: 3000 });
    try {
      const names = Array.from({ length: 3000 }, (_, i) => `s-${String(i).padStart(4, '0')}`);
      let commits = 0;
      const outcomes = await ds.batch(names, (txn) => (n) => txn.create(pool(n, `10.${Number(n.slice(2)) >> 8}.${Number(n.slice(2)) & 255}.0/24`)), {
        onCommitted: () => {
          if (++commits === 3) void server.stop('SIGKILL');
        },
      });
      await server.start();
      const stored = new Set((await raw.getAll().prefix(PREFIX).keys()).map((k) => k.slice(PREFIX.length)));
      let ok = 0;
      let unknown = 0;
      let notWritten = 0;
      outcomes.forEach((o, i) => {
        const name = names[i]!;
        if (o.ok) {
          ok++;
          expect(stored.has(name)).toBe(true);
        } else {
          expect(o.error).toBeInstanceOf(UnavailableError);
          if ((o.error as UnavailableError).outcome === 'unknown') unknown++;
          else {
            notWritten++;
            expect(stored.has(name)).toBe(false);
          }
        }
      });
      expect(ok).toBeGreaterThanOrEqual(3 * 127);
      expect(ok).toBeLessThan(3000);
      expect(unknown).toBeLessThanOrEqual(127);
      expect(ok + unknown + notWritten).toBe(3000);
    } finally {
      await ds.close();
      await server.start().catch(() => undefined);
    }
  });
});

describe.skipIf(skip !== null)('etcd v3: a write whose answer is lost is read back before it is reported', () => {
  let server: EtcdServer;
  let raw: Etcd3;
  let proxy: TcpProxy;
  beforeAll(async () => {
    server = await startEtcd();
    raw = new Etcd3({ hosts: server.endpoint });
    proxy = await startTcpProxy(Number(new URL(server.endpoint).port));
  });
  afterAll(async () => {
    raw?.close();
    await proxy?.close();
    await server?.destroy();
  });

  // 300 stored pools updated in one listed batch: 5 transactions of at most 63 updates (each
  // small enough to go out whole without flow-control answers), and nothing else sent
  // between commits (every read was done up front by the list).
  const names = Array.from({ length: 300 }, (_, i) => `lost-${String(i).padStart(3, '0')}`);
  /** updated is etcd's revision once the pools are created, before the update batch starts (no write of it can race the read). */
  let updated = 0;
  const updateAll = (lose: () => void) => async (): Promise<BatchOutcome<StoredPool>[]> => {
    await raw.delete().prefix('/calico/');
    const ds = await openEtcdDatastore({ endpoints: [`http://127.0.0.1:${proxy.port}`], timeoutMs: 5000 });
    let commits = 0;
    try {
      const created = await ds.batch(names, (txn) => (n) => txn.create(pool(n, `10.${Number(n.slice(5)) >> 8}.${Number(n.slice(5)) & 255}.0/24`)));
      expect(created.every((o) => o.ok)).toBe(true);
      updated = await revision();
      return await ds.batch(
        names,
        async (txn) => {
          await txn.list();
          return async (n) => {
            const cur = (await txn.get(n))!;
            return txn.update({ ...cur, spec: { ...cur.spec, natOutgoing: true } });
          };
        },
        { onCommitted: () => void (++commits === 2 && lose()) },
      );
    } finally {
      await ds.close();
      proxy.set({ toServer: 'pass', toClient: 'pass' });
    }
  };

  /** expectExactlyOnce checks every pool reported updated is stored as updated, by one write (version 2: created, updated). */
  const expectExactlyOnce = async (outcomes: BatchOutcome<StoredPool>[]): Promise<void> => {
    expect(outcomes.filter((o) => !o.ok).map((o) => (o as { error: Error }).error.message)).toEqual([]);
    const kvs = (await raw.getAll().prefix(PREFIX).exec()).kvs;
    expect(kvs.map((kv) => kv.key.toString().slice(PREFIX.length))).toEqual(names);
    expect(new Set(kvs.map((kv) => String(kv.version)))).toEqual(new Set(['2']));
    expect(kvs.every((kv) => JSON.parse(kv.value.toString()).spec.natOutgoing === true)).toBe(true);
  };
  const revision = async (): Promise<number> => Number((await raw.get('x').exec()).header.revision);

  it('the transaction reached etcd and its answer was lost: reported updated, written once', async () => {
    const outcomes = await updateAll(() => {
      // From here the answers are dropped: the next transaction is applied, its answer never
      // comes; then the connection breaks and the proxy passes again (for the read-back).
      proxy.set({ toClient: 'drop' });
      setTimeout(() => {
        proxy.cut();
        proxy.set({ toClient: 'pass' });
      }, 1500);
    })();
    await expectExactlyOnce(outcomes);
    // the 5 transactions of the update, each applied once (nothing was sent twice); counted from
    // before the batch, not from the second commit, whose read raced the third transaction
    expect((await revision()) - updated).toBe(5);
  });

  it('the transaction never reached etcd: found not applied, sent again, written once', async () => {
    let before = 0;
    const outcomes = await updateAll(() => {
      void revision().then((r) => (before = r));
      proxy.set({ toServer: 'drop' });
      setTimeout(() => {
        proxy.cut();
        proxy.set({ toServer: 'pass' });
      }, 1500);
    })();
    await expectExactlyOnce(outcomes);
    expect((await revision()) - before).toBe(3);
  });
});

describe.skipIf(skip !== null)('etcd v3 with username and password', () => {
  let server: EtcdServer;
  beforeAll(async () => {
    server = await startEtcd();
    const admin = new Etcd3({ hosts: server.endpoint });
    try {
      await admin.role('root').create();
      await admin.user('root').create('s3cret');
      await admin.user('root').addRole('root');
      await admin.auth.authEnable();
    } finally {
      admin.close();
    }
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('writes and reads with the right credentials', async () => {
    const ds = await openEtcdDatastore({ endpoints: [server.endpoint], username: 'root', password: 's3cret' });
    try {
      await ds.create(pool('auth-pool', '10.8.0.0/16'));
      expect((await ds.list()).items.map((p) => p.metadata.name)).toEqual(['auth-pool']);
    } finally {
      await ds.close();
    }
  });

  it('wrong or missing credentials are refused, naming the endpoint and the remedy', async () => {
    for (const creds of [{ username: 'root', password: 'wrong' }, {}]) {
      const ds = await openEtcdDatastore({ endpoints: [server.endpoint], timeoutMs: 3000, ...creds });
      try {
        const e = (await ds.list().catch((x: unknown) => x)) as UnavailableError;
        expect(e).toBeInstanceOf(UnavailableError);
        expect(e.message).toContain(server.endpoint);
        expect(e.hint).toMatch(/ETCD_USERNAME/);
      } finally {
        await ds.close();
      }
    }
  });
});

const TLS = TEST_TLS;

describe.skipIf(skip !== null)('etcd v3 over TLS with client certificates', () => {
  let server: EtcdServer;
  beforeAll(async () => {
    server = await startEtcd({ tls: TLS });
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('connects with the CA, certificate and key files', async () => {
    const ds = await openEtcdDatastore({ endpoints: [server.endpoint], caCertFile: TLS.ca, certFile: TLS.clientCert, keyFile: TLS.clientKey });
    try {
      await ds.create(pool('tls-pool', '10.7.0.0/16'));
      expect((await ds.list()).items.map((p) => p.metadata.name)).toEqual(['tls-pool']);
    } finally {
      await ds.close();
    }
  });

  it('fails as unavailable without a client certificate', async () => {
    const ds = await openEtcdDatastore({ endpoints: [server.endpoint], caCertFile: TLS.ca, timeoutMs: 3000 });
    try {
      await expect(ds.list()).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      await ds.close();
    }
  });

  it('refuses inline certificates mixed with certificate files (Calico)', async () => {
    await expect(openEtcdDatastore({ endpoints: [server.endpoint], caCertFile: TLS.ca, cert: 'PEM' })).rejects.toThrow(
      'Cannot mix inline certificate-key and certificate / key files',
    );
  });
});
