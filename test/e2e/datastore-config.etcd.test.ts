import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli } from '../support/cli.js';
import { skipEtcd, startEtcd, type EtcdServer } from '../support/etcd.js';
import { CLEAN_ENV } from './crud-support.js';

// Datastore selection through the built CLI with a real etcd: TLS from the environment and
// from a calicoctl config file, and etcd going away in the middle of a batch (the rest of
// datastore selection: datastore-config.test.ts).

const POOL = 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p1}\nspec: {cidr: 10.1.0.0/16}\n';

let dir = '';
const cli = (args: string[], env: Record<string, string | undefined>, input?: string) =>
  runCli(args, { env: { ...CLEAN_ENV, HOME: dir, XDG_DATA_HOME: undefined, ...env }, ...(input !== undefined ? { input } : {}) });

const skip = skipEtcd();
const TLS = join(ROOT, 'test', 'datastore', 'fixtures', 'tls');

describe.skipIf(skip !== null)(`etcd through the CLI${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let tls: EtcdServer;
  let plain: EtcdServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'poolctl-select-etcd-'));
    [tls, plain] = await Promise.all([
      startEtcd({
        tls: {
          ca: join(TLS, 'ca.pem'),
          cert: join(TLS, 'server.pem'),
          key: join(TLS, 'server-key.pem'),
          clientCert: join(TLS, 'client.pem'),
          clientKey: join(TLS, 'client-key.pem'),
        },
      }),
      startEtcd(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([tls?.destroy(), plain?.destroy()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('TLS with ETCD_CA_CERT_FILE, ETCD_CERT_FILE and ETCD_KEY_FILE', async () => {
    const env = {
      DATASTORE_TYPE: 'etcdv3',
      ETCD_ENDPOINTS: tls.endpoint,
      ETCD_CA_CERT_FILE: join(TLS, 'ca.pem'),
      ETCD_CERT_FILE: join(TLS, 'client.pem'),
      ETCD_KEY_FILE: join(TLS, 'client-key.pem'),
    };
    const r = await cli(['create', '-f', '-'], env, POOL);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await cli(['get', 'pools', '-o', 'name'], env)).stdout).toBe('ippool/p1\n');
  });

  it('TLS from a calicoctl config file (etcdCACertFile, etcdCertFile, etcdKeyFile)', async () => {
    const cfg = join(dir, 'tls.cfg');
    writeFileSync(
      cfg,
      `apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nmetadata: {}\nspec:\n  datastoreType: etcdv3\n  etcdEndpoints: ${tls.endpoint}\n` +
        `  etcdCACertFile: ${join(TLS, 'ca.pem')}\n  etcdCertFile: ${join(TLS, 'client.pem')}\n  etcdKeyFile: ${join(TLS, 'client-key.pem')}\n`,
    );
    const r = await cli(['get', 'pools', '-o', 'wide', '-c', cfg], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('p1 ');
  });

  it('etcd stopped in the middle of a batch: every resource is reported done or failed, truthfully', async () => {
    const { Etcd3 } = await import('etcd3');
    const raw = new Etcd3({ hosts: plain.endpoint });
    // poolctl talks to etcd through a proxy that delays what poolctl sends by DELAY ms (a
    // 1 MiB transaction needs many flow-control round trips, so it takes seconds to get
    // through; answers are not delayed). When the first transaction shows in etcd, the proxy
    // waits for its answer to reach poolctl, then cuts every connection (the next
    // transaction is still on its way) and etcd is killed.
    const DELAY = 150;
    const pairs = new Set<{ client: Socket; upstream: Socket }>();
    const proxy = createServer((client) => {
      const upstream = connect(Number(new URL(plain.endpoint).port), '127.0.0.1');
      const pair = { client, upstream };
      pairs.add(pair);
      client.on('data', (d) => setTimeout(() => upstream.writable && upstream.write(d), DELAY));
      upstream.on('data', (d) => client.writable && client.write(d));
      const drop = (): void => {
        pairs.delete(pair);
        upstream.destroy();
        client.end();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const n = 6000;
      const docs = Array.from({ length: n }, (_, i) => `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: s-${String(i).padStart(4, '0')}}\nspec: {cidr: 10.${i >> 8}.${i & 255}.0/24}\n`);
      const env = { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` };
      const run = cli(['create', '-f', '-'], env, docs.join('---\n'));
      const prefix = '/calico/resources/v3/projectcalico.org/ippools/';
      while ((await raw.getAll().prefix(prefix).count()) === 0) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 300));
      proxy.close();
      for (const { client, upstream } of pairs) {
        upstream.destroy();
        client.end();
      }
      await plain.stop('SIGKILL');
      const r = await run;
      await plain.start();
      expect(r.code, r.stderr.slice(0, 500)).toBe(3);
      const stored = new Set((await raw.getAll().prefix(prefix).keys()).map((k) => k.slice(prefix.length)));
      const done = [...r.stdout.matchAll(/^ {2}ippool\/(\S+) created$/gm)].map((m) => m[1]!);
      const notWritten = [...r.stderr.matchAll(/^Failed to create 'IPPool' resource: IPPool\((\S+)\): not written: /gm)].map((m) => m[1]!);
      const unknown = [...r.stderr.matchAll(/^Failed to create 'IPPool' resource: IPPool\((\S+)\): the write may or may not have been applied: /gm)].map((m) => m[1]!);
      expect(done.length + notWritten.length + unknown.length).toBe(n);
      expect(done.length).toBeGreaterThan(0);
      expect(notWritten.length + unknown.length).toBeGreaterThan(0);
      expect(r.stdout).toContain(`Partial success: created ${done.length} out of ${n} 'IPPool' resource(s):`);
      for (const name of done) expect(stored.has(name), name).toBe(true);
      for (const name of notWritten) expect(stored.has(name), name).toBe(false);
      expect(stored.size).toBeGreaterThanOrEqual(done.length);
      expect(stored.size).toBeLessThanOrEqual(done.length + unknown.length);
    } finally {
      proxy.close();
      raw.close();
    }
  });
});
