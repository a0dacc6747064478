import { PassThrough } from 'node:stream';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Datastore } from '../../../src/datastore/datastore.js';
import { openEtcdDatastore } from '../../../src/datastore/etcd.js';
import { FelixWatch } from '../../../src/nat/agent/felix-watch.js';
import { createLogger } from '../../../src/nat/agent/log.js';
import { skipEtcd, startEtcd, type EtcdServer } from '../../support/etcd.js';

// FelixWatch over a real etcd that stops and starts again (same port and data dir): the watch
// is set up again and checked again, and the watch client of the lost watch is closed, as the
// pool follower closes its own (each watch has an etcd3 client of its own: one left open at
// every loss would pile up for as long as the agent runs).

const skip = skipEtcd();

async function until(what: string, fn: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(skip !== null)(`FelixWatch across an etcd restart${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let server: EtcdServer;
  let ds: Datastore;
  beforeAll(async () => {
    server = await startEtcd();
    ds = await openEtcdDatastore({ endpoints: [server.endpoint] });
  }, 60_000);
  afterAll(async () => {
    await ds?.close();
    await server?.destroy();
  });

  it('watches again after etcd returns, checks again, and leaves no client of a lost watch open', async () => {
    // the clients that watched, and the ones closed
    const watched = new Set<Etcd3>();
    const closed = new Set<Etcd3>();
    const watch = Etcd3.prototype.watch;
    const close = Etcd3.prototype.close;
    const w = vi.spyOn(Etcd3.prototype, 'watch').mockImplementation(function (this: Etcd3) {
      watched.add(this);
      return watch.call(this);
    });
    const c = vi.spyOn(Etcd3.prototype, 'close').mockImplementation(function (this: Etcd3) {
      closed.add(this);
      return close.call(this);
    });
    const open = (): number => [...watched].filter((x) => !closed.has(x)).length;
    let checks = 0;
    const fw = new FelixWatch(ds, () => checks++, createLogger(new PassThrough(), { format: 'json', level: 'error' }));
    try {
      fw.start();
      await until('the watch up', () => fw.up && checks === 1, 10_000);
      expect(open()).toBe(1);
      await server.stop();
      await until('the watch lost', () => !fw.up, 15_000);
      await server.start();
      await until('the watch up again and checked', () => fw.up && checks === 2, 20_000);
      expect(watched.size).toBeGreaterThan(1);
      expect(open()).toBe(1);
      await fw.stop();
      expect(open()).toBe(0);
    } finally {
      await fw.stop();
      w.mockRestore();
      c.mockRestore();
    }
  }, 60_000);
});
