import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdMissing, etcdProcess, etcdRequest, freePort, tlsArgs, type EtcdProcess, type EtcdTLS } from './etcd.js';

// A real etcd cluster on loopback for tests: N member processes of /usr/bin/etcd, each with its
// own data dir (under one temp dir) and free client and peer ports. Tests kill and restart
// members, find the leader, and always end with destroy(), which also runs when start fails.

/** EtcdMember is one member of an EtcdCluster. */
export interface EtcdMember {
  readonly name: string;
  /** endpoint is the member's client URL (http://127.0.0.1:PORT, https with TLS). */
  readonly endpoint: string;
  readonly running: boolean;
}

/** EtcdCluster is a running N-member etcd cluster; every method acts on real processes. */
export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** endpoints are every member's client URL, in member order (what ETCD_ENDPOINTS lists). */
  readonly endpoints: readonly string[];
  /** kill stops member i with signal (default SIGKILL: a crash) and waits until the process is gone. */
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** restart starts member i again on its data dir and waits until it is healthy. */
  restart(i: number): Promise<void>;
  /**
   * leader returns the index of the member the running members agree leads, waiting up to
   * timeoutMs (default 15 s) for one (after a kill, the election takes a second or two).
   */
  leader(timeoutMs?: number): Promise<number>;
  /** moveLeader makes member i the leader (etcd's MoveLeader, asked of the current leader) and waits until the members agree. */
  moveLeader(i: number): Promise<void>;
  /** watchers is how many watches member i serves now (its etcd_debugging_mvcc_watcher_total gauge). */
  watchers(i: number): Promise<number>;
  /** destroy kills every member and removes all data; safe to call more than once. */
  destroy(): Promise<void>;
}

/** EtcdClusterOptions shape a cluster: its size (default 3), TLS for clients, etcd's raft timings. */
export interface EtcdClusterOptions {
  readonly size?: number;
  readonly tls?: EtcdTLS;
  /** heartbeatMs and electionMs are etcd's --heartbeat-interval and --election-timeout (defaults 100 and 1000). */
  readonly heartbeatMs?: number;
  readonly electionMs?: number;
  /** extraArgs are more etcd flags for every member (e.g. --auto-compaction-retention). */
  readonly extraArgs?: readonly string[];
  /**
   * dirPrefix names the temp dir holding the members' data dirs (default poolctl-etcd-cluster-);
   * it shows in every member's command line, so a suite can find its members by it.
   */
  readonly dirPrefix?: string;
}

/** statusOf is a member's view of the cluster: its own raft id and the id of the leader it follows. */
async function statusOf(endpoint: string, tls?: EtcdTLS): Promise<{ id: string; leader: string } | null> {
  const r = await etcdRequest(endpoint, '/v3/maintenance/status', tls, '{}');
  if (r === null || r.status !== 200) return null;
  try {
    const s = JSON.parse(r.body) as { header?: { member_id?: string }; leader?: string };
    return s.header?.member_id && s.leader ? { id: s.header.member_id, leader: s.leader } : null;
  } catch {
    return null;
  }
}

/**
 * startEtcdCluster starts an N-member cluster (all members at once: none is healthy before a
 * quorum is up) and waits until every member is healthy. On any failure it removes what it
 * made and throws with the members' output.
 */
export async function startEtcdCluster(opts: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  const missing = etcdMissing();
  if (missing) throw new Error(`cannot run the etcd suites: ${missing}`);
  const size = opts.size ?? 3;
  const root = mkdtempSync(join(tmpdir(), opts.dirPrefix ?? 'poolctl-etcd-cluster-'));
  const scheme = opts.tls ? 'https' : 'http';
  const ports: { client: number; peer: number }[] = [];
  for (let i = 0; i < size; i++) ports.push({ client: await freePort(), peer: await freePort() });
  const names = ports.map((_, i) => `m${i}`);
  const initial = ports.map((p, i) => `${names[i]}=http://127.0.0.1:${p.peer}`).join(',');
  const token = `poolctl-test-${process.pid}-${ports[0]!.client}`;
  const procs: EtcdProcess[] = [];
  const members: EtcdMember[] = ports.map((p, i) => {
    const endpoint = `${scheme}://127.0.0.1:${p.client}`;
    const peer = `http://127.0.0.1:${p.peer}`;
    const args = [
      '--name', names[i]!,
      '--data-dir', join(root, names[i]!),
      '--listen-client-urls', endpoint,
      '--advertise-client-urls', endpoint,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', initial,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', token,
      '--heartbeat-interval', String(opts.heartbeatMs ?? 100),
      '--election-timeout', String(opts.electionMs ?? 1000),
      '--log-level', 'error',
      '--logger', 'zap',
      ...tlsArgs(opts.tls),
      ...(opts.extraArgs ?? []),
    ];
    const proc = etcdProcess(args, endpoint, opts.tls);
    procs.push(proc);
    return {
      name: names[i]!,
      endpoint,
      get running() {
        return proc.running;
      },
    };
  });
  let destroyed = false;
  const cluster: EtcdCluster = {
    members,
    endpoints: members.map((m) => m.endpoint),
    async kill(i, signal = 'SIGKILL') {
      await procs[i]!.stop(signal);
    },
    async restart(i) {
      await procs[i]!.start();
    },
    async leader(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const up = members.map((m, i) => ({ m, i })).filter(({ m }) => m.running);
        const statuses = await Promise.all(up.map(({ m }) => statusOf(m.endpoint, opts.tls)));
        const known = statuses.filter((s) => s !== null);
        // Agreed: every running member answers and names the same leader, which is one of them.
        if (known.length === up.length && known.length > 0 && known.every((s) => s.leader === known[0]!.leader)) {
          const at = statuses.findIndex((s) => s !== null && s.id === s.leader);
          if (at >= 0) return up[at]!.i;
        }
        if (Date.now() > deadline) throw new Error(`no etcd leader agreed on in ${timeoutMs} ms: ${JSON.stringify(statuses)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async moveLeader(i) {
      const from = await cluster.leader();
      if (from === i) return;
      const target = await statusOf(members[i]!.endpoint, opts.tls);
      if (!target) throw new Error(`member ${members[i]!.name} does not answer its status`);
      const r = await etcdRequest(members[from]!.endpoint, '/v3/maintenance/transfer-leadership', opts.tls, JSON.stringify({ targetID: target.id }));
      if (r?.status !== 200) throw new Error(`moving the leadership to ${members[i]!.name} failed: ${r ? `${r.status} ${r.body}` : 'no answer'}`);
      const deadline = Date.now() + 15_000;
      while ((await cluster.leader()) !== i) {
        if (Date.now() > deadline) throw new Error(`${members[i]!.name} did not become the leader in 15 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async watchers(i) {
      const r = await etcdRequest(members[i]!.endpoint, '/metrics', opts.tls);
      const m = r?.status === 200 ? /^etcd_debugging_mvcc_watcher_total (\S+)$/m.exec(r.body) : null;
      if (!m) throw new Error(`member ${members[i]!.name}'s /metrics has no watcher count`);
      return Number(m[1]);
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await Promise.all(procs.map((p) => p.stop('SIGKILL')));
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(procs.map((p) => p.start()));
  } catch (e) {
    const logs = procs.map((p, i) => `--- ${names[i]}:\n${p.output()}`).join('\n');
    await cluster.destroy();
    throw new Error(`etcd cluster did not start (its data dir ${root} is removed): ${(e as Error).message.split('\n')[0]}\n${logs}`);
  }
  return cluster;
}
