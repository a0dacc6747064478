import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { skipEtcd, startEtcd, startTcpProxy, TEST_TLS, type EtcdServer } from '../support/etcd.js';
import { CLEAN_ENV } from './crud-support.js';

// Datastore selection through the built CLI with a real etcd: TLS from the environment and
// from a calicoctl config file, TLS material that cannot work, values other tools stored,
// passwords in endpoint URLs, POOLCTL_ETCD_TIMEOUT, and etcd going away in the middle of a
// batch (the rest of datastore selection: datastore-config.test.ts; a cluster:
// etcd-cluster.etcd.test.ts).

const POOL = 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p1}\nspec: {cidr: 10.1.0.0/16}\n';
const noTrace = (s: string): void => expect(s).not.toMatch(/\n\s+at .*:\d+:\d+/);

let dir = '';
const cli = (args: string[], env: Record<string, string | undefined>, input?: string) =>
  runCli(args, { env: { ...CLEAN_ENV, HOME: dir, XDG_DATA_HOME: undefined, ...env }, ...(input !== undefined ? { input } : {}) });
/** writeTo writes a file in the suite's directory and returns its path. */
const writeTo = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

const skip = skipEtcd();

describe.skipIf(skip !== null)(`etcd through the CLI${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let tls: EtcdServer;
  let plain: EtcdServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'poolctl-select-etcd-'));
    [tls, plain] = await Promise.all([startEtcd({ tls: TEST_TLS }), startEtcd()]);
  });
  afterAll(async () => {
    await Promise.all([tls?.destroy(), plain?.destroy()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('TLS with ETCD_CA_CERT_FILE, ETCD_CERT_FILE and ETCD_KEY_FILE', async () => {
    const env = {
      DATASTORE_TYPE: 'etcdv3',
      ETCD_ENDPOINTS: tls.endpoint,
      ETCD_CA_CERT_FILE: TEST_TLS.ca,
      ETCD_CERT_FILE: TEST_TLS.clientCert,
      ETCD_KEY_FILE: TEST_TLS.clientKey,
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
        `  etcdCACertFile: ${TEST_TLS.ca}\n  etcdCertFile: ${TEST_TLS.clientCert}\n  etcdKeyFile: ${TEST_TLS.clientKey}\n`,
    );
    const r = await cli(['get', 'pools', '-o', 'wide', '-c', cfg], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('p1 ');
  });

  describe('values other tools stored', () => {
    const PREFIX = '/calico/resources/v3/projectcalico.org/ippools/';
    let raw: Etcd3;
    const etcdEnv = (): Record<string, string> => ({ DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: plain.endpoint });
    const put = (name: string, value: string): Promise<unknown> => raw.put(PREFIX + name).value(value).exec();
    beforeAll(() => {
      raw = new Etcd3({ hosts: plain.endpoint });
    });
    beforeEach(() => raw.delete().prefix('/calico/'));
    afterAll(async () => {
      await raw.delete().prefix('/calico/');
      raw.close();
    });

    it('a pool stored as spec: {} is listed (empty CIDR, as calicoctl shows it) in every table', async () => {
      await put('empty', '{"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{"name":"empty"},"spec":{}}');
      await put('ok', '{"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{"name":"ok"},"spec":{"cidr":"10.5.0.0/16"}}');
      for (const o of [[], ['-o', 'wide']]) {
        const r = await cli(['get', 'ippools', ...o], etcdEnv());
        expect([r.code, r.stderr]).toEqual([0, '']);
        expect(r.stdout.split('\n')[1]).toMatch(/^empty {4}\s+(false|all\(\))/);
        expect(r.stdout).toMatch(/\nok\s+10\.5\.0\.0\/16 /);
      }
    });

    it('spec.__proto__ in a stored value does not make a pool NAT (Calico ignores the key)', async () => {
      await put('proto', '{"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{"name":"proto"},"spec":{"cidr":"10.9.0.0/16","__proto__":{"natOutgoing":true}}}');
      const r = await cli(['nat', 'explain', '10.9.1.1', '1.1.1.1', '-o', 'json'], etcdEnv());
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ nat: false, action: 'none', srcPool: { name: 'proto', natOutgoing: false } });
      expect((await cli(['get', 'ippool', 'proto', '-o', 'wide'], etcdEnv())).stdout).toMatch(/\nproto\s+10\.9\.0\.0\/16\s+false /);
    });

    it('a value that is no IPPool is reported by key when listing, and delete removes it', async () => {
      await put('garbage', 'not json at all');
      await put('ok', '{"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{"name":"ok"},"spec":{"cidr":"10.5.0.0/16"}}');
      const warning = `warning: etcd key ${PREFIX}garbage does not hold an IPPool Calico can read (not JSON); get and list leave it out, poolctl delete ippool garbage removes it\n`;
      const list = await cli(['get', 'ippools', '-o', 'name'], etcdEnv());
      expect([list.code, list.stdout, list.stderr]).toEqual([0, 'ippool/ok\n', warning]);
      const create = await cli(['create', '-f', '-'], etcdEnv(), 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: garbage}\nspec: {cidr: 10.6.0.0/16}\n');
      expect(create.code).toBe(1);
      expect(create.stderr).toContain("Failed to create 'IPPool' resource: resource already exists: IPPool(garbage)");
      const del = await cli(['delete', 'ippool', 'garbage'], etcdEnv());
      expect([del.code, del.stdout]).toEqual([0, "Successfully deleted 1 'IPPool' resource(s)\n"]);
      expect((await raw.getAll().prefix(PREFIX).keys()).map((k) => k.slice(PREFIX.length))).toEqual(['ok']);
    });

    it('a key with terminal escapes in its name is warned about visibly, never raw', async () => {
      await put('evil\x1b[2J\u202e', 'not json');
      const r = await cli(['get', 'ippools', '-o', 'name'], etcdEnv());
      expect([r.code, r.stdout]).toEqual([0, '']);
      expect(r.stderr).toBe(
        `warning: etcd key ${PREFIX}evil\\x1b[2J\\u202e does not hold an IPPool Calico can read (not JSON); get and list leave it out, poolctl delete ippool evil\\x1b[2J\\u202e removes it\n`,
      );
    });

    it('get of that one name and the nat commands say the same (the key is named, nothing fails)', async () => {
      await put('garbage', '{"kind":"IPPool","metadata":{"name":"garbage"},"spec":{"cidr":"10.7.0.0/16","natOutgoing":"yes"}}');
      await put('ok', '{"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{"name":"ok"},"spec":{"cidr":"10.5.0.0/16","natOutgoing":true}}');
      const warning = `warning: etcd key ${PREFIX}garbage does not hold an IPPool Calico can read (spec.natOutgoing: cannot decode a JSON string into a Go bool); get and list leave it out, poolctl delete ippool garbage removes it\n`;
      const get = await cli(['get', 'ippool', 'garbage'], etcdEnv());
      expect(get.code).toBe(1);
      expect(get.stderr).toContain(warning);
      expect(get.stderr).toContain('resource does not exist: IPPool(garbage)');
      const nat = await cli(['nat', 'explain', '10.5.0.1', '1.1.1.1'], etcdEnv());
      expect([nat.code, nat.stderr]).toEqual([0, warning]);
      expect(nat.stdout).toMatch(/^10\.5\.0\.1 -> 1\.1\.1\.1: NAT \(MASQUERADE\)\n/);
    });

    it('a value naming another pool is shown under its key, with a warning', async () => {
      await put('by-key', '{"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{"name":"by-value"},"spec":{"cidr":"10.8.0.0/16"}}');
      const r = await cli(['get', 'ippools', '-o', 'name'], etcdEnv());
      expect([r.code, r.stdout]).toEqual([0, 'ippool/by-key\n']);
      expect(r.stderr).toBe(`warning: etcd key ${PREFIX}by-key: its value names the pool "by-value"; it is shown as by-key\n`);
    });
  });

  it('a password in an endpoint URL is never printed (and is ignored, as calicoctl ignores it)', async () => {
    const down = await cli(['get', 'ippools'], { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://calico:s3cret-pw@127.0.0.1:9' });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('cannot reach etcd at http://calico:xxxxx@127.0.0.1:9: list failed: ');
    const url = new URL(plain.endpoint);
    const up = await cli(['get', 'ippools', '-o', 'name'], { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: `http://calico:s3cret-pw@${url.host}` });
    expect(up.code).toBe(0);
    expect(up.stderr).toBe(
      `warning: the user name and password in the etcd endpoint http://calico:xxxxx@${url.host} are ignored (as calicoctl ignores them); set ETCD_USERNAME and ETCD_PASSWORD\n`,
    );
    for (const r of [down, up]) expect(r.stdout + r.stderr).not.toContain('s3cret-pw');
  });

  it.each([
    ['a client key that is not the certificate\'s', () => ({ ETCD_CERT_FILE: TEST_TLS.clientCert, ETCD_KEY_FILE: TEST_TLS.key }), `the etcd client key file ${TEST_TLS.key} is not the key of the certificate in etcd client certificate file ${TEST_TLS.clientCert}`],
    ['a CA file with no certificate in it', () => ({ ETCD_CA_CERT_FILE: writeTo('no-cert.pem', 'just some text\n') }), 'the etcd CA certificate file DIR/no-cert.pem holds no certificate (no PEM "BEGIN CERTIFICATE" block)'],
    ['a CA file holding only a key', () => ({ ETCD_CA_CERT_FILE: TEST_TLS.clientKey }), `the etcd CA certificate file ${TEST_TLS.clientKey} holds no certificate (no PEM "BEGIN CERTIFICATE" block)`],
    ['a client key file with no key', () => ({ ETCD_KEY_FILE: TEST_TLS.ca }), `the etcd client key file ${TEST_TLS.ca} holds no usable private key (no unencrypted PEM "PRIVATE KEY" block)`],
  ])('TLS material that cannot work is a configuration error, exit 2: %s', async (_name, files, message) => {
    const env = { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: tls.endpoint, ETCD_CA_CERT_FILE: TEST_TLS.ca, ETCD_CERT_FILE: TEST_TLS.clientCert, ETCD_KEY_FILE: TEST_TLS.clientKey, ...files() };
    const r = await cli(['get', 'ippools'], env);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(message.replace('DIR', dir));
    noTrace(r.stderr);
  });

  it.each(['abc', '0s', '-5s', '10 s'])('POOLCTL_ETCD_TIMEOUT=%j is a configuration error, exit 2', async (v) => {
    const r = await cli(['get', 'ippools'], { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: plain.endpoint, POOLCTL_ETCD_TIMEOUT: v });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`POOLCTL_ETCD_TIMEOUT=${JSON.stringify(v)} is not a duration of at least 1 ms`);
  });

  it('etcd stopped in the middle of a batch: every resource is reported done or failed, truthfully', async () => {
    const { Etcd3 } = await import('etcd3');
    const raw = new Etcd3({ hosts: plain.endpoint });
    // poolctl talks to etcd through a proxy that delays what poolctl sends by 150 ms (a
    // 1 MiB transaction needs many flow-control round trips, so it takes seconds to get
    // through; answers are not delayed). When the first transaction shows in etcd, the proxy
    // waits for its answer to reach poolctl, then cuts every connection (the next
    // transaction is still on its way) and etcd is killed.
    const proxy = await startTcpProxy(Number(new URL(plain.endpoint).port));
    proxy.set({ toServer: { delayMs: 150 } });
    try {
      const n = 6000;
      const docs = Array.from({ length: n }, (_, i) => `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: s-${String(i).padStart(4, '0')}}\nspec: {cidr: 10.${i >> 8}.${i & 255}.0/24}\n`);
      const env = { DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: `http://127.0.0.1:${proxy.port}` };
      const run = cli(['create', '-f', '-'], env, docs.join('---\n'));
      const prefix = '/calico/resources/v3/projectcalico.org/ippools/';
      while ((await raw.getAll().prefix(prefix).count()) === 0) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 300));
      await proxy.close();
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
      await proxy.close();
      raw.close();
    }
  });
});
