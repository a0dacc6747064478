import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli } from '../support/cli.js';
import { skipEtcd, startEtcd, type EtcdServer } from '../support/etcd.js';
import { CLEAN_ENV } from './crud-support.js';

// Datastore selection through the built CLI: the environment, flags and config files users
// set, the exit codes of unsupported types, bad config files and unreachable datastores.

const POOL = 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p1}\nspec: {cidr: 10.1.0.0/16}\n';
const noTrace = (s: string): void => expect(s).not.toMatch(/\n\s+at .*:\d+:\d+/);

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'poolctl-select-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[], env: Record<string, string | undefined>, input?: string) =>
  runCli(args, { env: { ...CLEAN_ENV, HOME: dir, XDG_DATA_HOME: undefined, ...env }, ...(input !== undefined ? { input } : {}) });

describe('datastore selection through the CLI', () => {
  it('POOLCTL_STORE=./somewhere works, relative to the working directory', async () => {
    const r = await runCli(['create', '-f', '-'], { env: { ...CLEAN_ENV, POOLCTL_STORE: './somewhere' }, cwd: dir, input: POOL });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, 'somewhere'))).toEqual(['pools.000000000001.json']);
  });

  it('--store wins over POOLCTL_STORE', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    expect((await cli(['create', '-f', '-', '--store', a], { POOLCTL_STORE: b }, POOL)).code).toBe(0);
    expect((await cli(['get', 'pools', '-o', 'name'], { POOLCTL_STORE: a })).stdout).toBe('ippool/p1\n');
    expect((await cli(['get', 'pools', '-o', 'name'], { POOLCTL_STORE: b })).stdout).toBe('');
  });

  it('without any setting the store is $XDG_DATA_HOME/poolctl (or ~/.local/share/poolctl)', async () => {
    expect((await cli(['create', '-f', '-'], { XDG_DATA_HOME: join(dir, 'xdg') }, POOL)).code).toBe(0);
    expect(readdirSync(join(dir, 'xdg', 'poolctl'))).toEqual(['pools.000000000001.json']);
  });

  it('a config file (-c or POOLCTL_CONFIG) with datastoreType file and storePath', async () => {
    const cfg = join(dir, 'poolctl.cfg');
    writeFileSync(cfg, 'apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec:\n  datastoreType: file\n  storePath: cfg-store\n');
    expect((await cli(['create', '-c', cfg, '-f', '-'], {}, POOL)).code).toBe(0);
    expect((await cli(['get', 'pools', '-o', 'name'], { POOLCTL_CONFIG: cfg })).stdout).toBe('ippool/p1\n');
    expect(readdirSync(join(dir, 'cfg-store'))).toHaveLength(1);
  });

  it('DATASTORE_TYPE=kubernetes is a clear "not supported", exit 2', async () => {
    const r = await cli(['get', 'pools'], { DATASTORE_TYPE: 'kubernetes' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("datastore type 'kubernetes' (DATASTORE_TYPE) is not supported by poolctl");
    noTrace(r.stderr);
  });

  it.each([
    ['kind: Nope\napiVersion: projectcalico.org/v3\n', "invalid config file: expected kind 'CalicoAPIConfig', got 'Nope'"],
    ['apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec: {etcdEndpints: x}\n', 'json: unknown field "etcdEndpints"'],
  ])('a bad config file is reported with calicoctl\'s message, exit 2: %j', async (text, message) => {
    const cfg = join(dir, 'bad.cfg');
    writeFileSync(cfg, text);
    const r = await cli(['get', 'pools', '-c', cfg], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    noTrace(r.stderr);
  });

  it('a missing -c file is an error, exit 2', async () => {
    const r = await cli(['get', 'pools', '-c', join(dir, 'nope.cfg')], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Error reading config file: ${join(dir, 'nope.cfg')}`);
  });

  it('an unreachable etcd exits 3 naming the endpoints', async () => {
    for (const args of [['get', 'pools'], ['create', '-f', '-'], ['delete', 'ippool', 'p1']]) {
      const r = await cli(args, { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://127.0.0.1:9' }, POOL);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr).toContain('cannot reach etcd at http://127.0.0.1:9');
      noTrace(r.stderr);
    }
  });
});

const skip = skipEtcd();
const TLS = join(ROOT, 'test', 'datastore', 'fixtures', 'tls');

describe.skipIf(skip !== null)(`etcd through the CLI${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let tls: EtcdServer;
  let plain: EtcdServer;
  beforeAll(async () => {
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
