import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import type { Datastore } from '../../src/datastore/datastore.js';
import { openEtcdDatastore } from '../../src/datastore/etcd.js';

/** ETCD_BIN is the etcd server the integration tests start (Debian's etcd-server: /usr/bin/etcd). */
export const ETCD_BIN = process.env.POOLCTL_TEST_ETCD ?? '/usr/bin/etcd';

/**
 * etcdMissing returns why etcd cannot be started here, or null if it can. Outside CI a suite
 * may skip with this reason; in CI (CI=true) the suites call requireEtcd, which fails instead.
 */
export function etcdMissing(): string | null {
  if (!existsSync(ETCD_BIN)) return `etcd not installed at ${ETCD_BIN} (apt-get install etcd-server)`;
  const r = spawnSync(ETCD_BIN, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) return `${ETCD_BIN} --version failed: ${r.stderr || r.error?.message}`;
  return null;
}

/** skipEtcd is the reason to skip etcd suites: null in CI (where a missing etcd must fail). */
export function skipEtcd(): string | null {
  if (process.env.CI === 'true') return null;
  return etcdMissing();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * EtcdServer is a throw-away single-member etcd on loopback ports with its own data dir.
 * stop() ends it (keeping the data for start()); destroy() ends it and removes the data.
 */
export interface EtcdServer {
  readonly endpoint: string;
  readonly dataDir: string;
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  destroy(): Promise<void>;
}

/** EtcdTLS are PEM file paths: the server's certificate and key, and the CA clients must present certificates from. */
export interface EtcdTLS {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  /** client certificate and key the health check presents */
  readonly clientCert: string;
  readonly clientKey: string;
}

function health(endpoint: string, tls?: EtcdTLS): Promise<boolean> {
  return new Promise((resolve) => {
    const url = new URL('/health', endpoint);
    const done = (ok: boolean): void => resolve(ok);
    const req = tls
      ? httpsRequest(url, { ca: readFileSync(tls.ca), cert: readFileSync(tls.clientCert), key: readFileSync(tls.clientKey) })
      : httpRequest(url);
    req.on('response', (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => done(res.statusCode === 200 && body.includes('"health":"true"')));
    });
    req.on('error', () => done(false));
    req.setTimeout(1000, () => req.destroy());
    req.end();
  });
}

async function waitHealthy(endpoint: string, child: ChildProcess, log: () => string, tls?: EtcdTLS): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}:\n${log()}`);
    if (await health(endpoint, tls)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`etcd at ${endpoint} did not become healthy in 15 s:\n${log()}`);
}

/**
 * startEtcd starts etcd (throws with the reason if it cannot: a missing etcd is a failure for
 * the caller to report), over TLS with client certificates when `tls` is given. The server
 * stops when the test process exits, at the latest.
 */
export async function startEtcd(opts: { tls?: EtcdTLS } = {}): Promise<EtcdServer> {
  const missing = etcdMissing();
  if (missing) throw new Error(`cannot run the etcd suites: ${missing}`);
  const [client, peer] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'poolctl-etcd-'));
  const endpoint = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${client}`;
  const tlsArgs = opts.tls
    ? ['--cert-file', opts.tls.cert, '--key-file', opts.tls.key, '--trusted-ca-file', opts.tls.ca, '--client-cert-auth']
    : [];
  const args = [
    '--name', 'poolctl-test',
    '--data-dir', join(dataDir, 'data'),
    '--listen-client-urls', endpoint,
    '--advertise-client-urls', endpoint,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `poolctl-test=http://127.0.0.1:${peer}`,
    '--log-level', 'error',
    '--logger', 'zap',
    ...tlsArgs,
  ];
  let child: ChildProcess | null = null;
  let output = '';
  const kill = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', kill);
  const server: EtcdServer = {
    endpoint,
    dataDir,
    async start() {
      output = '';
      const c = spawn(ETCD_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stdout!.on('data', (b: Buffer) => (output += b.toString()));
      c.stderr!.on('data', (b: Buffer) => (output += b.toString()));
      await waitHealthy(endpoint, c, () => output, opts.tls);
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill(signal);
      });
      child = null;
    },
    async destroy() {
      await server.stop();
      process.removeListener('exit', kill);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

/**
 * EtcdBackend is a real etcd a suite starts in beforeAll (setup) and ends in afterAll
 * (teardown); skip is why it cannot run here (never set in CI). Create one per test file:
 * files run in parallel, each with its own etcd.
 */
export interface EtcdBackend {
  readonly name: 'etcd';
  readonly skip: string | null;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** reset deletes every /calico/ key. */
  reset(): Promise<void>;
  open(): Promise<Datastore>;
  server(): EtcdServer;
  /** raw is a plain etcd3 client, to set up or inspect keys directly. */
  raw(): Etcd3;
}

/** etcdBackend is an EtcdBackend (startEtcd plus a raw client); nothing starts until setup(). */
export function etcdBackend(): EtcdBackend {
  let server: EtcdServer | undefined;
  let raw: Etcd3 | undefined;
  return {
    name: 'etcd',
    skip: skipEtcd(),
    async setup() {
      server = await startEtcd();
      raw = new Etcd3({ hosts: server.endpoint });
    },
    async teardown() {
      raw?.close();
      await server?.destroy();
    },
    async reset() {
      await raw!.delete().prefix('/calico/');
    },
    open: async () => openEtcdDatastore({ endpoints: [server!.endpoint] }),
    server: () => server!,
    raw: () => raw!,
  };
}
