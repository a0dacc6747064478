import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath } from '../../src/host/host-exec.js';

// No vitest here: the agent benchmark uses the bridge too.

const IP = findOnPath('ip', process.env) ?? 'ip';

// The namespace side of the etcd bridge: for each HOST:PORT=PATH argument, HOST:PORT in the
// namespace, each connection piped to the unix socket PATH the test process serves. It ends
// with its stdin: when the test process ends, however it ends.
const BRIDGE = `
const net = require('node:net');
const pairs = process.argv.slice(1).map((a) => a.split('=')); let up = 0;
for (const [addr, path] of pairs) {
  const [host, port] = addr.split(':');
  net.createServer((c) => { const u = net.connect(path); c.pipe(u).pipe(c); c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); })
    .listen(Number(port), host, () => { if (++up === pairs.length) process.stdout.write('ready\\n'); });
}
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
`;

/** EtcdBridge makes etcd members on the test's loopback reachable at `endpoints` inside a namespace. */
export interface EtcdBridge {
  /** endpoint is the first member's URL inside the namespace: http://127.0.0.1:2379 */
  readonly endpoint: string;
  /** endpoints are every member's URL inside the namespace, in target order: http://127.0.0.N:2379 */
  readonly endpoints: readonly string[];
  /** cut drops every bridged connection and refuses new ones (a partition); restore ends it. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * bridgeEtcd serves a unix socket (in a temp dir) per target (an etcd member's URL on the
 * test's loopback) that forwards to it, and runs one forwarder in ns from 127.0.0.N:2379 (N = 1,
 * 2, ... in target order) to those sockets: the agent in the namespace reaches etcd, and no
 * packet leaves the machine's namespaces.
 */
export async function bridgeEtcd(ns: string, target: string | readonly string[]): Promise<EtcdBridge> {
  const targets = typeof target === 'string' ? [target] : target;
  const dir = mkdtempSync(join(tmpdir(), 'poolctl-bridge-'));
  let open = true;
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  const paths = targets.map((_, i) => join(dir, `etcd${i}.sock`));
  const serve = (url: URL, path: string): Promise<void> => {
    const server: Server = createServer((c) => {
      if (!open) {
        c.destroy();
        return;
      }
      const u = connect(Number(url.port), url.hostname);
      sockets.add(c).add(u);
      const drop = (): void => {
        c.destroy();
        u.destroy();
        sockets.delete(c);
        sockets.delete(u);
      };
      c.on('error', drop).on('close', drop);
      u.on('error', drop).on('close', drop);
      c.pipe(u).pipe(c);
    });
    servers.push(server);
    return new Promise<void>((resolve) => server.listen(path, resolve));
  };
  const closeServers = (): Promise<void[]> => Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  await Promise.all(targets.map((t, i) => serve(new URL(t), paths[i]!)));
  const listen = targets.map((_, i) => `127.0.0.${i + 1}:2379`);
  const child = spawn(IP, ['netns', 'exec', ns, process.execPath, '-e', BRIDGE, ...listen.map((l, i) => `${l}=${paths[i]}`)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  child.on('exit', () => process.removeListener('exit', kill));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('etcd bridge did not start')), 10_000);
      child.stdout!.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (c) => reject(new Error(`etcd bridge exited (${c})`)));
    });
  } catch (e) {
    child.kill('SIGKILL');
    await closeServers();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const endpoints = listen.map((l) => `http://${l}`);
  return {
    endpoint: endpoints[0]!,
    endpoints,
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore() {
      open = true;
    },
    async close() {
      child.kill('SIGKILL');
      for (const s of sockets) s.destroy();
      await closeServers();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
