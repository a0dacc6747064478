import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { PoolctlError } from '../base/errors.js';
import { formatByteLimit, MAX_INPUT_BYTES, readFileBounded, TOO_LARGE } from '../base/read-bounded.js';
import type { EtcdConfig } from './etcd-config.js';

/** DatastoreConfig is the datastore a command line selects, and what selected it (for messages). */
export type DatastoreConfig =
  | { readonly type: 'file'; readonly path: string; readonly source: string }
  | { readonly type: 'etcdv3'; readonly etcd: EtcdConfig; readonly source: string };

/** DatastoreSelection is what the selection reads: the global flags, environment and directories. */
export interface DatastoreSelection {
  readonly store?: string;
  readonly config?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** DEFAULT_CONFIG_FILE is calicoctl's default config file, used when it exists. */
export const DEFAULT_CONFIG_FILE = '/etc/calico/calicoctl.cfg';

/** configError is a mistake in the datastore configuration (CONFIG_INVALID, a usage error). */
export function configError(message: string, hint?: string): PoolctlError {
  return new PoolctlError('CONFIG_INVALID', message, hint ? { hint } : {});
}

function unsupported(type: string, where: string): PoolctlError {
  if (type === 'kubernetes') {
    return new PoolctlError('DATASTORE_UNSUPPORTED', `datastore type 'kubernetes' (${where}) is not supported by poolctl`, {
      hint: "use 'etcdv3' (ETCD_ENDPOINTS) or the embedded store ('file', POOLCTL_STORE or --store)",
    });
  }
  return new PoolctlError('DATASTORE_UNSUPPORTED', `unsupported datastore type '${type}' (${where})`, {
    hint: "use 'file' or 'etcdv3'",
  });
}

/**
 * envValue reads a Calico setting from the environment as envconfig does for calicoctl
 * (`CALICO_<NAME>` first, then `<NAME>`); empty counts as unset.
 */
function envValue(env: DatastoreSelection['env'], name: string): string | undefined {
  const v = env[`CALICO_${name}`] || env[name];
  return v ? v : undefined;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, '\u00b5s': 1e-3, '\u03bcs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * envDuration reads a duration setting from the environment: a Go duration (`10s`, `1m30s`,
 * `2.5s`, `500ms`, as etcdctl's --command-timeout takes) or a number of seconds. Unset is
 * undefined (the default); anything else that is not a positive duration is a configuration error.
 */
function envDuration(env: DatastoreSelection['env'], name: 'POOLCTL_ETCD_TIMEOUT' | 'POOLCTL_ETCD_KEEPALIVE'): number | undefined {
  const v = env[name]?.trim();
  if (!v) return undefined;
  let ms = Number.NaN;
  if (/^\d+(\.\d+)?$/.test(v)) ms = Number(v) * 1000;
  else if (/^(\d+(\.\d*)?|\.\d+)[a-z\u00b5\u03bc]+((\d+(\.\d*)?|\.\d+)[a-z\u00b5\u03bc]+)*$/.test(v)) {
    ms = 0;
    for (const [, n, unit] of v.matchAll(/(\d+(?:\.\d*)?|\.\d+)([a-z\u00b5\u03bc]+)/g)) {
      const scale = DURATION_UNITS[unit!];
      if (scale === undefined) {
        ms = Number.NaN;
        break;
      }
      ms += Number(n) * scale;
    }
  }
  if (!(ms >= 1) || !Number.isFinite(ms)) {
    throw configError(`${name}=${JSON.stringify(v)} is not a duration of at least 1 ms`, 'give a duration such as 10s, 1m30s or 2.5s (or a number of seconds)');
  }
  return Math.round(ms);
}

/**
 * etcdTimeout reads POOLCTL_ETCD_TIMEOUT, the deadline of each etcd request (envDuration; unset:
 * etcd-config.ts ETCD_TIMEOUT_MS).
 */
export function etcdTimeout(env: DatastoreSelection['env']): number | undefined {
  return envDuration(env, 'POOLCTL_ETCD_TIMEOUT');
}

/**
 * etcdKeepalive reads POOLCTL_ETCD_KEEPALIVE, how often a watch's connection is pinged
 * (envDuration; unset: etcd-config.ts ETCD_KEEPALIVE_MS).
 */
export function etcdKeepalive(env: DatastoreSelection['env']): number | undefined {
  return envDuration(env, 'POOLCTL_ETCD_KEEPALIVE');
}

function splitEndpoints(s: string): string[] {
  return s
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
}

/** defaultStorePath is $XDG_DATA_HOME/poolctl, else ~/.local/share/poolctl. */
export function defaultStorePath(env: DatastoreSelection['env']): string {
  const xdg = env.XDG_DATA_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'poolctl');
  return join(env.HOME || homedir(), '.local', 'share', 'poolctl');
}

function fromEnv(sel: DatastoreSelection): DatastoreConfig | null {
  const { env, cwd } = sel;
  const type = envValue(env, 'DATASTORE_TYPE');
  const store = env.POOLCTL_STORE || undefined;
  const endpoints = envValue(env, 'ETCD_ENDPOINTS');
  if (!type && !store && !endpoints) return null;
  const chosen = type ?? (store ? 'file' : 'etcdv3');
  if (chosen === 'file') {
    return store
      ? { type: 'file', path: resolve(cwd, store), source: 'POOLCTL_STORE' }
      : { type: 'file', path: defaultStorePath(env), source: 'DATASTORE_TYPE=file (default path)' };
  }
  if (chosen !== 'etcdv3') throw unsupported(chosen, 'DATASTORE_TYPE');
  if (envValue(env, 'ETCD_DISCOVERY_SRV')) {
    throw configError('ETCD_DISCOVERY_SRV is not supported by poolctl', 'list the endpoints in ETCD_ENDPOINTS');
  }
  if (!endpoints) throw configError('no etcd endpoints specified', 'set ETCD_ENDPOINTS, e.g. ETCD_ENDPOINTS=http://127.0.0.1:2379');
  const file = (name: string): string | undefined => {
    const v = envValue(env, name);
    return v ? resolve(cwd, v) : undefined;
  };
  const timeoutMs = etcdTimeout(env);
  const keepaliveMs = etcdKeepalive(env);
  return {
    type: 'etcdv3',
    source: type ? 'DATASTORE_TYPE=etcdv3' : 'ETCD_ENDPOINTS',
    etcd: {
      endpoints: splitEndpoints(endpoints),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(keepaliveMs !== undefined ? { keepaliveMs } : {}),
      ...opt('username', envValue(env, 'ETCD_USERNAME')),
      ...opt('password', envValue(env, 'ETCD_PASSWORD')),
      ...opt('caCertFile', file('ETCD_CA_CERT_FILE')),
      ...opt('certFile', file('ETCD_CERT_FILE')),
      ...opt('keyFile', file('ETCD_KEY_FILE')),
    },
  };
}

function opt<K extends string>(k: K, v: string | undefined): { [P in K]?: string } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: string };
}

