import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath } from '../../src/host/host-exec.js';
import { inNs, ipBatch, runFlows, sh, startListener, type Flow } from './netns.js';

/**
 * A cluster of nodes in network namespaces for the nat agent's cluster suite (issue 14): N node
 * namespaces, each with a pod namespace behind it (a veth pair), all joined through their
 * `n-ext` veths to a Linux bridge in one external namespace, which runs the listener. Every
 * name starts with `gcl<owner pid, base 36>-`, so leftovers of a run that died are found
 * (sweepClusterLeftovers) and checked for (clusterLeftovers). Traffic never leaves them.
 *
 *   pod i                       node i (forwarding, nat agent)             ext
 *   p0: 10.244.i.2-3/32          n-pod: 169.254.1.1/32, fe80::1            br0: 192.0.2.2/24, 2001:db8:e::2/64
 *       10.245.i.2/32            n-ext: 192.0.2.1i/24, 2001:db8:e::1i/64    x<i> (n-ext's peers) enslaved to br0
 *       fd10:244::i+1:2-3, fd10:245::i+1:2                                     routes to pod i's blocks via node i
 *   default via 169.254.1.1 / fe80::1   default via 192.0.2.2 / 2001:db8:e::2
 */

/** CLUSTER_PREFIX starts every namespace name (and the suite's temp dirs) of a cluster topology. */
export const CLUSTER_PREFIX = 'gcl';

const IP = findOnPath('ip', process.env) ?? 'ip';

/** CLUSTER_ADDR are the cluster's pools and far end (every node's pods are blocks of these pools). */
export const CLUSTER_ADDR = {
  v4: { natPool: '10.244.0.0/16', plainPool: '10.245.0.0/16', ext: '192.0.2.2' },
  v6: { natPool: 'fd10:244::/64', plainPool: 'fd10:245::/64', ext: '2001:db8:e::2' },
} as const;

/** ClusterNode is one node namespace, its pod namespace and their addresses. */
export interface ClusterNode {
  readonly index: number;
  readonly node: string;
  readonly pod: string;
  /** the node's address towards ext per family: what a NATed connection is seen from */
  readonly nodeExt: { readonly v4: string; readonly v6: string };
  /** pod addresses in the NAT pool (two) and in the plain pool (one), per family */
  readonly natPods: { readonly v4: readonly string[]; readonly v6: readonly string[] };
  readonly plainPods: { readonly v4: readonly string[]; readonly v6: readonly string[] };
}

/** ClusterTopology is a live set of cluster namespaces with a listener in ext. */
export interface ClusterTopology {
  /** tag is the common name prefix: gcl<pid>- */
  readonly tag: string;
  readonly ext: string;
  readonly nodes: readonly ClusterNode[];
  /** flows runs connections concurrently from node i's pod and returns the source each was seen with. */
  flows(i: number, flows: readonly Flow[]): Promise<string[]>;
  /** destroy kills every process in the namespaces, removes their NAT lock files and deletes them; safe to call twice. */
  destroy(): Promise<void>;
}

/** clusterTag is this process's name prefix. */
export const clusterTag = (pid = process.pid): string => `${CLUSTER_PREFIX}${pid.toString(36)}-`;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** listNamespaces returns the names of the network namespaces `ip netns` knows. */
function listNamespaces(): string[] {
  return execFileSync(IP, ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
}

/** processesMatching returns "pid cmdline" of every other process whose command line contains text. */
function processesMatching(text: string): string[] {
  const out: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    } catch {
      continue;
    }
    if (cmd.includes(text)) out.push(`${d} ${cmd}`);
  }
  return out;
}

/**
 * removeNamespaceSync kills every process in ns, removes poolctl's NAT lock file of it (named
 * by the namespace's device and inode, /run/poolctl/net-<dev>-<ino>.lock, while it still
 * exists and so is still ours) and deletes it. Synchronous: it runs on process exit too.
 */
