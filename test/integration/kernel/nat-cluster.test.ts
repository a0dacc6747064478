import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { openEtcdDatastore } from '../../../src/datastore/etcd.js';
import type { Datastore } from '../../../src/datastore/datastore.js';
import { until } from '../../support/agent.js';
import { BIN, runCli } from '../../support/cli.js';
import { bridgeEtcd, type EtcdBridge } from '../../support/etcd-bridge.js';
import { startEtcdCluster, type EtcdCluster } from '../../support/etcd-cluster.js';
import { inNs, kernelDescribe, runIn, sh, type Flow } from '../../support/netns.js';
import {
  CLUSTER_ADDR,
  clusterLeftovers,
  clusterTag,
  createClusterTopology,
  sweepClusterLeftovers,
  type ClusterTopology,
} from '../../support/netns-cluster.js';
import { createPools, ippool, readBack, runAgent, settled, type Agent, type Backend } from './nat-agent-support.js';

/**
 * `poolctl nat agent` on a cluster (issue 14's cluster test): a three-member etcd (on the
 * test's loopback, bridged into every node namespace as 127.0.0.1-3:2379), three node
 * namespaces each running the built CLI's agent with a pod namespace behind it, and one
 * external namespace behind a bridge; IPv4 and IPv6 in the same topology. The nodes run mixed
 * backends (iptables, nftables, iptables), so every case proves both with packets. Pools
 * are written with the poolctl CLI against the three members; every case is checked on every
 * node with real TCP and UDP from its pod and the source address the far end sees.
 */

// one cluster for the whole file; generous limits for a busy 2-core machine (the file takes far less)
vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const BACKENDS: readonly Backend[] = ['iptables', 'nftables', 'iptables'];
const LONG = ['--resync-interval', '3600', '--log-level', 'debug'];