/**
 * SPEC_FIELDS are CalicoAPIConfigSpec's JSON keys and Go types (libcalico-go/lib/apiconfig/apiconfig.go),
 * plus poolctl's storePath. The file is decoded strictly, like calicoctl's yaml.UnmarshalStrict.
 */
const SPEC_FIELDS: Readonly<Record<string, 'string' | 'bool' | 'float32'>> = {
  datastoreType: 'string',
  etcdEndpoints: 'string',
  etcdDiscoverySrv: 'string',
  etcdUsername: 'string',
  etcdPassword: 'string',
  etcdKeyFile: 'string',
  etcdCertFile: 'string',
  etcdCACertFile: 'string',
  etcdKey: 'string',
  etcdCert: 'string',
  etcdCACert: 'string',
  kubeconfig: 'string',
  k8sAPIEndpoint: 'string',
  k8sKeyFile: 'string',
  k8sCertFile: 'string',
  k8sCAFile: 'string',
  k8sAPIToken: 'string',
  k8sInsecureSkipTLSVerify: 'bool',
  k8sDisableNodePoll: 'bool',
  usePodCIDR: 'bool',
  kubeconfigInline: 'string',
  k8sClientQPS: 'float32',
  k8sCurrentContext: 'string',
  calicoAPIGroup: 'string',
  storePath: 'string',
};

function goType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

/**
 * parseConfigFile decodes a CalicoAPIConfig (YAML or JSON) the way calicoctl does
 * (libcalico-go/lib/apiconfig/load.go): strict fields, then apiVersion and kind, then the
 * datastore type defaulted from etcdEndpoints (poolctl: storePath means 'file').
 */
