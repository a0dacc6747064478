import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createHostExec, findOnPath, type ExecResult } from '../../src/host/host-exec.js';
import { BIN, spawnCollect, type CliResult } from './cli.js';

/**
 * Network-namespace harness for the kernel suites (test/integration/kernel). Every suite
 * builds its own pod / node / external namespaces with unique names, joined by veth pairs,
 * and deletes them in afterAll even when a test failed. Traffic never leaves them.
 *
 *   pod ns                 node ns (forwarding, poolctl nat apply)        ext ns
 *   p0: 10.244.0.2-9/32    n-pod: 169.254.1.1/32, fe80::1                x0: 192.0.2.2/24, 2001:db8:e::2/64
 *       10.245.0.2-4/32    n-ext: 192.0.2.1/24, 2001:db8:e::1/64            + 198.51.100.7, 10.99.0.5,
 *       fd10:244::2-9 ...                                                       10.245.1.5, 10.244.200.5 (and v6)
 *   default via 169.254.1.1 / fe80::1                                      default via the node
 */

const exec = createHostExec({ env: process.env });

/** PREREQ_TOOLS are what the kernel suites need on PATH. */
const PREREQ_TOOLS = ['ip', 'iptables', 'iptables-save', 'iptables-restore', 'ip6tables-save', 'ip6tables-restore', 'ipset', 'nft'];

/** kernelPrereqsMissing returns why the kernel suites cannot run here (not root, a tool missing), or null. */
export function kernelPrereqsMissing(): string | null {
  if (typeof process.geteuid === 'function' && process.geteuid() !== 0) return 'not running as root';
  const missing = PREREQ_TOOLS.filter((t) => !findOnPath(t, process.env));
  if (missing.length) return `missing tools: ${missing.join(', ')} (install iproute2, iptables, ipset, nftables)`;
  return null;
}

/**
 * kernelDescribe is describe() for a kernel suite: outside CI it skips with a visible reason
 * when root or a tool is missing; with CI=true it never skips, a missing prerequisite fails.
 */