function removeNamespaceSync(ns: string): void {
  let pids: string[] = [];
  try {
    pids = execFileSync(IP, ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    // gone already
  }
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
  try {
    const st = statSync(`/run/netns/${ns}`);
    rmSync(`/run/poolctl/net-${st.dev}-${st.ino}.lock`, { force: true });
  } catch {
    // no such namespace
  }
  try {
    execFileSync(IP, ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    // gone already
  }
}

/**
 * sweepClusterLeftovers removes what cluster runs that died left behind: namespaces named
 * gcl<pid>-… whose owner pid is no longer running (their processes killed first), and
 * processes whose command line names such a dead owner's tag (etcd members' data dirs), and
 * temp dirs named by such a tag.
 * Runs of other live processes are left alone. Returns what it removed.
 */
export function sweepClusterLeftovers(): string[] {
  const swept: string[] = [];
  const owner = (name: string): number | null => {
    const m = new RegExp(`^${CLUSTER_PREFIX}([0-9a-z]+)-`).exec(name);
    return m ? parseInt(m[1]!, 36) : null;
  };
  const deadTags = new Set<string>();
  for (const ns of listNamespaces()) {
    const pid = owner(ns);
    if (pid === null || alive(pid)) continue;
    removeNamespaceSync(ns);
    deadTags.add(clusterTag(pid));
    swept.push(`namespace ${ns}`);
  }
  for (const p of processesMatching(`/${CLUSTER_PREFIX}`)) {
    const tag = /\/(gcl[0-9a-z]+-)/.exec(p)?.[1];
    const pid = tag ? owner(tag) : null;
    if (pid === null || alive(pid)) continue;
    try {
      process.kill(Number(p.split(' ')[0]), 'SIGKILL');
      swept.push(`process ${p}`);
    } catch {
      // ended meanwhile
    }
  }
  for (const f of readdirSync(tmpdir())) {
    const pid = owner(f);
    if (pid === null || alive(pid)) continue;
    rmSync(join(tmpdir(), f), { recursive: true, force: true });
    swept.push(`temp dir ${f}`);
  }
  return swept;
}

/** clusterLeftovers lists the namespaces, other processes and temp dirs that still carry tag (none once a suite has torn down). */
export function clusterLeftovers(tag: string): { namespaces: string[]; processes: string[]; tempDirs: string[] } {
  return {
    namespaces: listNamespaces().filter((n) => n.startsWith(tag)),
    processes: processesMatching(tag),
    tempDirs: readdirSync(tmpdir()).filter((f) => f.startsWith(tag)),
  };
}

/**
 * createClusterTopology builds n nodes with their pods and the external namespace joined by a
 * bridge, starts the listener in ext and returns the handle; on any failure it deletes what
 * it made, and on process exit whatever is left.
 */
export async function createClusterTopology(n: number): Promise<ClusterTopology> {
  const tag = clusterTag();
  const ext = `${tag}ext`;
  const nodes: ClusterNode[] = Array.from({ length: n }, (_, i) => ({
    index: i,
    node: `${tag}n${i}`,
    pod: `${tag}p${i}`,
    nodeExt: { v4: `192.0.2.1${i}`, v6: `2001:db8:e::1${i}` },
    natPods: { v4: [`10.244.${i}.2`, `10.244.${i}.3`], v6: [`fd10:244::${i + 1}:2`, `fd10:244::${i + 1}:3`] },
    plainPods: { v4: [`10.245.${i}.2`], v6: [`fd10:245::${i + 1}:2`] },
  }));
  const made: string[] = [];
  let destroyed = false;
  const onExit = (): void => {
    for (const ns of made) removeNamespaceSync(ns);
  };
  process.once('exit', onExit);
  const destroy = async (): Promise<void> => {
    if (destroyed) return;
    destroyed = true;
    process.removeListener('exit', onExit);
    for (const ns of made.splice(0)) removeNamespaceSync(ns);
  };
  try {
    for (const ns of [ext, ...nodes.flatMap((x) => [x.node, x.pod])]) {
      await sh('ip', ['netns', 'add', ns]);
      made.push(ns);
      await inNs(ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    }
    await ipBatch(ext, ['link set lo up', 'link add br0 type bridge', 'link set br0 up', 'addr add 192.0.2.2/24 dev br0', 'addr add 2001:db8:e::2/64 dev br0 nodad']);
    for (const x of nodes) {
      const i = x.index;
      await inNs(x.node, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
      await ipBatch(x.node, [
        'link set lo up',
        `link add n-pod type veth peer name p0 netns ${x.pod}`,
        `link add n-ext type veth peer name x${i} netns ${ext}`,
        'link set n-pod up',
        'link set n-ext up',
        'addr add 169.254.1.1/32 dev n-pod',
        'addr add fe80::1/64 dev n-pod nodad',
        `addr add ${x.nodeExt.v4}/24 dev n-ext`,
        `addr add ${x.nodeExt.v6}/64 dev n-ext nodad`,
        `route add 10.244.${i}.0/24 dev n-pod`,
        `route add 10.245.${i}.0/24 dev n-pod`,
        `route add fd10:244::${i + 1}:0/112 dev n-pod`,
        `route add fd10:245::${i + 1}:0/112 dev n-pod`,
        `route add default via ${CLUSTER_ADDR.v4.ext}`,
        `route add default via ${CLUSTER_ADDR.v6.ext}`,
      ]);
      await ipBatch(x.pod, [
        'link set lo up',
        'link set p0 up',
        ...[...x.natPods.v4, ...x.plainPods.v4].map((a) => `addr add ${a}/32 dev p0`),
        ...[...x.natPods.v6, ...x.plainPods.v6].map((a) => `addr add ${a}/128 dev p0 nodad`),
        'route add 169.254.1.1/32 dev p0',
        'route add default via 169.254.1.1 dev p0',
        'route add default via fe80::1 dev p0',
      ]);
      await ipBatch(ext, [
        `link set x${i} master br0`,
        `link set x${i} up`,
        `route add 10.244.${i}.0/24 via ${x.nodeExt.v4}`,
        `route add 10.245.${i}.0/24 via ${x.nodeExt.v4}`,
        `route add fd10:244::${i + 1}:0/112 via ${x.nodeExt.v6}`,
        `route add fd10:245::${i + 1}:0/112 via ${x.nodeExt.v6}`,
      ]);
    }
    // the listener is one of ext's processes: destroy() kills it with the namespace
    await startListener(ext, [CLUSTER_ADDR.v4.ext, CLUSTER_ADDR.v6.ext]);
  } catch (e) {
    await destroy();
    throw e;
  }
  return {
    tag,
    ext,
    nodes,
    flows: (i, flows) => runFlows(nodes[i]!.pod, flows),
    destroy,
  };
}