export async function parseConfigFile(path: string, text: string, sel: Pick<DatastoreSelection, 'cwd' | 'env'>): Promise<DatastoreConfig> {
  const syntax = (detail: string): PoolctlError =>
    configError(`syntax error in ${path}: failed to parse config as YAML/JSON: ${detail}`);
  const strict = (detail: string): PoolctlError => syntax(`error unmarshaling JSON: while decoding JSON: json: ${detail}`);
  const { parse } = (await import('yaml')).default;
  let doc: unknown;
  try {
    doc = parse(text, { prettyErrors: false });
  } catch (e) {
    throw syntax((e as Error).message.split('\n')[0]!);
  }
  if (doc === null || doc === undefined) doc = {};
  if (goType(doc) !== 'object') throw strict(`cannot unmarshal ${goType(doc)} into Go value of type apiconfig.CalicoAPIConfig`);
  const top = doc as Record<string, unknown>;
  for (const k of Object.keys(top)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec'].includes(k)) throw strict(`unknown field "${k}"`);
    if ((k === 'apiVersion' || k === 'kind') && typeof top[k] !== 'string') {
      throw strict(`cannot unmarshal ${goType(top[k])} into Go struct field CalicoAPIConfig.${k} of type string`);
    }
  }
  const spec = (top.spec ?? {}) as Record<string, unknown>;
  if (goType(spec) !== 'object') throw strict(`cannot unmarshal ${goType(spec)} into Go struct field CalicoAPIConfig.spec of type apiconfig.CalicoAPIConfigSpec`);
  for (const [k, v] of Object.entries(spec)) {
    const t = SPEC_FIELDS[k];
    if (!t) throw strict(`unknown field "${k}"`);
    const ok = v === null || (t === 'string' ? typeof v === 'string' : t === 'bool' ? typeof v === 'boolean' : typeof v === 'number');
    if (!ok) throw strict(`cannot unmarshal ${goType(v)} into Go struct field CalicoAPIConfigSpec.spec.${k} of type ${t}`);
  }
  if (top.apiVersion !== 'projectcalico.org/v3') {
    throw configError(`invalid config file: unknown APIVersion '${(top.apiVersion as string | undefined) ?? ''}'`);
  }
  if (top.kind !== 'CalicoAPIConfig') {
    throw configError(`invalid config file: expected kind 'CalicoAPIConfig', got '${(top.kind as string | undefined) ?? ''}'`);
  }
  const s = (k: string): string | undefined => (typeof spec[k] === 'string' && spec[k] !== '' ? (spec[k] as string) : undefined);
  const type = s('datastoreType') ?? (s('etcdEndpoints') ? 'etcdv3' : s('storePath') ? 'file' : 'kubernetes');
  const where = `datastoreType in ${path}`;
  if (type === 'file') {
    const store = s('storePath');
    return {
      type: 'file',
      path: store ? resolve(dirname(path), store) : defaultStorePath(sel.env),
      source: `config file ${path}`,
    };
  }
  if (type !== 'etcdv3') throw unsupported(type, where);
  if (s('etcdDiscoverySrv')) throw configError(`etcdDiscoverySrv (${path}) is not supported by poolctl`, 'list the endpoints in etcdEndpoints');
  const endpoints = s('etcdEndpoints');
  if (!endpoints) throw configError(`no etcd endpoints specified (${path})`, 'set spec.etcdEndpoints');
  const file = (k: string): string | undefined => {
    const v = s(k);
    return v ? resolve(sel.cwd, v) : undefined;
  };
  const timeoutMs = etcdTimeout(sel.env);
  const keepaliveMs = etcdKeepalive(sel.env);
  return {
    type: 'etcdv3',
    source: `config file ${path}`,
    etcd: {
      endpoints: splitEndpoints(endpoints),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(keepaliveMs !== undefined ? { keepaliveMs } : {}),
      ...opt('username', s('etcdUsername')),
      ...opt('password', s('etcdPassword')),
      ...opt('caCertFile', file('etcdCACertFile')),
      ...opt('certFile', file('etcdCertFile')),
      ...opt('keyFile', file('etcdKeyFile')),
      ...opt('caCert', s('etcdCACert')),
      ...opt('cert', s('etcdCert')),
      ...opt('key', s('etcdKey')),
    },
  };
}

async function fromConfigFile(sel: DatastoreSelection): Promise<DatastoreConfig | null> {
  const explicit = sel.config ?? (sel.env.POOLCTL_CONFIG || undefined);
  const path = explicit !== undefined ? resolve(sel.cwd, explicit) : existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : null;
  if (path === null) return null;
  let bytes: Buffer | typeof TOO_LARGE;
  try {
    bytes = readFileBounded({ openSync, fstatSync, readSync, closeSync }, path);
  } catch (e) {
    throw configError(`Error reading config file: ${path}`, (e as Error).message);
  }
  if (bytes === TOO_LARGE) {
    throw configError(`Error reading config file: ${path}: it exceeds the size limit of ${formatByteLimit(MAX_INPUT_BYTES)}`);
  }
  return parseConfigFile(path, bytes.toString('utf8'), sel);
}

/**
 * resolveDatastoreConfig picks the datastore as spec/cli.md "Datastore selection" orders it,
 * first match wins: --store; the environment (DATASTORE_TYPE, else POOLCTL_STORE, else
 * ETCD_ENDPOINTS; CALICO_-prefixed names too); the config file (-c, $POOLCTL_CONFIG,
 * /etc/calico/calicoctl.cfg if it exists); the embedded store at the default path.
 * Unsupported types are DATASTORE_UNSUPPORTED, bad config files CONFIG_INVALID (both usage errors),
 * an unreadable or oversized one (read through the bounded reader, MAX_INPUT_BYTES) included.
 */
export async function resolveDatastoreConfig(sel: DatastoreSelection): Promise<DatastoreConfig> {
  if (sel.store !== undefined) {
    // an empty path would resolve to the working directory and write snapshots there
    if (sel.store.trim() === '') throw configError('--store needs the path of a directory, not an empty string', 'give a directory, e.g. --store ~/.local/share/poolctl, or leave --store out');
    return { type: 'file', path: resolve(sel.cwd, sel.store), source: '--store' };
  }
  return fromEnv(sel) ?? (await fromConfigFile(sel)) ?? { type: 'file', path: defaultStorePath(sel.env), source: 'default' };
}
