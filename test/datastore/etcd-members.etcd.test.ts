import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IPPool } from '../../src/core/index.js';
import { UnavailableError } from '../../src/datastore/errors.js';
import { openEtcdDatastore } from '../../src/datastore/etcd.js';
import { skipEtcd, startEtcd, startSilentEndpoint, TEST_TLS, type EtcdServer, type SilentEndpoint } from '../support/etcd.js';

// Routing requests over etcd members against a real etcd: a member that never answers (plain
// or TLS) or refuses connections costs nothing while another answers, and a request no
// member takes fails at its deadline naming each member. (Judging failures: etcd-members.test.ts.)

const skip = skipEtcd();

function pool(name: string, cidr: string): IPPool {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr } };
}

describe.skipIf(skip !== null)(`routing over members, against a real etcd${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let etcd: EtcdServer;
  let silent: SilentEndpoint;
  beforeAll(async () => {
    [etcd, silent] = await Promise.all([startEtcd(), startSilentEndpoint()]);
    const ds = await openEtcdDatastore({ endpoints: [etcd.endpoint] });
    await ds.create(pool('p1', '10.1.0.0/16'));
    await ds.close();
  });
  afterAll(async () => {
    await Promise.all([etcd?.destroy(), silent?.close()]);
  });

  it('a member that accepts and never answers, listed first, is passed over at once', async () => {
    for (let run = 0; run < 5; run++) {
      const t0 = Date.now();
      const ds = await openEtcdDatastore({ endpoints: [`http://127.0.0.1:${silent.port}`, etcd.endpoint] });
      try {
        expect((await ds.list()).items.map((p) => p.metadata.name)).toContain('p1');
        await ds.create(pool(`s${run}`, `10.${10 + run}.0.0/16`));
      } finally {
        await ds.close();
      }
      expect(Date.now() - t0).toBeLessThan(3000);
    }
    expect(silent.accepted()).toBeGreaterThanOrEqual(5);
  });

  it('a member that refuses connections, listed first, is passed over', async () => {
    const ds = await openEtcdDatastore({ endpoints: ['http://127.0.0.1:9', etcd.endpoint] });
    try {
      expect((await ds.get('p1')).spec.cidr).toBe('10.1.0.0/16');
    } finally {
      await ds.close();
    }
  });

  it('only silent members: the request fails at its deadline, naming each member', async () => {
    const ds = await openEtcdDatastore({ endpoints: [`http://127.0.0.1:${silent.port}`, 'http://127.0.0.1:9'], timeoutMs: 1500 });
    const t0 = Date.now();
    try {
      const e = (await ds.list().catch((x: unknown) => x)) as UnavailableError;
      expect(e).toBeInstanceOf(UnavailableError);
      expect(e.message).toBe(
        `cannot reach etcd at http://127.0.0.1:${silent.port},http://127.0.0.1:9: list failed: http://127.0.0.1:${silent.port}: no answer within 1.5 s; http://127.0.0.1:9: No connection established. last error: connect ECONNREFUSED 127.0.0.1:9.`,
      );
      expect(e.hint).toContain('POOLCTL_ETCD_TIMEOUT');
    } finally {
      await ds.close();
    }
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(4000);
  });

  it('a silent TLS member: the handshake never ends, the request fails at its deadline', async () => {
    const ds = await openEtcdDatastore({
      endpoints: [`https://127.0.0.1:${silent.port}`],
      caCertFile: TEST_TLS.ca,
      certFile: TEST_TLS.clientCert,
      keyFile: TEST_TLS.clientKey,
      timeoutMs: 1000,
    });
    const t0 = Date.now();
    try {
      const e = (await ds.get('p1').catch((x: unknown) => x)) as UnavailableError;
      expect(e).toBeInstanceOf(UnavailableError);
      expect(e.message).toBe(`cannot reach etcd at https://127.0.0.1:${silent.port}: get failed: no answer within 1 s`);
    } finally {
      await ds.close();
    }
    expect(Date.now() - t0).toBeLessThan(3500);
  });
});