kernelDescribe('nat agent on a cluster: 3 etcd members, 3 nodes (iptables, nftables, iptables), IPv4 + IPv6', () => {
  let topo: ClusterTopology;
  let etcd: EtcdCluster;
  let bridges: EtcdBridge[] = [];
  let ds: Datastore;
  let dir = '';
  const agents: (Agent | null)[] = BACKENDS.map(() => null);
  /** every agent process ever started, to check that none outlives the suite */
  const started: Agent[] = [];

  const cliEnv = (): Record<string, string> => ({ DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: etcd.endpoints.join(',') });
  const nsEnv = (i: number): Record<string, string> => ({ DATASTORE_TYPE: 'etcdv3', ETCD_ENDPOINTS: bridges[i]!.endpoints.join(',') });
  const store = { revision: async () => Number((await ds.natList()).revision) };
  const agent = (i: number): Agent => {
    const a = agents[i];
    if (!a) throw new Error(`no agent runs on node ${i}`);
    return a;
  };
  const each = <T>(fn: (i: number) => Promise<T>): Promise<T[]> => Promise.all(BACKENDS.map((_, i) => fn(i)));

  const startAgents = async (args: readonly string[]): Promise<void> => {
    await each(async (i) => {
      const a = await runAgent({ node: topo.nodes[i]!.node }, { nsEnv: nsEnv(i) }, BACKENDS[i]!, args);
      started.push(a);
      agents[i] = a;
    });
  };

  /** poolctl runs the built CLI (in the test's namespace) against the three members and expects success. */
  const poolctl = async (...args: string[]): Promise<void> => {
    const r = await runCli(args, { env: cliEnv() });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  };
  const manifest = (name: string, cidr: string, natOutgoing: boolean): string => {
    const p = join(dir, `${name}.yaml`);
    writeFileSync(p, `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: ${name}\nspec:\n  cidr: ${cidr}\n  natOutgoing: ${natOutgoing}\n`);
    return p;
  };

  /** allSettled waits until every node's agent has applied the store's current revision. */
  const allSettled = async (timeoutMs = 30_000): Promise<void> => {
    await each((i) => settled(agent(i), store, timeoutMs));
  };

  /** flowsOf are node i's flows: TCP and UDP from NAT pods and a plain pod per family, to the far end. */
  const flowsOf = (i: number, natV4: boolean, natV6: boolean): (Flow & { nat: boolean })[] => {
    const x = topo.nodes[i]!;
    const { v4, v6 } = CLUSTER_ADDR;
    return [
      { src: x.natPods.v4[0]!, dst: v4.ext, proto: 'tcp', nat: natV4 },
      { src: x.natPods.v4[1]!, dst: v4.ext, proto: 'udp', nat: natV4 },
      { src: x.plainPods.v4[0]!, dst: v4.ext, proto: 'tcp', nat: false },
      { src: x.natPods.v6[0]!, dst: v6.ext, proto: 'tcp', nat: natV6 },
      { src: x.natPods.v6[1]!, dst: v6.ext, proto: 'udp', nat: natV6 },
      { src: x.plainPods.v6[0]!, dst: v6.ext, proto: 'udp', nat: false },
    ];
  };

  /** expectNat runs every node's flows for real and expects each seen from the node's address when NATed, else from the pod. */
  const expectNat = async (natV4: boolean, natV6: boolean): Promise<void> => {
    const seen = await each(async (i) => {
      const cases = flowsOf(i, natV4, natV6);
      const got = await topo.flows(i, cases);
      return cases.map((c, k) => `node ${i} ${BACKENDS[i]} ${c.proto} ${c.src} -> ${got[k]}`);
    });
    const want = BACKENDS.map((_, i) => {
      const x = topo.nodes[i]!;
      return flowsOf(i, natV4, natV6).map((c) => `node ${i} ${BACKENDS[i]} ${c.proto} ${c.src} -> ${c.nat ? (c.src.includes(':') ? x.nodeExt.v6 : x.nodeExt.v4) : c.src}`);
    });
    expect(seen).toEqual(want);
  };

  /** statusCodes runs `nat status` on every node against its bridged members: 0 is in sync. */
  const statusCodes = (): Promise<(number | null)[]> =>
    each(async (i) => (await runIn(topo.nodes[i]!.node, [process.execPath, BIN, 'nat', 'status', '--backend', BACKENDS[i]!], { env: nsEnv(i) })).code);

  /** metricOnEach reads one metric (summed over its samples matching labels) from every node's agent. */
  const metricOnEach = (name: string, labels: Record<string, string> = {}): Promise<number[]> => each((i) => agent(i).http.metric(name, labels));

  /** masqMembers is node i's IPv4 masquerade set as the kernel holds it (ipset or nft), sorted. */
  const masqMembers = async (i: number): Promise<string[]> => {
    const ns = topo.nodes[i]!.node;
    const text =
      BACKENDS[i] === 'nftables'
        ? (await inNs(ns, 'nft', ['list', 'set', 'ip', 'calico', 'cali40masq-ipam-pools'])).stdout.split('elements =')[1] ?? ''
        : (await inNs(ns, 'ipset', ['list', 'cali40masq-ipam-pools'])).stdout.split('Members:')[1] ?? '';
    return [...text.matchAll(/\b\d+\.\d+\.\d+\.\d+\/\d+\b/g)].map((m) => m[0]).sort();
  };
  /** storeMasq is what every node's masquerade set must hold: the stored enabled natOutgoing IPv4 pools' CIDRs, sorted. */
  const storeMasq = async (): Promise<string[]> =>
    (await ds.natList()).pools.filter((p) => p.natOutgoing && !p.disabled && !p.cidr.includes(':')).map((p) => p.cidr).sort();

  /** compact compacts the store's history up to its current revision. */
  const compact = async (): Promise<void> => {
    const raw = new Etcd3({ hosts: [...etcd.endpoints] });
    try {
      await raw.kv.compact({ revision: String(await store.revision()), physical: true });
    } finally {
      raw.close();
    }
  };

  const teardown = async (): Promise<void> => {
    await Promise.all(agents.map((a, i) => a?.stop(5_000).finally(() => (agents[i] = null))));
    await ds?.close();
    await Promise.all(bridges.map((b) => b.close()));
    bridges = [];
    await etcd?.destroy();
    await topo?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };

  beforeAll(async () => {
    const swept = sweepClusterLeftovers();
    if (swept.length) console.warn(`swept the leftovers of earlier cluster runs:\n${swept.join('\n')}`);
    dir = mkdtempSync(join(tmpdir(), `${clusterTag()}cli-`));
    try {
      [topo, etcd] = await Promise.all([createClusterTopology(BACKENDS.length), startEtcdCluster({ dirPrefix: `${clusterTag()}etcd-` })]);
      bridges = await Promise.all(topo.nodes.map((x) => bridgeEtcd(x.node, etcd.endpoints)));
      ds = await openEtcdDatastore({ endpoints: [...etcd.endpoints] });
    } catch (e) {
      await teardown();
      throw e;
    }
  });
  afterAll(teardown);

  it("sweeps what a run that died left behind (its owner pid gone), and nothing of a live run's", async () => {
    // an owner that cannot be running: above the kernel's pid limit
    const dead = clusterTag(Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1);
    const ns = `${dead}n0`;
    await sh('ip', ['netns', 'add', ns]);
    const orphan = spawn('ip', ['netns', 'exec', ns, 'sleep', '600'], { stdio: 'ignore' });
    const gone = new Promise((resolve) => orphan.once('exit', resolve));
    const leftDir = mkdtempSync(join(tmpdir(), `${dead}etcd-`));
    await until('the orphan in its namespace', async () => (await sh('ip', ['netns', 'pids', ns])).stdout.trim() !== '', 5_000);
    const swept = sweepClusterLeftovers();
    expect(swept).toEqual(expect.arrayContaining([`namespace ${ns}`, `temp dir ${basename(leftDir)}`]));
    await gone;
    expect(clusterLeftovers(dead)).toEqual({ namespaces: [], processes: [], tempDirs: [] });
    // this run's own namespaces stay
    expect(clusterLeftovers(topo.tag).namespaces.length).toBe(1 + 2 * BACKENDS.length);
  });

  it('pools created with poolctl are NATed on every node, TCP and UDP, IPv4 and IPv6', async () => {
    await startAgents(LONG);
    await poolctl('create', '-f', manifest('nat-v4', CLUSTER_ADDR.v4.natPool, true), '-f', manifest('plain-v4', CLUSTER_ADDR.v4.plainPool, false),
      '-f', manifest('nat-v6', CLUSTER_ADDR.v6.natPool, true), '-f', manifest('plain-v6', CLUSTER_ADDR.v6.plainPool, false));
    await allSettled();
    await expectNat(true, true);
    expect(await metricOnEach('poolctl_agent_pools')).toEqual([4, 4, 4]);
  });

  it('patched natOutgoing off (IPv4) and deleted (IPv6), then on and created again: every node follows', async () => {
    await poolctl('patch', 'ippool', 'nat-v4', '-p', '{"spec":{"natOutgoing":false}}');
    await poolctl('delete', 'ippool', 'nat-v6');
    await allSettled();
    await expectNat(false, false);
    await poolctl('patch', 'ippool', 'nat-v4', '-p', '{"spec":{"natOutgoing":true}}');
    await poolctl('create', '-f', join(dir, 'nat-v6.yaml'));
    await allSettled();
    await expectNat(true, true);
    expect(await metricOnEach('poolctl_agent_kernel_write_errors_total')).toEqual([0, 0, 0]);
  });

  it('the etcd leader killed during a burst of writes: every acknowledged write reaches every node, through the watch alone', async () => {
    const resyncs = await metricOnEach('poolctl_agent_resyncs_total');
    const restarts = await metricOnEach('poolctl_agent_watch_restarts_total');
    // the agents' watch clients pick members at random: the member serving the most watches
    // is made the leader, so that killing it cuts agents' watches (they must resume, missing nothing)
    const watchers = await Promise.all(etcd.members.map((_, m) => etcd.watchers(m)));
    const leader = watchers.indexOf(Math.max(...watchers));
    expect(watchers[leader]).toBeGreaterThan(0);
    await etcd.moveLeader(leader);
    const acked: string[] = [];
    let failed = 0;
    let killed: Promise<void> | null = null;
    const total = 80;
    let next = 0;
    // /24s two apart: no two are adjacent, so nft keeps each as its own element
    const cidr = (i: number): string => `10.${100 + (i >> 7)}.${(i & 127) * 2}.0/24`;
    const writer = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        try {
          await ds.create(ippool(`burst-${i}`, cidr(i), { natOutgoing: true }));
          acked.push(`burst-${i}`);
        } catch {
          failed++;
        }
        if (acked.length >= 25 && !killed) killed = etcd.kill(leader);
      }
    };
    await Promise.all(Array.from({ length: 4 }, writer));
    await killed;
    try {
      expect(acked.length).toBeGreaterThan(50);
      const stored = new Set((await ds.list()).items.map((p) => p.metadata.name));
      expect(acked.filter((n) => !stored.has(n))).toEqual([]);
      await allSettled(45_000);
      const want = await storeMasq();
      expect(want.length).toBe(1 + [...stored].filter((n) => n.startsWith('burst-')).length);
      expect(await each(masqMembers)).toEqual(BACKENDS.map(() => want));
      expect(await metricOnEach('poolctl_agent_pools')).toEqual(BACKENDS.map(() => stored.size));
      // no node listed the pools again: the watch (resumed from its revision) brought every event
      expect(await metricOnEach('poolctl_agent_resyncs_total')).toEqual(resyncs);
      const resumed = (await metricOnEach('poolctl_agent_watch_restarts_total')).filter((n, i) => n > restarts[i]!).length;
      expect(resumed).toBeGreaterThan(0);
      expect(await statusCodes()).toEqual([0, 0, 0]);
      console.info(`leader m${leader} (watches per member: ${watchers.join(', ')}) killed after 25 acknowledged writes: ${acked.length} acknowledged, ${failed} failed; ${resumed} of 3 agents resumed their watch`);
    } finally {
      await etcd.restart(leader);
    }
  });

  it('all members stopped: every node keeps NATing and says not ready; all catch up when etcd returns', async () => {
    const before = await each((i) => readBack(topo.nodes[i]!.node, BACKENDS[i]!));
    await Promise.all(etcd.members.map((_, m) => etcd.kill(m)));
    try {
      await each((i) => until(`node ${i} /readyz 503`, async () => (await agent(i).http.get('/readyz')).status === 503, 20_000));
      expect(await each(async (i) => (await agent(i).http.get('/livez')).status)).toEqual([200, 200, 200]);
      await expectNat(true, true);
      expect(await each((i) => readBack(topo.nodes[i]!.node, BACKENDS[i]!))).toEqual(before);
    } finally {
      await Promise.all(etcd.members.map((_, m) => etcd.restart(m)));
    }
    await each((i) => until(`node ${i} /readyz 200`, async () => (await agent(i).http.get('/readyz')).status === 200, 30_000));
    await poolctl('patch', 'ippool', 'nat-v6', '-p', '{"spec":{"natOutgoing":false}}');
    await allSettled();
    await expectNat(true, false);
    expect(await metricOnEach('poolctl_agent_kernel_write_errors_total')).toEqual([0, 0, 0]);
  });

  it("one node's agent cut off while the watch revision is compacted: it lists again (a resync) and is right", async () => {
    const cut = 1;
    const listings = await agent(cut).http.metric('poolctl_agent_resyncs_total', { reason: 'compacted' });
    bridges[cut]!.cut();
    try {
      await until('/readyz 503 on the cut-off node', async () => (await agent(cut).http.get('/readyz')).status === 503, 20_000);
      // two writes: the revision the agent resumes from (its last + 1) falls below the compaction
      await poolctl('patch', 'ippool', 'nat-v6', '-p', '{"spec":{"natOutgoing":true}}');
      await ds.create(ippool('while-cut', '10.99.0.0/16'));
      await compact();
    } finally {
      bridges[cut]!.restore();
    }
    await until('a listing after compaction', async () => (await agent(cut).http.metric('poolctl_agent_resyncs_total', { reason: 'compacted' })) > listings, 30_000);
    expect(await agent(cut).http.metric('poolctl_agent_watch_restarts_total', { reason: 'compacted' })).toBeGreaterThan(0);
    await allSettled();
    await expectNat(true, true);
    const stored = (await ds.natList()).pools.length;
    expect(await metricOnEach('poolctl_agent_pools')).toEqual([stored, stored, stored]);
  });

  it('every agent killed with kill -9 during a write, the history compacted while they are down: the next start leaves a correct ruleset', async () => {
    const from = agents.map((a) => a!.proc.logs.length);
    const pools = Array.from({ length: 300 }, (_, i) => ippool(`kill-${i}`, `10.${120 + (i >> 7)}.${(i & 127) * 2}.0/24`, { natOutgoing: true }));
    const writing = createPools(ds, pools);
    const exits = await each(async (i) => {
      const a = agent(i);
      await a.proc.waitLog((l) => l.msg === 'kernel write started', 30_000, from[i]);
      a.proc.signal('SIGKILL');
      const r = await a.proc.exited;
      a.http.close();
      agents[i] = null;
      return r.signal;
    });
    expect(exits).toEqual(['SIGKILL', 'SIGKILL', 'SIGKILL']);
    await writing;
    // the history the dead agents last saw is compacted away while they are down: they start from a listing
    await compact();
    // short resyncs from here: the next case removes rules by hand
    await startAgents(['--resync-interval', '2']);
    await allSettled();
    const stored = (await ds.natList()).pools.length;
    expect(await metricOnEach('poolctl_agent_pools')).toEqual([stored, stored, stored]);
    expect(await statusCodes()).toEqual([0, 0, 0]);
    const want = await storeMasq();
    expect(await each(masqMembers)).toEqual(BACKENDS.map(() => want));
    await expectNat(true, true);
  });

  it('a rule and a set member removed by hand on every node are repaired within the resync interval (2 s)', async () => {
    const repairs = await metricOnEach('poolctl_agent_drift_repairs_total');
    await each(async (i) => {
      const ns = topo.nodes[i]!.node;
      if (BACKENDS[i] === 'iptables') {
        await inNs(ns, 'ipset', ['del', 'cali60masq-ipam-pools', CLUSTER_ADDR.v6.natPool]);
        await inNs(ns, 'iptables', ['-t', 'nat', '-D', 'POSTROUTING', '1']);
      } else {
        await inNs(ns, 'nft', ['delete', 'element', 'ip6', 'calico', 'cali60masq-ipam-pools', `{ ${CLUSTER_ADDR.v6.natPool} }`]);
        await inNs(ns, 'nft', ['flush', 'chain', 'ip', 'calico', 'nat-POSTROUTING']);
      }
    });
    const t0 = Date.now();
    const took = await each(async (i) => {
      await until(`node ${i}'s drift repaired`, async () => (await agent(i).http.metric('poolctl_agent_drift_repairs_total')) >= repairs[i]! + 2, 15_000);
      return Date.now() - t0;
    });
    console.info(`drift repaired after ${took.join(', ')} ms`);
    expect(took.every((ms) => ms < 8_000)).toBe(true);
    await expectNat(true, true);
    expect(await metricOnEach('poolctl_agent_kernel_write_errors_total')).toEqual([0, 0, 0]);
  });

  it('leaves nothing behind: no namespace, agent, etcd member, other process or temp dir named by the suite', async () => {
    const tag = topo.tag;
    await teardown();
    expect(await Promise.all(started.map(async (a) => (await a.proc.exited) !== undefined))).toEqual(started.map(() => true));
    expect(clusterLeftovers(tag)).toEqual({ namespaces: [], processes: [], tempDirs: [] });
  });
});
