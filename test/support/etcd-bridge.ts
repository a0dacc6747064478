import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath } from '../../src/host/host-exec.js';

// No vitest here: the agent benchmark uses the bridge too.

const IP = findOnPath('ip', process.env) ?? 'ip';

// The namespace side of the etcd bridge: 127.0.0.1:PORT in the namespace, each connection
// piped to the unix socket the test process serves.
const BRIDGE = `
const net = require('node:net');
const [port, path] = [Number(process.argv[1]), process.argv[2]];
net.createServer((c) => { const u = net.connect(path); c.pipe(u).pipe(c); c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); })
  .listen(port, '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

/** EtcdBridge makes an etcd on the test's loopback reachable at `endpoint` inside a namespace. */
export interface EtcdBridge {
  /** endpoint is the URL inside the namespace: http://127.0.0.1:2379 */
  readonly endpoint: string;
  /** cut drops every bridged connection and refuses new ones (a partition); restore ends it. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * bridgeEtcd serves a unix socket (in a temp dir) that forwards to target (host:port on the
 * test's loopback), and runs a forwarder in ns from 127.0.0.1:2379 to that socket: the agent
 * in the namespace reaches etcd, and no packet leaves the machine's namespaces.
 */
export async function bridgeEtcd(ns: string, target: string): Promise<EtcdBridge> {
  const url = new URL(target);
  const dir = mkdtempSync(join(tmpdir(), 'poolctl-bridge-'));
  const path = join(dir, 'etcd.sock');
  let open = true;
  const sockets = new Set<Socket>();
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
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const child = spawn(IP, ['netns', 'exec', ns, process.execPath, '-e', BRIDGE, '2379', path], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    server.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    endpoint: 'http://127.0.0.1:2379',
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
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

