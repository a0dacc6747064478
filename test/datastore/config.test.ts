import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG_FILE, defaultStorePath, etcdKeepalive, etcdTimeout, parseConfigFile, resolveDatastoreConfig } from '../../src/datastore/config.js';
import { failure, failureOf } from '../support/failure.js';

const cwd = '/work/here';
const sel = (env: Record<string, string>, flags: { store?: string; config?: string } = {}) => resolveDatastoreConfig({ env, cwd, ...flags });

describe('datastore selection (spec/cli.md: first match wins)', () => {
  it('--store wins over everything', async () => {
    expect(await sel({ DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: 'http://e:2379', POOLCTL_STORE: '/s' }, { store: 'rel/dir' })).toEqual({
      type: 'file',
      path: '/work/here/rel/dir',
      source: '--store',
    });
  });

  it('POOLCTL_STORE alone selects the embedded store, relative to the working directory', async () => {
    expect(await sel({ POOLCTL_STORE: './somewhere' })).toEqual({ type: 'file', path: '/work/here/somewhere', source: 'POOLCTL_STORE' });
  });

  it('DATASTORE_TYPE=etcdv3 with the ETCD_* settings (CALICO_ prefix first, as calicoctl)', async () => {
    const c = await sel({
      DATASTORE_TYPE: 'etcdv3',
      ETCD_ENDPOINTS: 'https://a:2379, https://b:2379',
      CALICO_ETCD_USERNAME: 'root',
      ETCD_USERNAME: 'ignored',
      ETCD_PASSWORD: 'pw',
      ETCD_CA_CERT_FILE: 'ca.pem',
      ETCD_CERT_FILE: '/abs/cert.pem',
      ETCD_KEY_FILE: 'key.pem',
      POOLCTL_STORE: '/not/used',
    });
    expect(c).toEqual({
      type: 'etcdv3',
      source: 'DATASTORE_TYPE=etcdv3',
      etcd: {
        endpoints: ['https://a:2379', 'https://b:2379'],
        username: 'root',
        password: 'pw',
        caCertFile: '/work/here/ca.pem',
        certFile: '/abs/cert.pem',
        keyFile: '/work/here/key.pem',
      },
    });
  });

  it('ETCD_ENDPOINTS alone means etcdv3 (calicoctl defaults the type from the endpoints)', async () => {
    expect(await sel({ ETCD_ENDPOINTS: 'http://127.0.0.1:2379' })).toMatchObject({ type: 'etcdv3', etcd: { endpoints: ['http://127.0.0.1:2379'] } });
  });

  it('DATASTORE_TYPE=file uses POOLCTL_STORE or the default path', async () => {
    expect(await sel({ DATASTORE_TYPE: 'file', HOME: '/home/u' })).toEqual({
      type: 'file',
      path: '/home/u/.local/share/poolctl',
      source: 'DATASTORE_TYPE=file (default path)',
    });
  });

  it('kubernetes and unknown types are usage errors (exit 2)', async () => {
    await expect(failure(sel({ DATASTORE_TYPE: 'kubernetes' }))).resolves.toMatchObject({
      exitCode: 2,
      code: 'DATASTORE_UNSUPPORTED',
      message: "datastore type 'kubernetes' (DATASTORE_TYPE) is not supported by poolctl",
    });
    await expect(failure(sel({ DATASTORE_TYPE: 'consul' }))).resolves.toMatchObject({ exitCode: 2, message: "unsupported datastore type 'consul' (DATASTORE_TYPE)" });
    await expect(failure(sel({ DATASTORE_TYPE: 'etcdv3' }))).resolves.toMatchObject({ exitCode: 2, message: 'no etcd endpoints specified' });
  });

  it('defaults to $XDG_DATA_HOME/poolctl, else ~/.local/share/poolctl', async () => {
    expect(defaultStorePath({ XDG_DATA_HOME: '/xdg', HOME: '/home/u' })).toBe('/xdg/poolctl');
    expect(defaultStorePath({ XDG_DATA_HOME: 'relative', HOME: '/home/u' })).toBe('/home/u/.local/share/poolctl');
    // Without flags, environment or /etc/calico/calicoctl.cfg: the default store.
    const c = await sel({ HOME: '/home/u' }).catch((e: unknown) => e);
    if (existsSync(DEFAULT_CONFIG_FILE)) expect(JSON.stringify(c)).toContain(DEFAULT_CONFIG_FILE);
    else expect(c).toEqual({ type: 'file', path: '/home/u/.local/share/poolctl', source: 'default' });
  });

  it('the config file (-c, else $POOLCTL_CONFIG) comes after the environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poolctl-cfg-'));
    try {
      const f = join(dir, 'calicoctl.cfg');
      writeFileSync(f, 'apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nmetadata: {}\nspec:\n  datastoreType: file\n  storePath: store\n');
      expect(await sel({}, { config: f })).toEqual({ type: 'file', path: join(dir, 'store'), source: `config file ${f}` });
      expect(await sel({ POOLCTL_CONFIG: f })).toMatchObject({ type: 'file', path: join(dir, 'store') });
      expect(await sel({ POOLCTL_STORE: '/env/wins' }, { config: f })).toMatchObject({ path: '/env/wins' });
      await expect(failure(sel({}, { config: join(dir, 'missing.cfg') }))).resolves.toMatchObject({ exitCode: 2, message: `Error reading config file: ${join(dir, 'missing.cfg')}` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("CalicoAPIConfig parsing (calicoctl's strict rules and messages)", () => {
  const parse = (text: string) => parseConfigFile('/etc/calico/calicoctl.cfg', text, { cwd, env: { HOME: '/home/u' } });

  it('reads an etcd configuration with files or inline certificates', async () => {
    const c = await parse(`apiVersion: projectcalico.org/v3
kind: CalicoAPIConfig
metadata:
spec:
  etcdEndpoints: https://10.0.0.1:2379,https://10.0.0.2:2379
  etcdUsername: calico
  etcdPassword: secret
  etcdCACert: |
    -----BEGIN CERTIFICATE-----
`);
    expect(c).toEqual({
      type: 'etcdv3',
      source: 'config file /etc/calico/calicoctl.cfg',
      etcd: { endpoints: ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'], username: 'calico', password: 'secret', caCert: '-----BEGIN CERTIFICATE-----\n' },
    });
  });

  it.each([
    ['apiVersion: v1\nkind: CalicoAPIConfig\n', "invalid config file: unknown APIVersion 'v1'"],
    ['apiVersion: projectcalico.org/v3\nkind: Config\n', "invalid config file: expected kind 'CalicoAPIConfig', got 'Config'"],
    [
      'apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec:\n  datastoreType: etcdv3\n  etcdEndpoint: http://x\n',
      'syntax error in /etc/calico/calicoctl.cfg: failed to parse config as YAML/JSON: error unmarshaling JSON: while decoding JSON: json: unknown field "etcdEndpoint"',
    ],
    [
      'apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec:\n  k8sInsecureSkipTLSVerify: "yes"\n',
      'syntax error in /etc/calico/calicoctl.cfg: failed to parse config as YAML/JSON: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field CalicoAPIConfigSpec.spec.k8sInsecureSkipTLSVerify of type bool',
    ],
    ['apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec: {kubeconfig: /root/.kube/config}\n', "datastore type 'kubernetes' (datastoreType in /etc/calico/calicoctl.cfg) is not supported by poolctl"],
    ['apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec: {datastoreType: etcdv3}\n', 'no etcd endpoints specified (/etc/calico/calicoctl.cfg)'],
    ['spec: [\n', 'syntax error in /etc/calico/calicoctl.cfg: failed to parse config as YAML/JSON:'],
  ])('%j -> %s', async (text, message) => {
    const e = failureOf(await parse(text).catch((x: unknown) => x));
    expect(e.exitCode).toBe(2);
    expect(e.message.startsWith(message)).toBe(true);
  });
});

describe('POOLCTL_ETCD_TIMEOUT: the deadline of each etcd request', () => {
  it.each([
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['2.5s', 2500],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['1500us', 2],
    ['7', 7000],
    ['0.25', 250],
    [' 3s ', 3000],
  ])('%j is %d ms', (v, ms) => {
    expect(etcdTimeout({ POOLCTL_ETCD_TIMEOUT: v })).toBe(ms);
  });

  it('unset or empty is the default (undefined)', () => {
    expect(etcdTimeout({})).toBeUndefined();
    expect(etcdTimeout({ POOLCTL_ETCD_TIMEOUT: '' })).toBeUndefined();
  });

  it.each(['abc', '0', '0s', '-1s', '+1s', '10 s', '10sec', '1d', '100ns', 's'])('%j is a configuration error (exit 2)', (v) => {
    let thrown: unknown;
    try {
      etcdTimeout({ POOLCTL_ETCD_TIMEOUT: v });
    } catch (e) {
      thrown = e;
    }
    expect(failureOf(thrown)).toMatchObject({ code: 'CONFIG_INVALID', exitCode: 2, message: `POOLCTL_ETCD_TIMEOUT=${JSON.stringify(v.trim())} is not a duration of at least 1 ms` });
  });

  it('reaches the etcd configuration from the environment and with a config file', async () => {
    const c = await sel({ ETCD_ENDPOINTS: 'http://e:2379', POOLCTL_ETCD_TIMEOUT: '3s' });
    expect(c).toMatchObject({ type: 'etcdv3', etcd: { timeoutMs: 3000 } });
    const f = await parseConfigFile('/c.cfg', 'apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec: {etcdEndpoints: "http://e:2379"}\n', { cwd, env: { POOLCTL_ETCD_TIMEOUT: '1m' } });
    expect(f).toMatchObject({ type: 'etcdv3', etcd: { timeoutMs: 60_000 } });
  });

  it('POOLCTL_ETCD_KEEPALIVE (the watch connection\'s ping interval) is read the same way, from the environment and with a config file', async () => {
    expect(etcdKeepalive({ POOLCTL_ETCD_KEEPALIVE: '1m30s' })).toBe(90_000);
    expect(etcdKeepalive({})).toBeUndefined();
    expect(() => etcdKeepalive({ POOLCTL_ETCD_KEEPALIVE: '0s' })).toThrow('POOLCTL_ETCD_KEEPALIVE="0s" is not a duration of at least 1 ms');
    expect(await sel({ ETCD_ENDPOINTS: 'http://e:2379', POOLCTL_ETCD_KEEPALIVE: '5s' })).toMatchObject({ etcd: { keepaliveMs: 5000 } });
    const f = await parseConfigFile('/c.cfg', 'apiVersion: projectcalico.org/v3\nkind: CalicoAPIConfig\nspec: {etcdEndpoints: "http://e:2379"}\n', { cwd, env: { POOLCTL_ETCD_KEEPALIVE: '20s' } });
    expect(f).toMatchObject({ etcd: { keepaliveMs: 20_000 } });
  });
});