export function kernelDescribe(name: string, body: () => void): void {
  const missing = kernelPrereqsMissing();
  if (!missing) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('has its prerequisites (root, iproute2, iptables, ipset, nftables)', () => {
        throw new Error(`kernel suite cannot run: ${missing}`);
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${missing})`, body);
  }
}

/** sh runs a command (argument array) and throws with its stderr if it fails. */
export async function sh(cmd: string, args: readonly string[], input?: string): Promise<ExecResult> {
  const r = await exec.run(cmd, args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r;
}

/** inNs runs a command inside a namespace and throws if it fails. */
export function inNs(ns: string, cmd: string, args: readonly string[], input?: string): Promise<ExecResult> {
  return sh('ip', ['netns', 'exec', ns, cmd, ...args], input);
}

/** ipBatch runs `ip -batch -` inside a namespace: one ip command a line. */
export function ipBatch(ns: string, lines: readonly string[]): Promise<ExecResult> {
  return inNs(ns, 'ip', ['-batch', '-'], lines.join('\n') + '\n');
}

/** Addresses of the topology, by role. */
export const TOPO = {
  v4: {
    natPool: '10.244.0.0/16',
    plainPool: '10.245.0.0/16',
    disabledPool: '10.99.0.0/16',
    natPods: ['10.244.0.2', '10.244.0.3', '10.244.0.4', '10.244.0.5', '10.244.0.6', '10.244.0.7', '10.244.0.8', '10.244.0.9'],
    plainPods: ['10.245.0.2', '10.245.0.3', '10.245.0.4'],
    nodeExt: '192.0.2.1',
    ext: '192.0.2.2',
    /** far-side addresses: outside every pool, in the disabled pool, in the plain pool, in the NAT pool */
    targets: ['192.0.2.2', '198.51.100.7', '10.99.0.5', '10.245.1.5', '10.244.200.5'],
  },
  v6: {
    natPool: 'fd10:244::/64',
    plainPool: 'fd10:245::/64',
    disabledPool: 'fd10:99::/64',
    natPods: ['fd10:244::2', 'fd10:244::3', 'fd10:244::4', 'fd10:244::5', 'fd10:244::6', 'fd10:244::7', 'fd10:244::8', 'fd10:244::9'],
    plainPods: ['fd10:245::2', 'fd10:245::3', 'fd10:245::4'],
    nodeExt: '2001:db8:e::1',
    ext: '2001:db8:e::2',
    targets: ['2001:db8:e::2', '2001:db8:f::7', 'fd10:99::5', 'fd10:245::1:5', 'fd10:244::200:5'],
  },
} as const;

/**
 * pool is one IPPool as a YAML document (with its leading `---`) for the kernel suites'
 * manifests; spec is extra spec lines, each indented two spaces and ending in a newline.
 */
export const pool = (name: string, cidr: string, spec = ''): string =>
  `---\napiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${name}\nspec:\n  cidr: ${cidr}\n${spec}`;

/** Flow is one connection the pod makes; Seen is the source address the far end saw. */
export interface Flow {
  readonly src: string;
  readonly dst: string;
  readonly proto: 'tcp' | 'udp';
}

/** Topology is a live set of namespaces with a listener in ext. */
export interface Topology {
  readonly pod: string;
  readonly node: string;
  readonly ext: string;
  /** flows runs connections concurrently from the pod and returns the source each was seen with. */
  flows(flows: readonly Flow[]): Promise<string[]>;
  /**
   * cli runs the built poolctl inside a namespace (default: node); onStart is told its pid
   * (`ip netns exec` execs the command, so the pid is poolctl's own).
   */
  cli(
    args: readonly string[],
    opts?: { env?: Record<string, string | undefined>; input?: string; ns?: string; onStart?: (pid: number) => void },
  ): Promise<CliResult>;
  destroy(): Promise<void>;
}

export const LISTEN_PORT = 18080;

// The far end: TCP on both families, UDP on every target address (a socket bound to the
// address a datagram came to answers from it, so conntrack can undo the NAT on the reply);
// answers every connection/datagram with the source address it saw.
const LISTENER = `
const net = require('node:net'), dgram = require('node:dgram');
const port = Number(process.argv[1]); const udpAddrs = process.argv.slice(2); let up = 0;
const ready = () => { if (++up === 2 + udpAddrs.length) process.stdout.write('ready\\n'); };
const norm = (a) => a.startsWith('::ffff:') ? a.slice(7) : a;
for (const host of ['0.0.0.0', '::']) {
  const s = net.createServer((c) => { c.on('error', () => {}); c.end(norm(c.remoteAddress)); });
  s.listen({ host, port, ipv6Only: host === '::' }, ready);
}
for (const host of udpAddrs) {
  const u = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  u.on('message', (m, r) => u.send(norm(r.address) + ' ' + m.toString(), r.port, r.address));
  u.bind(port, host, ready);
}
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
`;

// The pod side: reads [{src,dst,proto}] on stdin, runs them all concurrently from the given
// source addresses, prints the seen source (or "ERR: ...") per flow as a JSON array.
const CLIENT = `
const net = require('node:net'), dgram = require('node:dgram');
const port = Number(process.argv[1]);
let input = ''; process.stdin.on('data', (d) => (input += d)); process.stdin.on('end', async () => {
  const flows = JSON.parse(input);
  const one = (f, i) => new Promise((resolve) => {
    const fam = f.dst.includes(':') ? 6 : 4;
    if (f.proto === 'tcp') {
      let data = '';
      const c = net.connect({ host: f.dst, port, localAddress: f.src, family: fam });
      c.setTimeout(4000, () => { c.destroy(); resolve('ERR: tcp timeout'); });
      c.on('data', (d) => (data += d)); c.on('end', () => resolve(data)); c.on('error', (e) => resolve('ERR: ' + e.message));
    } else {
      const s = dgram.createSocket(fam === 6 ? 'udp6' : 'udp4'); const token = 'f' + i; let tries = 0, t;
      const send = () => { if (tries++ === 4) { s.close(); return resolve('ERR: udp timeout'); } s.send(token, port, f.dst); t = setTimeout(send, 700); };
      s.on('message', (m) => { const [seen, tok] = m.toString().split(' '); if (tok === token) { clearTimeout(t); s.close(); resolve(seen); } });
      s.on('error', (e) => { clearTimeout(t); resolve('ERR: ' + e.message); });
      s.bind({ address: f.src, port: 0 }, send);
    }
  });
  process.stdout.write(JSON.stringify(await Promise.all(flows.map(one))));
});
`;

/**
 * startListener runs the far end in ns: TCP on LISTEN_PORT on every address of both families,
 * UDP on each of udpAddrs; each answers with the source address it saw. Resolves once it
 * listens; kill() ends it.
 */
export async function startListener(ns: string, udpAddrs: readonly string[]): Promise<{ kill(): void }> {
  const listener = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', LISTENER, String(LISTEN_PORT), ...udpAddrs], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('listener did not start')), 10_000);
      let errText = '';
      listener.stderr.on('data', (d: Buffer) => (errText += d.toString()));
      listener.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      listener.on('exit', (c) => reject(new Error(`listener exited (${c}): ${errText}`)));
    });
  } catch (e) {
    listener.kill('SIGKILL');
    throw e;
  }
  return { kill: () => void listener.kill('SIGKILL') };
}

/** runFlows runs the flows concurrently from the pod namespace and returns the source each was seen with (or "ERR: ..."). */
export async function runFlows(pod: string, flows: readonly Flow[]): Promise<string[]> {
  const r = await inNs(pod, process.execPath, ['-e', CLIENT, String(LISTEN_PORT)], JSON.stringify(flows));
  return JSON.parse(r.stdout) as string[];
}

let counter = 0;

/**
 * createTopology builds pod/node/ext namespaces named `pc<pid><tag><n>-{pod,node,ext}`,
 * starts the listener in ext and returns the handle; on any failure it deletes what it made.
 */
export async function createTopology(tag: string): Promise<Topology> {
  const base = `pc${process.pid.toString(36)}${tag}${counter++}`;
  const pod = `${base}-pod`;
  const node = `${base}-node`;
  const ext = `${base}-ext`;
  const made: string[] = [];
  let listener: { kill(): void } | null = null;
  const destroy = async (): Promise<void> => {
    listener?.kill();
    for (const ns of made) await exec.run('ip', ['netns', 'del', ns]);
  };
  try {
    for (const ns of [pod, node, ext]) {
      await sh('ip', ['netns', 'add', ns]);
      made.push(ns);
      await inNs(ns, 'ip', ['link', 'set', 'lo', 'up']);
    }
    // Keep IPv6 addresses usable at once: no duplicate address detection anywhere.
    for (const ns of [pod, node, ext]) {
      await inNs(ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    }
    await inNs(node, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    await inNs(node, 'ip', ['link', 'add', 'n-pod', 'type', 'veth', 'peer', 'name', 'p0', 'netns', pod]);
    await inNs(node, 'ip', ['link', 'add', 'n-ext', 'type', 'veth', 'peer', 'name', 'x0', 'netns', ext]);
    const batch = ipBatch;
    const { v4, v6 } = TOPO;
    await batch(node, [
      'link set n-pod up',
      'link set n-ext up',
      'addr add 169.254.1.1/32 dev n-pod',
      'addr add fe80::1/64 dev n-pod nodad',
      'addr add 192.0.2.1/24 dev n-ext',
      'addr add 2001:db8:e::1/64 dev n-ext nodad',
      'route add 10.244.0.0/24 dev n-pod',
      'route add 10.245.0.0/24 dev n-pod',
      'route add fd10:244::/112 dev n-pod',
      'route add fd10:245::/112 dev n-pod',
      'route add 198.51.100.7/32 via 192.0.2.2',
      'route add 10.99.0.0/16 via 192.0.2.2',
      'route add 10.245.1.0/24 via 192.0.2.2',
      'route add 10.244.200.0/24 via 192.0.2.2',
      'route add 2001:db8:f::/64 via 2001:db8:e::2',
      'route add fd10:99::/64 via 2001:db8:e::2',
      'route add fd10:245::1:0/112 via 2001:db8:e::2',
      'route add fd10:244::200:0/112 via 2001:db8:e::2',
    ]);
    await batch(pod, [
      'link set p0 up',
      ...[...v4.natPods, ...v4.plainPods].map((a) => `addr add ${a}/32 dev p0`),
      ...[...v6.natPods, ...v6.plainPods].map((a) => `addr add ${a}/128 dev p0 nodad`),
      'route add 169.254.1.1/32 dev p0',
      'route add default via 169.254.1.1 dev p0',
      'route add default via fe80::1 dev p0',
    ]);
    await batch(ext, [
      'link set x0 up',
      'addr add 192.0.2.2/24 dev x0',
      'addr add 2001:db8:e::2/64 dev x0 nodad',
      ...v4.targets.slice(1).map((a) => `addr add ${a}/32 dev x0`),
      ...v6.targets.slice(1).map((a) => `addr add ${a}/128 dev x0 nodad`),
      'route add default via 192.0.2.1',
      'route add default via 2001:db8:e::1',
    ]);
    listener = await startListener(ext, [...v4.targets, ...v6.targets]);
  } catch (e) {
    await destroy();
    throw e;
  }

  return {
    pod,
    node,
    ext,
    flows: (flows) => runFlows(pod, flows),
    cli(args, opts = {}) {
      return runIn(opts.ns ?? node, [process.execPath, BIN, ...args], opts);
    },
    destroy,
  };
}

/** runIn runs a command line inside a namespace with extra environment, resolving with its output. */
export function runIn(
  ns: string,
  argv: readonly string[],
  opts: { env?: Record<string, string | undefined>; input?: string; onStart?: (pid: number) => void } = {},
): Promise<CliResult> {
  // `ip` found on the test's PATH, so that the command may run with another PATH
  return spawnCollect(findOnPath('ip', process.env) ?? 'ip', ['netns', 'exec', ns, ...argv], {
    input: opts.input,
    env: { NO_COLOR: '1', ...opts.env },
    ...(opts.onStart ? { onStart: opts.onStart } : {}),
  });
}

/**
 * fakeBin makes dir/name with executable shell scripts (tool -> body) that stand in for
 * tools on PATH (put it first), and returns it: how the kernel suites inject failures and
 * delays into ipset, iptables-restore and nft.
 */
export function fakeBin(dir: string, name: string, tools: Record<string, string>): string {
  const d = join(dir, name);
  mkdirSync(d);
  for (const [tool, body] of Object.entries(tools)) {
    writeFileSync(join(d, tool), `#!/bin/sh\n${body}\n`);
    chmodSync(join(d, tool), 0o755);
  }
  return d;
}

/** useTopology builds a topology in beforeAll and deletes it in afterAll; the getter returns it. */
export function useTopology(tag: string): () => Topology {
  let topo: Topology | null = null;
  beforeAll(async () => {
    topo = await createTopology(tag);
  }, 60_000);
  afterAll(async () => {
    await topo?.destroy();
  });
  return () => {
    if (!topo) throw new Error('topology was not created (see the beforeAll error)');
    return topo;
  };
}
