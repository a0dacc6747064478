import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IPPool } from '../../../src/core/index.js';
import type { Datastore, NatChangeBatch } from '../../../src/datastore/datastore.js';
import { openEtcdDatastore } from '../../../src/datastore/etcd.js';
import { DatastoreFollower } from '../../../src/nat/agent/follow.js';
import { createLogger } from '../../../src/nat/agent/log.js';
import { createMetrics } from '../../../src/nat/agent/metrics.js';
import { startEtcdCluster, type EtcdCluster } from '../../support/etcd-cluster.js';
import { skipEtcd, startTcpProxy, type TcpProxy } from '../../support/etcd.js';

// A silent network partition under nat agent's watch: the member's path drops every byte both
// ways and sends no reset, so nothing but the watch client's gRPC keepalive can notice. The
// follower must report the datastore lost within keepalive + timeout, watch again through
// another path (a member that answers; one that accepts and answers nothing is given up after
// the timeout), and catch up on what was written meanwhile. Two proxies in front of one etcd
// play two members' paths; etcd lets pings come every 200 ms (its default refuses pings more
// often than every 5 s).

const skip = skipEtcd();
const KEEPALIVE_MS = 1000;
const TIMEOUT_MS = 1000;

function pool(name: string, cidr: string): IPPool {
  return { apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name }, spec: { cidr, natOutgoing: true } };
}

async function until<T>(what: string, fn: () => T | undefined | null | false, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(skip !== null)(`nat agent's watch across a silent partition${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let cluster: EtcdCluster;
  let a: TcpProxy;
  let b: TcpProxy;
  let direct: Datastore;
  beforeAll(async () => {
    cluster = await startEtcdCluster({ size: 1, extraArgs: ['--grpc-keepalive-min-time', '200ms'] });
    const port = Number(new URL(cluster.endpoints[0]!).port);
    [a, b] = await Promise.all([startTcpProxy(port), startTcpProxy(port)]);
    direct = await openEtcdDatastore({ endpoints: [cluster.endpoints[0]!] });
    await direct.create(pool('before', '10.1.0.0/16'));
  }, 60_000);
  afterAll(async () => {
    await direct?.close();
    await Promise.all([a?.close(), b?.close()]);
    await cluster?.destroy();
  });

  it('notices a member gone silent within keepalive + timeout, is not ready, moves to a member that answers and catches up', async () => {
    const ds = await openEtcdDatastore({
      endpoints: [`http://127.0.0.1:${a.port}`, `http://127.0.0.1:${b.port}`],
      keepaliveMs: KEEPALIVE_MS,
      timeoutMs: TIMEOUT_MS,
    });
    const names = new Map<string, boolean>();
    let revision = '0';
    const connection: { up: boolean; at: number; why?: string }[] = [];
    const follower = new DatastoreFollower(
      ds,
      {
        state: () => ({ pools: [], revision }),
        onListing(listing) {
          for (const p of listing.pools) names.set(p.name, true);
          revision = listing.revision;
        },
        onChanges(batch: NatChangeBatch) {
          for (const c of batch.changes) names.set(c.name, c.pool !== null);
          revision = batch.revision;
        },
        onConnection(up, why) {
          connection.push({ up, at: Date.now(), ...(why ? { why } : {}) });
        },
      },
      createLogger(new PassThrough(), { format: 'json', level: 'error' }),
      await createMetrics(),
    );
    try {
      follower.start();
      await until('the watch', () => connection.at(-1)?.up, 20_000);
      expect(names.get('before')).toBe(true);
      await direct.create(pool('while-up', '10.2.0.0/16'));
      await until('a change through the watch', () => names.get('while-up'), 10_000);

      // both paths go silent: connections stay open, every byte is lost
      a.set({ toServer: 'drop', toClient: 'drop' });
      b.set({ toServer: 'drop', toClient: 'drop' });
      const silentAt = Date.now();
      const lost = await until('the watch lost', () => connection.find((c) => !c.up && c.at >= silentAt), 20_000);
      // a ping goes at most KEEPALIVE_MS after the last traffic, and is given TIMEOUT_MS; the
      // rest is slack for a loaded machine (without keepalive the watch is never lost)
      expect(lost.at - silentAt).toBeLessThan(KEEPALIVE_MS + TIMEOUT_MS + 3000);
      await direct.create(pool('during', '10.3.0.0/16'));
      await new Promise((r) => setTimeout(r, 2 * TIMEOUT_MS));
      expect(connection.at(-1)?.up).toBe(false);
      expect(names.has('during')).toBe(false);

      // one member answers again (the other stays silent): the follower gets there and catches up
      b.set({ toServer: 'pass', toClient: 'pass' });
      const backAt = Date.now();
      await until('the watch again', () => connection.find((c) => c.up && c.at >= backAt), 30_000);
      await until('the change made during the partition', () => names.get('during'), 10_000);
      await direct.delete('while-up');
      await until('a change after the partition', () => names.get('while-up') === false, 10_000);
    } finally {
      await follower.stop();
      await ds.close();
    }
  }, 90_000);
});
