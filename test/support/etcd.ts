import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, createServer } from 'node:net';
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

/** freePort returns a loopback TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
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

/** TEST_TLS is the test-only TLS material in test/datastore/fixtures/tls (server and client certificates for 127.0.0.1). */
export const TEST_TLS: EtcdTLS = (() => {
  const dir = join(import.meta.dirname, '..', 'datastore', 'fixtures', 'tls');
  return {
    ca: join(dir, 'ca.pem'),
    cert: join(dir, 'server.pem'),
    key: join(dir, 'server-key.pem'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client-key.pem'),
  };
})();

/**
 * etcdRequest sends one HTTP request to an etcd client URL (the /health endpoint, or the v3
 * JSON gateway with a body) and resolves with the status and body, or null when it fails
 * or takes more than 1 s.
 */
export function etcdRequest(endpoint: string, path: string, tls?: EtcdTLS, body?: string): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const url = new URL(path, endpoint);
    const method = body === undefined ? 'GET' : 'POST';
    const req = tls
      ? httpsRequest(url, { method, ca: readFileSync(tls.ca), cert: readFileSync(tls.clientCert), key: readFileSync(tls.clientKey) })
      : httpRequest(url, { method });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (b: Buffer) => (text += b.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', () => resolve(null));
    });
    req.on('error', () => resolve(null));
    req.setTimeout(1000, () => req.destroy());
    req.end(body);
  });
}

async function healthy(endpoint: string, tls?: EtcdTLS): Promise<boolean> {
  const r = await etcdRequest(endpoint, '/health', tls);
  return r !== null && r.status === 200 && r.body.includes('"health":"true"');
}

/**
 * EtcdProcess is one etcd server process with fixed arguments, which can be started again
 * after it stopped (same data dir). Spawned through `setpriv --pdeathsig SIGKILL` where
 * available, so it dies with the test process however that ends; otherwise killed on exit.
 */
export interface EtcdProcess {
  readonly running: boolean;
  /** start spawns etcd and waits until its /health says true (it has a leader), at most 20 s. */
  start(): Promise<void>;
  /** stop sends signal (default SIGTERM) and waits for the process to end; nothing if it is not running. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** output is what the process printed since it was last started. */
  output(): string;
}

const SETPRIV = existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : null;
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

/** etcdProcess is an EtcdProcess running ETCD_BIN with args; endpoint (and tls) is where its health is checked. */
export function etcdProcess(args: readonly string[], endpoint: string, tls?: EtcdTLS): EtcdProcess {
  let child: ChildProcess | null = null;
  /** stopping settles when the last stop() has seen the process end */
  let stopping: Promise<void> = Promise.resolve();
  let out = '';
  const alive = (c: ChildProcess | null): boolean => c !== null && c.exitCode === null && c.signalCode === null;
  return {
    get running() {
      return alive(child);
    },
    async start() {
      await stopping;
      if (alive(child)) return;
      out = '';
      const c = SETPRIV
        ? spawn(SETPRIV, ['--pdeathsig', 'SIGKILL', '--', ETCD_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(ETCD_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      running.add(c);
      c.on('exit', () => running.delete(c));
      c.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      c.stderr!.on('data', (b: Buffer) => (out += b.toString()));
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        if (!alive(c)) throw new Error(`etcd exited with ${c.exitCode ?? c.signalCode}:\n${out}`);
        if (await healthy(endpoint, tls)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`etcd at ${endpoint} did not become healthy in 20 s:\n${out}`);
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const c = child;
      if (!c || !alive(c)) return stopping;
      stopping = new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill(signal);
      });
      return stopping;
    },
    output: () => out,
  };
}

/** tlsArgs are etcd's flags to serve clients over TLS, requiring client certificates from the CA. */
export function tlsArgs(tls: EtcdTLS | undefined): string[] {
  return tls ? ['--cert-file', tls.cert, '--key-file', tls.key, '--trusted-ca-file', tls.ca, '--client-cert-auth'] : [];
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
    ...tlsArgs(opts.tls),
  ];
  const proc = etcdProcess(args, endpoint, opts.tls);
  const server: EtcdServer = {
    endpoint,
    dataDir,
    start: () => proc.start(),
    stop: (signal) => proc.stop(signal),
    async destroy() {
      await proc.stop('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (e) {
    await server.destroy();
    throw e;
  }
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

/**
 * SilentEndpoint is a loopback TCP server that accepts connections and never answers (never
 * reads or writes a byte): to an etcd client, a member that hangs, over TLS as well as plain.
 */
export interface SilentEndpoint {
  readonly port: number;
  /** accepted counts the connections it took. */
  accepted(): number;
  close(): Promise<void>;
}

/** startSilentEndpoint starts a SilentEndpoint on a free port; close() drops every connection. */
export function startSilentEndpoint(): Promise<SilentEndpoint> {
  const sockets = new Set<import('node:net').Socket>();
  let n = 0;
  const srv = createServer((s) => {
    n++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (typeof addr !== 'object' || !addr) return reject(new Error('no port'));
      resolve({
        port: addr.port,
        accepted: () => n,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            srv.close(() => r());
          }),
      });
    });
  });
}

/** ProxyMode says what a TcpProxy does with bytes in one direction: pass them, drop them, or pass them late. */
export type ProxyMode = 'pass' | 'drop' | { readonly delayMs: number };

/**
 * TcpProxy forwards loopback TCP connections to a port, and lets a test lose what goes
 * through it: drop or delay bytes one way (from the moment the mode is set, on open
 * connections too), or cut every connection. New connections are always accepted.
 */
export interface TcpProxy {
  readonly port: number;
  /** set changes what happens to the bytes sent to the server and to the client. */
  set(mode: { readonly toServer?: ProxyMode; readonly toClient?: ProxyMode }): void;
  /** cut destroys every open connection (both sides). */
  cut(): void;
  close(): Promise<void>;
}

/** startTcpProxy starts a TcpProxy to 127.0.0.1:targetPort on a free port, passing everything. */
export function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let toServer: ProxyMode = 'pass';
  let toClient: ProxyMode = 'pass';
  const pairs = new Set<{ client: import('node:net').Socket; upstream: import('node:net').Socket }>();
  const forward = (mode: () => ProxyMode, to: import('node:net').Socket) => (d: Buffer) => {
    const m = mode();
    if (m === 'drop') return;
    if (m === 'pass') to.writable && to.write(d);
    else setTimeout(() => to.writable && to.write(d), m.delayMs);
  };
  const srv = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    client.on('data', forward(() => toServer, upstream));
    upstream.on('data', forward(() => toClient, client));
    const drop = (): void => {
      pairs.delete(pair);
      upstream.destroy();
      client.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (typeof addr !== 'object' || !addr) return reject(new Error('no port'));
      const cut = (): void => {
        for (const p of pairs) {
          p.upstream.destroy();
          p.client.destroy();
        }
        pairs.clear();
      };
      resolve({
        port: addr.port,
        set(mode) {
          toServer = mode.toServer ?? toServer;
          toClient = mode.toClient ?? toClient;
        },
        cut,
        close: () =>
          new Promise<void>((r) => {
            cut();
            srv.close(() => r());
          }),
      });
    });
  });
}
